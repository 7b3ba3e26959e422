package manifest

import (
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	hostPattern = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	fieldTypes  = []string{"text", "email", "tel", "textarea", "select", "checkbox", "url", "number", "date"}
	toolKinds   = []string{KindAnalytics, KindSearch, KindSocial, KindConsent, KindAdvertising, KindEmbed, KindForms, KindHosting, KindOther}
	storages    = []string{StorageCookie, StorageLocalStorage, StorageSessionStorage, StorageIndexedDB}
)

// OperatorHandler is the handler id that stands for the operator's own staff
// in a collection point's handlers.
const OperatorHandler = "operator"

type validator struct {
	m *Manifest
	d *decoder
	// written maps the id of each cookie category the manifest writes to
	// its index in the file: defaults are merged in before validation, so
	// the merged list's indexes do not point at the lines written.
	written map[string]int
}

// line finds the line of path, or of its nearest ancestor that has one.
func (v *validator) line(path string) int { return lineOf(v.d.lines, path) }

func (v *validator) addf(path, format string, args ...any) {
	v.d.problems = append(v.d.problems, Problem{File: v.d.file, Line: v.line(path), Path: path, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) requireString(path, s string) {
	if strings.TrimSpace(s) == "" {
		v.addf(path, "required")
	}
}

func (v *validator) requireText(path string, t Text) {
	if len(t) == 0 {
		v.addf(path, "required (a text in %s)", strings.Join(v.m.Languages, " and "))
	}
}

func (v *validator) validate() {
	m := v.m
	if m.Schema != SchemaVersion {
		if m.Schema == 0 {
			v.addf("schema", "required: write \"schema: %d\"", SchemaVersion)
		} else {
			v.addf("schema", "unsupported schema %d (this Noren reads schema %d)", m.Schema, SchemaVersion)
		}
	}
	v.languages()
	v.checkTranslations(reflect.ValueOf(m).Elem(), "")

	v.requireText("site.name", m.Site.Name)
	v.checkURL("site.url", m.Site.URL, false)
	if m.Site.Domain != "" && !hostPattern.MatchString(m.Site.Domain) {
		v.addf("site.domain", "bad host name %q", m.Site.Domain)
	}

	v.requireText("operator.name", m.Operator.Name)
	v.requireText("operator.section", m.Operator.Section)
	if m.Operator.Email == "" {
		v.addf("operator.email", "required: the address visitors write to about their data")
	} else if a, err := mail.ParseAddress(m.Operator.Email); err != nil || a.Address != m.Operator.Email {
		v.addf("operator.email", "bad e-mail address %q", m.Operator.Email)
	}
	v.checkURL("operator.url", m.Operator.URL, false)
	switch m.Operator.EmailDisplay {
	case EmailPlain, EmailAt:
	default:
		v.addf("operator.email_display", "want %q (a mailto: link) or %q (name(at)example.jp, never a link), got %q", EmailPlain, EmailAt, m.Operator.EmailDisplay)
	}
	v.regime()

	v.requireString("policy.version", m.Policy.Version)
	if m.Policy.Effective.IsZero() {
		v.addf("policy.effective", "required: the date this version takes effect, YYYY-MM-DD")
	}
	v.oneOf("policy.statements", m.Policy.Statements, Statements, "statement")

	dataIDs := v.ids("data_categories", len(m.DataCategories), func(i int) string { return m.DataCategories[i].ID })
	for i, c := range m.DataCategories {
		v.requireText(fmt.Sprintf("data_categories[%d].name", i), c.Name)
	}
	purposeIDs := v.ids("purposes", len(m.Purposes), func(i int) string { return m.Purposes[i].ID })
	for i, p := range m.Purposes {
		path := fmt.Sprintf("purposes[%d]", i)
		v.requireText(path+".name", p.Name)
		v.requireText(path+".description", p.Description)
		v.refs(path+".data", p.Data, dataIDs, "data category", "data_categories")
	}
	contractorIDs := v.ids("contractors", len(m.Contractors), func(i int) string { return m.Contractors[i].ID })
	if contractorIDs[OperatorHandler] {
		v.addf("contractors", "the id %q is reserved for the operator's own staff", OperatorHandler)
	}
	for i, c := range m.Contractors {
		path := fmt.Sprintf("contractors[%d]", i)
		v.requireText(path+".name", c.Name)
		v.requireText(path+".task", c.Task)
		v.refs(path+".data", c.Data, dataIDs, "data category", "data_categories")
		v.refs(path+".purposes", c.Purposes, purposeIDs, "purpose", "purposes")
	}
	v.collectionPoints(dataIDs, purposeIDs, contractorIDs)

	catIDs := v.ids("cookie_categories", len(m.CookieCategories), func(i int) string { return m.CookieCategories[i].ID })
	for i, c := range m.CookieCategories {
		path := fmt.Sprintf("cookie_categories[%d]", i)
		if k, ok := v.written[c.ID]; ok {
			path = fmt.Sprintf("cookie_categories[%d]", k)
		}
		v.requireText(path+".name", c.Name)
		v.requireText(path+".description", c.Description)
		if c.Required && c.SaleOrShare {
			v.addf(path, "a required category cannot also be refused by Global Privacy Control (sale_or_share)")
		}
		if c.Required && c.BeforeChoice {
			v.addf(path+".before_choice", "%q is required and runs whatever the visitor chooses; before_choice is for a category a visitor may refuse", c.ID)
		}
	}
	v.consent(catIDs)
	toolIDs := v.tools(catIDs)

	v.ids("automatic_collection", len(m.AutomaticCollection), func(i int) string { return m.AutomaticCollection[i].ID })
	for i, a := range m.AutomaticCollection {
		path := fmt.Sprintf("automatic_collection[%d]", i)
		v.requireText(path+".what", a.What)
		v.requireText(path+".why", a.Why)
		if a.Retention.IsZero() {
			v.addf(path+".retention", "required: how long it is kept, e.g. \"90d\"")
		}
		if a.Tool != "" && !toolIDs[a.Tool] {
			v.addf(path+".tool", "undefined tool %q (define it under tools)", a.Tool)
		}
		v.oneOf(path+".includes", a.Includes, AutomaticIncludes, "value")
	}

	switch m.Security.TLSMinVersion {
	case "1.2", "1.3":
	default:
		v.addf("security.tls_min_version", "want \"1.2\" or \"1.3\", got %q", m.Security.TLSMinVersion)
	}
	if len(m.Security.Measures) == 0 {
		v.addf("security.measures", "required: list the security measures taken")
	}
	if m.Statistics.MinCount < 2 {
		v.addf("statistics.min_count", "must be at least 2 so that no published figure describes one visitor")
	}
	if m.Statistics.Epsilon < 0 {
		v.addf("statistics.epsilon", "must not be negative (0 turns noise off)")
	}
	v.requireText("copyright.statement", m.Copyright.Statement)
	v.checkURL("copyright.license_url", m.Copyright.LicenseURL, false)
	v.search()
	v.placeholders()
}

// oneOf checks that every value of a list is one of allowed, once.
func (v *validator) oneOf(path string, values, allowed []string, what string) {
	for i, s := range values {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case !slices.Contains(allowed, s):
			v.addf(p, "unknown %s %q (want one of %s)", what, s, strings.Join(allowed, ", "))
		case slices.Index(values, s) < i:
			v.addf(p, "%q listed twice", s)
		}
	}
}

// PlaceholderPrefix starts the values a starter manifest leaves for the
// operator to write ("REPLACE: 運営者の名称"). A manifest that still holds
// one is refused, so that no site publishes a policy with blanks in it.
const PlaceholderPrefix = "REPLACE:"

// placeholders reports every value that is still a placeholder, with its
// path, in place of what else is wrong with that value: "REPLACE: ..." is
// not an e-mail address either, but saying so would hide the point.
func (v *validator) placeholders() {
	type placeholder struct{ path, value string }
	var found []placeholder
	var walk func(rv reflect.Value, path string)
	walk = func(rv reflect.Value, path string) {
		switch rv.Kind() {
		case reflect.String:
			if s := strings.TrimSpace(rv.String()); strings.HasPrefix(s, PlaceholderPrefix) {
				found = append(found, placeholder{path, s})
			}
		case reflect.Map:
			if rv.Type() != textType {
				return
			}
			t := rv.Interface().(Text)
			// The manifest's languages first, in its order.
			langs := slices.Sorted(maps.Keys(t))
			slices.SortStableFunc(langs, func(a, b string) int {
				return rank(v.m.Languages, a) - rank(v.m.Languages, b)
			})
			for _, l := range langs {
				if strings.HasPrefix(t[l], PlaceholderPrefix) {
					found = append(found, placeholder{path + "." + l, t[l]})
				}
			}
		case reflect.Struct:
			t := rv.Type()
			for i := range t.NumField() {
				f := t.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				if f.IsExported() && name != "" {
					walk(rv.Field(i), join(path, name))
				}
			}
		case reflect.Slice:
			for i := range rv.Len() {
				walk(rv.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(reflect.ValueOf(v.m).Elem(), "")
	v.d.problems = slices.DeleteFunc(v.d.problems, func(p Problem) bool {
		return slices.ContainsFunc(found, func(f placeholder) bool { return f.path == p.Path })
	})
	for _, f := range found {
		v.addf(f.path, "still a placeholder, %q: write the real value", f.value)
	}
}

// rank is the position of s in list, or len(list) when it is not there.
func rank(list []string, s string) int {
	if i := slices.Index(list, s); i >= 0 {
		return i
	}
	return len(list)
}

func (v *validator) consent(catIDs map[string]bool) {
	c := v.m.Consent
	switch {
	case c.Expires.Session:
		v.addf("consent.expires", "must be a period such as 6mo: a choice that ends with the browser session makes the banner return on every visit")
	case c.Expires.From(referenceTime).After(referenceTime.AddDate(2, 0, 0)):
		v.addf("consent.expires", "%s is longer than 2 years; ask again at least every 13 months or so", c.Expires)
	}
	v.refs("consent.gpc_refuses", c.GPCRefuses, catIDs, "cookie category", "cookie_categories")
	for i, id := range c.GPCRefuses {
		if cat := v.m.CookieCategory(id); cat != nil && cat.Required {
			v.addf(fmt.Sprintf("consent.gpc_refuses[%d]", i), "%q is strictly necessary and cannot be refused", id)
		}
	}
}

// referenceTime anchors checks of calendar durations, whose length varies
// with the date they start from.
var referenceTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (v *validator) languages() {
	m := v.m
	if len(m.Languages) == 0 {
		v.addf("languages", "required: the languages of the site, e.g. [ja, en]")
	}
	seen := map[string]bool{}
	for i, l := range m.Languages {
		path := fmt.Sprintf("languages[%d]", i)
		if !slices.Contains(SupportedLanguages, l) {
			v.addf(path, "unsupported language %q (supported: %s)", l, strings.Join(SupportedLanguages, ", "))
		}
		if seen[l] {
			v.addf(path, "language %q listed twice", l)
		}
		seen[l] = true
	}
	if m.DefaultLang != "" && !seen[m.DefaultLang] {
		v.addf("default_language", "%q is not one of languages", m.DefaultLang)
	}
}

// checkTranslations reports every text that lacks one of the manifest's
// languages, wherever it stands in the document.
func (v *validator) checkTranslations(rv reflect.Value, path string) {
	switch rv.Kind() {
	case reflect.Map:
		if rv.Type() != textType || rv.Len() == 0 {
			return
		}
		t := rv.Interface().(Text)
		for _, l := range v.m.Languages {
			if strings.TrimSpace(t[l]) == "" {
				v.addf(path, "missing translation: no %q text", l)
			}
		}
	case reflect.Struct:
		t := rv.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "" {
				continue
			}
			v.checkTranslations(rv.Field(i), join(path, name))
		}
	case reflect.Slice:
		for i := range rv.Len() {
			v.checkTranslations(rv.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// ids checks the ids of a list: present, well formed and unique. It returns
// the set of valid ids for reference checks.
func (v *validator) ids(list string, n int, id func(int) string) map[string]bool {
	set := map[string]bool{}
	for i := range n {
		path := fmt.Sprintf("%s[%d].id", list, i)
		s := id(i)
		switch {
		case s == "":
			v.addf(path, "required")
		case !idPattern.MatchString(s):
			v.addf(path, "bad id %q: use lower-case letters, digits, '-' and '_'", s)
		case set[s]:
			v.addf(path, "duplicate id %q", s)
		}
		set[s] = true
	}
	return set
}

func (v *validator) refs(path string, ids []string, defined map[string]bool, what, where string) {
	for i, id := range ids {
		if !defined[id] {
			v.addf(fmt.Sprintf("%s[%d]", path, i), "undefined %s %q (define it under %s)", what, id, where)
		}
	}
}

func (v *validator) checkURL(path, s string, required bool) {
	if s == "" {
		if required {
			v.addf(path, "required")
		}
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.addf(path, "bad URL %q: want an absolute http(s) URL", s)
	}
}

func (v *validator) collectionPoints(dataIDs, purposeIDs, contractorIDs map[string]bool) {
	m := v.m
	v.ids("collection_points", len(m.CollectionPoints), func(i int) string { return m.CollectionPoints[i].ID })
	for i, cp := range m.CollectionPoints {
		path := fmt.Sprintf("collection_points[%d]", i)
		v.requireText(path+".name", cp.Name)
		if cp.Path != "" && !strings.HasPrefix(cp.Path, "/") {
			v.addf(path+".path", "want a path starting with /, got %q", cp.Path)
		}
		v.refs(path+".purposes", cp.Purposes, purposeIDs, "purpose", "purposes")
		for j, h := range cp.Handlers {
			if h != OperatorHandler && !contractorIDs[h] {
				v.addf(fmt.Sprintf("%s.handlers[%d]", path, j), "undefined handler %q (use %q or a contractor id)", h, OperatorHandler)
			}
		}
		if len(cp.Fields) == 0 {
			v.addf(path+".fields", "required: the fields the form collects")
		}
		v.ids(path+".fields", len(cp.Fields), func(j int) string { return cp.Fields[j].ID })
		for j, f := range cp.Fields {
			fp := fmt.Sprintf("%s.fields[%d]", path, j)
			v.requireText(fp+".label", f.Label)
			if !slices.Contains(fieldTypes, f.Type) {
				v.addf(fp+".type", "unknown field type %q (want one of %s)", f.Type, strings.Join(fieldTypes, ", "))
			}
			if f.Type == "select" && len(f.Options) == 0 {
				v.addf(fp+".options", "a select field needs options")
			}
			for k, o := range f.Options {
				v.requireString(fmt.Sprintf("%s.options[%d].value", fp, k), o.Value)
				v.requireText(fmt.Sprintf("%s.options[%d].label", fp, k), o.Label)
			}
			if f.MaxLength < 0 {
				v.addf(fp+".max_length", "must not be negative")
			}
			switch {
			case f.Purpose == "":
				v.addf(fp+".purpose", "required: every field states the purpose it is collected for")
			case !purposeIDs[f.Purpose]:
				v.addf(fp+".purpose", "undefined purpose %q (define it under purposes)", f.Purpose)
			case len(cp.Purposes) > 0 && !slices.Contains(cp.Purposes, f.Purpose):
				v.addf(fp+".purpose", "purpose %q is not among the purposes of %s", f.Purpose, path)
			}
			switch {
			case f.Category == "":
				v.addf(fp+".category", "required: the data category the field holds")
			case !dataIDs[f.Category]:
				v.addf(fp+".category", "undefined data category %q (define it under data_categories)", f.Category)
			}
			if f.Retention.IsZero() && cp.Retention.IsZero() {
				v.addf(fp+".retention", "required: how long the field is kept (here or on the collection point)")
			}
			if f.Retention.Session {
				v.addf(fp+".retention", "\"session\" is for cookies; give a period such as \"1y\"")
			}
		}
	}
}

func (v *validator) tools(catIDs map[string]bool) map[string]bool {
	m := v.m
	toolIDs := v.ids("tools", len(m.Tools), func(i int) string { return m.Tools[i].ID })
	type cookieKey struct{ storage, domain, name string }
	declared := map[cookieKey]string{}
	for i, t := range m.Tools {
		path := fmt.Sprintf("tools[%d]", i)
		v.requireText(path+".name", t.Name)
		if !slices.Contains(toolKinds, t.Kind) {
			v.addf(path+".kind", "unknown kind %q (want one of %s)", t.Kind, strings.Join(toolKinds, ", "))
		}
		switch t.Party {
		case "first":
		case "third":
			v.requireText(path+".recipient", t.Recipient)
			v.checkURL(path+".opt_out", t.OptOut, true)
		default:
			v.addf(path+".party", "want \"first\" or \"third\", got %q", t.Party)
		}
		v.requireText(path+".information_sent", t.InformationSent)
		v.requireText(path+".purpose", t.Purpose)
		v.checkURL(path+".privacy_policy", t.PrivacyPolicy, false)
		switch {
		case t.Category == "":
			v.addf(path+".category", "required: the cookie category that governs consent to this tool")
		case !catIDs[t.Category]:
			v.addf(path+".category", "undefined cookie category %q (define it under cookie_categories)", t.Category)
		}
		for j, h := range t.Hosts {
			if !hostPattern.MatchString(h) {
				v.addf(fmt.Sprintf("%s.hosts[%d]", path, j), "bad host name %q", h)
			}
		}
		v.inlineMarkers(path, t)
		for j, c := range t.Cookies {
			cp := fmt.Sprintf("%s.cookies[%d]", path, j)
			v.requireString(cp+".name", c.Name)
			if !slices.Contains(storages, c.Storage) {
				v.addf(cp+".storage", "unknown storage %q (want one of %s)", c.Storage, strings.Join(storages, ", "))
			}
			if c.Domain != "" && !hostPattern.MatchString(strings.TrimPrefix(c.Domain, ".")) {
				v.addf(cp+".domain", "bad domain %q", c.Domain)
			}
			if c.Duration.IsZero() {
				v.addf(cp+".duration", "required: how long it lasts, e.g. \"session\" or \"13mo\"")
			}
			switch {
			case c.Category == "":
				v.addf(cp+".category", "required: every cookie belongs to a cookie category")
			case !catIDs[c.Category]:
				v.addf(cp+".category", "undefined cookie category %q (define it under cookie_categories)", c.Category)
			}
			v.requireText(cp+".description", c.Description)
			k := cookieKey{c.Storage, c.Domain, c.Name}
			if prev, dup := declared[k]; dup && c.Name != "" {
				v.addf(cp+".name", "%q is already declared at %s", c.Name, prev)
			}
			declared[k] = cp
		}
	}
	return toolIDs
}

// Bounds of a tool's inline markers: a shorter one would match scripts of
// the site that have nothing to do with the tool.
const (
	minInlineMarker = 6
	maxInlineMarker = 200
)

// inlineMarkers checks the strings that mark a tool's inline snippets: they
// hold scripts back until consent, so the tool must be one that waits for
// it, and each must be long enough to name the tool alone.
func (v *validator) inlineMarkers(path string, t Tool) {
	if len(t.InlineMarkers) == 0 {
		return
	}
	if c := v.m.CookieCategory(t.Category); t.Party == "first" || c != nil && c.Required {
		v.addf(path+".inline_markers", "only tools that wait for consent have snippets held back; this one is first-party or in a required category")
	}
	for j, mk := range t.InlineMarkers {
		switch n := len(strings.TrimSpace(mk)); {
		case n < minInlineMarker:
			v.addf(fmt.Sprintf("%s.inline_markers[%d]", path, j), "marker %q is too short to name the tool alone (at least %d characters)", mk, minInlineMarker)
		case n > maxInlineMarker:
			v.addf(fmt.Sprintf("%s.inline_markers[%d]", path, j), "marker is longer than %d characters", maxInlineMarker)
		}
	}
}

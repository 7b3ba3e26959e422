package verdict

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan/cookiedb"
)

// Suggest writes, for every Undeclared finding of r, entries of the
// manifest's tools: list, indented to be pasted under "tools:" of m (nil
// for a site without a manifest yet). Subjects the cookie database knows
// are grouped into one tool per platform, pre-filled from it; the others
// into one tool per host they come from, and one for the site's own. What
// the database cannot say is left as "REPLACE: …" placeholders, which the
// manifest refuses until they are written.
func Suggest(w io.Writer, r *Report, m *manifest.Manifest) error {
	if r == nil {
		return errors.New("write manifest suggestion: no report")
	}
	s := newSuggester(r, m)
	for _, f := range r.Findings {
		switch f.Kind {
		case UndeclaredRecipient:
			s.recipient(f)
		}
	}
	for _, f := range r.Findings {
		switch f.Kind {
		case UndeclaredCookie, UndeclaredStorage:
			s.storage(f)
		}
	}
	bw := bufio.NewWriter(w)
	s.write(bw)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write manifest suggestion: %w", err)
	}
	return nil
}

// suggester groups undeclared subjects into tools.
type suggester struct {
	m     *manifest.Manifest
	langs []string
	cats  []manifest.CookieCategory
	own   string    // the site's host
	at    time.Time // when the scan ran, for lifetimes
	tools []*toolSuggestion
	// byGroup finds a tool by its group: "platform:" and the database's
	// platform, "host:" and a host, or "site".
	byGroup map[string]*toolSuggestion
	// hostGroup is the group each undeclared recipient went to, so that
	// what a script of that host set joins it.
	hostGroup map[string]string
	ids       map[string]bool
	// skipped are recipients the manifest cannot name, such as IPv6
	// addresses.
	skipped []string
}

// toolSuggestion is one tool to add.
type toolSuggestion struct {
	group    string
	id       string
	platform string // the database's platform, "" when unknown
	host     string // the host of a tool of unknown platform
	entry    *cookiedb.Entry
	third    bool
	hosts    []string
	cookies  []cookieSuggestion
}

// cookieSuggestion is one cookie or storage key of a tool to add.
type cookieSuggestion struct {
	name, storage, domain string
	wildcard              bool
	duration              manifest.Duration
	durationNote          string
	category              string
	categoryNote          string
	entry                 *cookiedb.Entry
}

func newSuggester(r *Report, m *manifest.Manifest) *suggester {
	s := &suggester{
		m: m, langs: []string{"ja", "en"}, cats: manifest.DefaultCookieCategories(),
		own: urlHost(r.URL), at: r.Started,
		byGroup: map[string]*toolSuggestion{}, hostGroup: map[string]string{}, ids: map[string]bool{},
	}
	if m != nil {
		if len(m.Languages) > 0 {
			s.langs = m.Languages
		}
		s.cats = m.CookieCategories
		for _, t := range m.Tools {
			s.ids[t.ID] = true
		}
	}
	return s
}

// recipient adds an undeclared host to its platform's tool, or to a tool
// of its own.
func (s *suggester) recipient(f Finding) {
	if !hostName.MatchString(f.Subject) {
		s.skipped = append(s.skipped, f.Subject)
		return
	}
	group := "host:" + f.Subject
	if f.Database != nil && f.Database.Platform != "" {
		group = "platform:" + f.Database.Platform
	}
	t := s.tool(group, f.Database, f.Subject)
	t.third = true
	if !slices.Contains(t.hosts, f.Subject) {
		t.hosts = append(t.hosts, f.Subject)
	}
	s.hostGroup[f.Subject] = group
}

// storage adds an undeclared cookie or storage key to the tool of its
// platform, else of the host whose script set it or that holds it, else
// to the site's own.
func (s *suggester) storage(f Finding) {
	third := f.SubjectKind == SubjectCookie && f.Domain != "" && !covers(f.Domain, s.own) ||
		f.SubjectKind != SubjectCookie && urlHost(f.Domain) != "" && urlHost(f.Domain) != s.own
	var group, host string
	switch {
	case f.Database != nil && f.Database.Platform != "":
		group = "platform:" + f.Database.Platform
	default:
		host = s.sourceHost(f, third)
		group = "site"
		if host != "" {
			group = cmp.Or(s.hostGroup[host], "host:"+host)
		}
	}
	t := s.tool(group, f.Database, host)
	t.third = t.third || third || host != "" || sends(f.Database)
	c := cookieSuggestion{name: f.Subject, storage: f.SubjectKind, entry: f.Database}
	if c.storage == SubjectCookie {
		c.storage = manifest.StorageCookie
	}
	if third {
		c.domain = f.Domain
		if c.storage != manifest.StorageCookie {
			c.domain = urlHost(f.Domain)
		}
	}
	if e := f.Database; e != nil && e.Wildcard && strings.HasPrefix(f.Subject, e.Name) {
		c.name, c.wildcard = e.Name, true
	}
	if slices.ContainsFunc(t.cookies, func(x cookieSuggestion) bool {
		return x.name == c.name && x.storage == c.storage && x.domain == c.domain
	}) {
		return
	}
	c.duration, c.durationNote = s.duration(f)
	c.category, c.categoryNote = s.category(f.Database)
	t.cookies = append(t.cookies, c)
}

// sourceHost is the host an unknown cookie or storage key comes from: the
// first other host whose script set it, else the host holding a
// third-party one; "" for the site's own.
func (s *suggester) sourceHost(f Finding, third bool) string {
	for _, e := range f.Evidence {
		if h := urlHost(e.Initiator); h != "" && h != s.own {
			return h
		}
	}
	if !third {
		return ""
	}
	if f.SubjectKind == SubjectCookie {
		return cookieDomain(f.Domain)
	}
	return urlHost(f.Domain)
}

// sends reports whether the database files e under a category whose
// platforms send what they gather to themselves: analytics and marketing.
func sends(e *cookiedb.Entry) bool {
	return e != nil && (strings.EqualFold(e.Category, "Analytics") || strings.EqualFold(e.Category, "Marketing"))
}

// tool returns the tool of group, starting it when new.
func (s *suggester) tool(group string, e *cookiedb.Entry, host string) *toolSuggestion {
	if t := s.byGroup[group]; t != nil {
		if t.entry == nil && e != nil {
			t.entry = e
		}
		return t
	}
	t := &toolSuggestion{group: group, entry: e, host: host}
	name := "site"
	switch {
	case strings.HasPrefix(group, "platform:"):
		t.platform = e.Platform
		name = e.Platform
	case host != "":
		name = host
	}
	t.id = s.uniqueID(slug(name))
	s.byGroup[group] = t
	s.tools = append(s.tools, t)
	return t
}

// uniqueID returns id, or id with a number, so that it is new.
func (s *suggester) uniqueID(id string) string {
	out := id
	for n := 2; s.ids[out]; n++ {
		suffix := fmt.Sprintf("-%d", n)
		out = strings.TrimRight(id[:min(len(id), 64-len(suffix))], "-_") + suffix
	}
	s.ids[out] = true
	return out
}

// slug turns a name into a manifest id: lower-case letters and digits
// joined by '-'.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	out := b.String()
	if len(out) > 64 {
		out = strings.TrimRight(out[:64], "-")
	}
	if out == "" {
		return "tool"
	}
	return out
}

// duration is the lifetime to declare for f: the database's retention or
// the longest seen, whichever is longer, so that the declaration holds.
func (s *suggester) duration(f Finding) (manifest.Duration, string) {
	ref := s.at
	if ref.IsZero() {
		ref = time.Now()
	}
	var seen time.Duration
	for _, e := range f.Evidence {
		if !e.Expires.IsZero() {
			seen = max(seen, e.Expires.Sub(ref))
		}
	}
	var d manifest.Duration
	known := false
	if f.Database != nil {
		d, known = parseRetention(f.Database.Retention)
	}
	switch {
	case seen > 0 && (!known || d.Session || d.From(ref).Sub(ref) < seen):
		day := 24 * time.Hour
		return manifest.Duration{N: int((seen + day - 1) / day), Unit: "d"}, "as seen"
	case known:
		return d, ""
	case f.SubjectKind == SubjectSessionStorage || f.SubjectKind == SubjectCookie:
		// A cookie seen without an expiry is a session cookie.
		return manifest.Duration{Session: true}, ""
	}
	return manifest.Duration{N: 1, Unit: "y"}, "check: how long it is kept"
}

// categoryHints are, for each category of the database, the ids of the
// manifest's cookie categories that fit it, best first.
var categoryHints = map[string][]string{
	"analytics":       {"analytics", "statistics"},
	"marketing":       {"advertising", "marketing"},
	"personalization": {"preferences", "personalization", "functional"},
	"functional":      {"preferences", "functional"},
}

// category is the manifest's cookie category that best fits the database
// entry e; otherwise, and for what the database files as security or
// necessary, the first category that needs consent, with a note that it is
// a guess. It is never a required category: filing something where it
// escapes consent is the operator's decision to make, not a default.
func (s *suggester) category(e *cookiedb.Entry) (string, string) {
	if e != nil {
		for _, id := range categoryHints[strings.ToLower(e.Category)] {
			i := slices.IndexFunc(s.cats, func(c manifest.CookieCategory) bool { return c.ID == id })
			if i >= 0 && !s.cats[i].Required {
				return id, ""
			}
		}
	}
	for _, c := range s.cats {
		if !c.Required {
			return c.ID, "check: the category is a guess"
		}
	}
	return "", "REPLACE: a cookie category"
}

// toolCategory is the category of a tool: that of its cookie whose
// database category is the most intrusive, else of its platform's entry.
func (s *suggester) toolCategory(t *toolSuggestion) (string, string) {
	rank := func(e *cookiedb.Entry) int {
		if e == nil {
			return 9
		}
		return cmp.Or(slices.Index([]string{"marketing", "analytics", "personalization", "functional", "security", "necessary"}, strings.ToLower(e.Category))+1, 8)
	}
	best := t.entry
	for _, c := range t.cookies {
		if rank(c.entry) < rank(best) {
			best = c.entry
		}
	}
	return s.category(best)
}

// kindOf maps the database's category to a tool kind.
func kindOf(e *cookiedb.Entry) string {
	if e != nil {
		switch strings.ToLower(e.Category) {
		case "analytics":
			return manifest.KindAnalytics
		case "marketing":
			return manifest.KindAdvertising
		}
	}
	return manifest.KindOther
}

// hostName is what the manifest accepts as a host.
var hostName = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// write writes the tools as YAML.
func (s *suggester) write(w *bufio.Writer) {
	p := func(indent int, format string, args ...any) {
		w.WriteString(strings.Repeat(" ", indent))
		fmt.Fprintf(w, format, args...)
		w.WriteByte('\n')
	}
	p(2, "# Tools for what the scan found undeclared, to add under \"tools:\".")
	for _, h := range s.skipped {
		p(2, "# %s is no host name a manifest can declare: the site should not send to it.", h)
	}
	if len(s.tools) == 0 {
		p(2, "# Nothing else is undeclared.")
		return
	}
	p(2, "# The values starting with %q are for you to write: the manifest is", manifest.PlaceholderPrefix)
	p(2, "# refused while any is left. Check every \"check:\" comment, and that each")
	p(2, "# tool, category, party and duration is true of the site.")
	for _, t := range s.tools {
		s.writeTool(t, p)
	}
}

func (s *suggester) writeTool(t *toolSuggestion, p func(int, string, ...any)) {
	e := t.entry
	name := cmp.Or(t.platform, t.host)
	p(2, "- id: %s", t.id)
	if name != "" {
		s.text(p, 4, "name", func(string) string { return name })
	} else {
		s.placeholder(p, 4, "name", "このサイトの機能の名称", "the name of the site's feature")
	}
	p(4, "kind: %s", kindOf(e))
	party := "first"
	if t.third {
		party = "third"
	}
	p(4, "party: %s", party)
	if t.third {
		if e != nil && e.Controller != "" {
			s.text(p, 4, "recipient", func(string) string { return e.Controller })
		} else {
			s.placeholder(p, 4, "recipient", "送信先の名称", "the name of the recipient")
		}
	}
	cat, note := s.toolCategory(t)
	s.scalar(p, 4, "category", cat, note)
	s.placeholder(p, 4, "information_sent", "送信される情報", "the information sent")
	s.placeholder(p, 4, "purpose", "利用目的", "the purpose of use")
	policy := ""
	if e != nil && isURL(e.PrivacyURL) {
		policy = e.PrivacyURL
		s.scalar(p, 4, "privacy_policy", policy, "")
	}
	if t.third {
		if policy != "" {
			s.scalar(p, 4, "opt_out", policy, "check: the page where visitors opt out")
		} else {
			host := cmp.Or(t.host, firstOr(t.hosts, "example.com"))
			s.scalar(p, 4, "opt_out", manifest.PlaceholderPrefix+" https://"+host+"/", "the page where visitors opt out")
		}
	}
	if len(t.hosts) > 0 {
		p(4, "hosts:")
		for _, h := range t.hosts {
			p(6, "- %s", quote(h))
		}
	}
	if len(t.cookies) == 0 {
		return
	}
	p(4, "cookies:")
	for _, c := range t.cookies {
		p(6, "- name: %s", quote(c.name))
		if c.storage != manifest.StorageCookie {
			p(8, "storage: %s", c.storage)
		}
		if c.domain != "" {
			p(8, "domain: %s", quote(c.domain))
		}
		if c.wildcard {
			p(8, "wildcard: true")
		}
		s.scalar(p, 8, "duration", c.duration.String(), c.durationNote)
		s.scalar(p, 8, "category", c.category, c.categoryNote)
		desc := ""
		if c.entry != nil {
			desc = c.entry.Description
		}
		p(8, "description:")
		for _, l := range s.langs {
			if l == "en" && desc != "" {
				p(10, "en: %s", quote(desc))
				continue
			}
			p(10, "%s: %s", l, quote(placeholderIn(l, "説明", "what it holds and why")))
		}
	}
}

// text writes a text with the value v(lang) in every language.
func (s *suggester) text(p func(int, string, ...any), indent int, field string, v func(lang string) string) {
	p(indent, "%s:", field)
	for _, l := range s.langs {
		p(indent+2, "%s: %s", l, quote(v(l)))
	}
}

// placeholder writes a text left for the operator, in every language.
func (s *suggester) placeholder(p func(int, string, ...any), indent int, field, ja, en string) {
	s.text(p, indent, field, func(l string) string { return placeholderIn(l, ja, en) })
}

// scalar writes a single value with an optional comment.
func (s *suggester) scalar(p func(int, string, ...any), indent int, field, v, note string) {
	if note != "" {
		p(indent, "%s: %s  # %s", field, quote(v), note)
		return
	}
	p(indent, "%s: %s", field, quote(v))
}

// placeholderIn is a placeholder in lang: Japanese, or English for any
// other language.
func placeholderIn(lang, ja, en string) string {
	if lang == "ja" {
		return manifest.PlaceholderPrefix + " " + ja
	}
	return manifest.PlaceholderPrefix + " " + en
}

// quote writes s as a YAML double-quoted scalar, which JSON's string
// syntax is.
func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

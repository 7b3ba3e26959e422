package policy

import (
	"strings"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/policy/markdown"
	"github.com/noren-web/noren/internal/timefmt"
)

// view is what a document's Markdown template reads: the manifest's facts
// in one language, every text already escaped as inline Markdown. Keeping
// the escaping here means a template can print any field as it is.
type view struct {
	Lang string

	Site       string
	SiteURL    string // autolink, or ""
	Operator   string
	Definition []string
	Basis      string
	Intro      []string
	Version    string
	Effective  string
	Changes    []string

	DataCategories string
	Sensitive      string
	Purposes       []purposeView
	Forms          []formView
	Contractors    []contractorView
	Automatic      []automaticView
	Statistics     statisticsView

	// Tools by the section of the privacy policy that describes them.
	Analytics       []toolView
	Search          []toolView
	Social          []toolView
	OtherThirdParty []toolView
	// Tools is every tool, for the external-transmission table.
	Tools   []toolView
	OptOuts []toolView

	ThirdPartyAnalytics bool
	ThirdPartySearch    bool
	AnalyticsCookieless bool

	CookieCategories []categoryView // categories that have cookies or storage keys
	CookieCount      int
	StorageCount     int
	Wildcards        bool

	TLS            string
	SecurityPolicy []string
	Measures       []string
	Copyright      []string
	License        string

	Contact contactView
	Links   linksView
}

type purposeView struct {
	Name, Description, Data string
}

type formView struct {
	ID, Name, Page, Purposes, Retention string
	OperatorHandles                     bool
	Contractors                         string
	Fields                              []fieldView
}

type fieldView struct {
	Label, Purpose, Retention string
	Required                  bool
}

type contractorView struct {
	Name, Task, Data, Purposes, Country string
}

type automaticView struct {
	What, Why, Retention, Tool string
}

type statisticsView struct {
	Publish  bool
	MinCount int
	Noise    bool
}

type toolView struct {
	ID, Name         string
	ThirdParty       bool
	Recipient        string
	Country          string
	InformationSent  string
	Purpose          string
	OptOutURL        string // link destination, or ""
	PrivacyPolicyURL string // link destination, or ""
	Cookies          string // code spans, joined
}

type categoryView struct {
	ID, Name, Description string
	Required              bool
	Cookies               []cookieView
}

type cookieView struct {
	Name, Storage, Domain, Duration, Tool, Description string
}

type contactView struct {
	Operator, Section, Address, Phone, Email, URL string
}

// linksView holds the paths of Noren's policy pages in the view's language.
type linksView struct {
	Privacy, Cookies, History, Choices string
}

// newView gathers what the templates need from m in lang. choices is the
// address of the page where visitors change their privacy choices, or "".
func newView(m *manifest.Manifest, lang, choices string) *view {
	tr := func(t manifest.Text) string { return markdown.Escape(t.In(lang)) }
	v := &view{
		Lang:       lang,
		Site:       tr(m.Site.Name),
		Operator:   tr(m.Operator.Name),
		Definition: paragraphs(m.Operator.Definition.In(lang)),
		Basis:      tr(m.Policy.Basis),
		Intro:      paragraphs(m.Policy.Intro.In(lang)),
		Version:    markdown.Escape(m.VersionLabel()),
		Effective:  formatDate(lang, m.Policy.Effective.Time),
		Changes:    paragraphs(m.Policy.Changes.In(lang)),
		TLS:        markdown.Escape(m.Security.TLSMinVersion),
		Copyright:  paragraphs(m.Copyright.Statement.In(lang)),
		Statistics: statisticsView{
			Publish:  m.Statistics.Publish,
			MinCount: m.Statistics.MinCount,
			Noise:    m.Statistics.Epsilon > 0,
		},
		Links: linksView{
			Privacy: "/" + lang + "/privacy",
			Cookies: "/" + lang + "/cookies",
			History: "/" + lang + "/privacy/history",
			Choices: markdown.Destination(choices),
		},
	}
	if m.Site.URL != "" {
		v.SiteURL = markdown.Autolink(m.Site.URL)
	}
	if m.Copyright.License != "" {
		v.License = markdown.Escape(m.Copyright.License)
		if m.Copyright.LicenseURL != "" {
			v.License = markdown.Link(m.Copyright.License, m.Copyright.LicenseURL)
		}
	}
	v.SecurityPolicy = paragraphs(m.Security.Policy.In(lang))
	for _, t := range m.Security.Measures {
		v.Measures = append(v.Measures, tr(t))
	}

	var names, sensitive []string
	for _, c := range m.DataCategories {
		names = append(names, tr(c.Name))
		if c.Sensitive {
			sensitive = append(sensitive, tr(c.Name))
		}
	}
	v.DataCategories = join(lang, names)
	v.Sensitive = join(lang, sensitive)

	for _, p := range m.Purposes {
		v.Purposes = append(v.Purposes, purposeView{
			Name:        tr(p.Name),
			Description: tr(p.Description),
			Data:        join(lang, dataNames(m, lang, p.Data)),
		})
	}
	for i := range m.CollectionPoints {
		v.Forms = append(v.Forms, newFormView(m, lang, &m.CollectionPoints[i]))
	}
	for _, c := range m.Contractors {
		v.Contractors = append(v.Contractors, contractorView{
			Name:     tr(c.Name),
			Task:     tr(c.Task),
			Data:     join(lang, dataNames(m, lang, c.Data)),
			Purposes: join(lang, purposeNames(m, lang, c.Purposes)),
			Country:  markdown.Escape(c.Country),
		})
	}
	for _, a := range m.AutomaticCollection {
		av := automaticView{What: tr(a.What), Why: tr(a.Why), Retention: markdown.Escape(a.Retention.Human(lang))}
		if t := m.Tool(a.Tool); t != nil {
			av.Tool = tr(t.Name)
		}
		v.Automatic = append(v.Automatic, av)
	}

	v.addTools(m, lang)
	v.addCookies(m, lang)

	v.Contact = contactView{
		Operator: v.Operator,
		Section:  tr(m.Operator.Section),
		Address:  tr(m.Operator.Address),
		Phone:    markdown.Escape(m.Operator.Phone),
		Email:    markdown.Escape(obfuscateEmail(m.Operator.Email)),
	}
	if m.Operator.URL != "" {
		v.Contact.URL = markdown.Autolink(m.Operator.URL)
	}
	return v
}

func newFormView(m *manifest.Manifest, lang string, cp *manifest.CollectionPoint) formView {
	tr := func(t manifest.Text) string { return markdown.Escape(t.In(lang)) }
	f := formView{
		ID:        cp.ID,
		Name:      tr(cp.Name),
		Purposes:  join(lang, purposeNames(m, lang, cp.Purposes)),
		Retention: markdown.Escape(cp.Retention.Human(lang)),
	}
	if cp.Path != "" {
		page := "/" + lang + cp.Path
		f.Page = markdown.Link(page, page)
	}
	var contractors []string
	for _, h := range cp.Handlers {
		if h == manifest.OperatorHandler {
			f.OperatorHandles = true
		} else if c := m.Contractor(h); c != nil {
			contractors = append(contractors, tr(c.Name))
		}
	}
	f.Contractors = join(lang, contractors)
	for i := range cp.Fields {
		fd := &cp.Fields[i]
		fv := fieldView{
			Label:     tr(fd.Label),
			Required:  fd.Required,
			Retention: markdown.Escape(cp.FieldRetention(fd).Human(lang)),
		}
		if p := m.Purpose(fd.Purpose); p != nil {
			fv.Purpose = tr(p.Name)
		}
		f.Fields = append(f.Fields, fv)
	}
	return f
}

func (v *view) addTools(m *manifest.Manifest, lang string) {
	v.AnalyticsCookieless = true
	for i := range m.Tools {
		t := &m.Tools[i]
		tv := newToolView(m, lang, t)
		v.Tools = append(v.Tools, tv)
		if tv.OptOutURL != "" {
			v.OptOuts = append(v.OptOuts, tv)
		}
		switch t.Kind {
		case manifest.KindAnalytics:
			v.Analytics = append(v.Analytics, tv)
			v.ThirdPartyAnalytics = v.ThirdPartyAnalytics || tv.ThirdParty
			v.AnalyticsCookieless = v.AnalyticsCookieless && len(t.Cookies) == 0
		case manifest.KindSearch:
			v.Search = append(v.Search, tv)
			v.ThirdPartySearch = v.ThirdPartySearch || tv.ThirdParty
		case manifest.KindSocial:
			v.Social = append(v.Social, tv)
		default:
			if tv.ThirdParty {
				v.OtherThirdParty = append(v.OtherThirdParty, tv)
			}
		}
	}
}

func newToolView(m *manifest.Manifest, lang string, t *manifest.Tool) toolView {
	tr := func(x manifest.Text) string { return markdown.Escape(x.In(lang)) }
	tv := toolView{
		ID:              t.ID,
		Name:            tr(t.Name),
		ThirdParty:      t.Party == "third",
		Recipient:       tr(t.Recipient),
		Country:         markdown.Escape(t.Country),
		InformationSent: tr(t.InformationSent),
		Purpose:         tr(t.Purpose),
	}
	if !tv.ThirdParty && len(t.Recipient) == 0 {
		// A first-party tool sends to the operator itself.
		tv.Recipient = tr(m.Operator.Name)
	}
	if t.OptOut != "" {
		tv.OptOutURL = markdown.Destination(t.OptOut)
	}
	if t.PrivacyPolicy != "" {
		tv.PrivacyPolicyURL = markdown.Destination(t.PrivacyPolicy)
	}
	var cookies []string
	for _, c := range t.Cookies {
		cookies = append(cookies, cookieName(c))
	}
	tv.Cookies = join(lang, cookies)
	return tv
}

func (v *view) addCookies(m *manifest.Manifest, lang string) {
	tr := func(t manifest.Text) string { return markdown.Escape(t.In(lang)) }
	for _, cat := range m.CookieCategories {
		cv := categoryView{ID: cat.ID, Name: tr(cat.Name), Description: tr(cat.Description), Required: cat.Required}
		for _, tc := range m.CookiesIn(cat.ID) {
			c := tc.Cookie
			domain := c.Domain
			if domain == "" {
				domain = m.Site.Domain
			}
			cv.Cookies = append(cv.Cookies, cookieView{
				Name:        cookieName(*c),
				Storage:     c.Storage,
				Domain:      markdown.Escape(domain),
				Duration:    markdown.Escape(c.Duration.Human(lang)),
				Tool:        tr(tc.Tool.Name),
				Description: tr(c.Description),
			})
			if c.Storage == manifest.StorageCookie {
				v.CookieCount++
			} else {
				v.StorageCount++
			}
			v.Wildcards = v.Wildcards || c.Wildcard
		}
		if len(cv.Cookies) > 0 {
			v.CookieCategories = append(v.CookieCategories, cv)
		}
	}
}

// CategoryNames lists the names of the cookie categories in use.
func (v *view) CategoryNames() string {
	var names []string
	for _, c := range v.CookieCategories {
		names = append(names, c.Name)
	}
	return join(v.Lang, names)
}

// cookieName shows a cookie's name as code, a wildcard one with "*" for
// the part that varies.
func cookieName(c manifest.Cookie) string {
	if c.Wildcard {
		return markdown.Code(c.Name + "*")
	}
	return markdown.Code(c.Name)
}

func dataNames(m *manifest.Manifest, lang string, ids []string) []string {
	var out []string
	for _, id := range ids {
		if c := m.DataCategory(id); c != nil {
			out = append(out, markdown.Escape(c.Name.In(lang)))
		}
	}
	return out
}

func purposeNames(m *manifest.Manifest, lang string, ids []string) []string {
	var out []string
	for _, id := range ids {
		if p := m.Purpose(id); p != nil {
			out = append(out, markdown.Escape(p.Name.In(lang)))
		}
	}
	return out
}

// paragraphs splits a text at blank lines into escaped paragraphs.
func paragraphs(s string) []string {
	var out []string
	for p := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = markdown.Escape(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// join lists items the way the language does: "A、B、C" or "A, B, C".
func join(lang string, items []string) string {
	return strings.Join(items, i18n.T(i18n.Lang(lang), "policy.list_separator"))
}

// formatDate writes a calendar date for readers of lang, or nothing for
// none.
func formatDate(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return timefmt.LongDate(lang, t, nil)
}

// obfuscateEmail writes an address as "name(at)example.jp", the form
// Japanese public bodies use to keep addresses away from harvesters that
// scan pages for "@"; the policies explain how to read it.
func obfuscateEmail(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return addr
	}
	return addr[:i] + "(at)" + addr[i+1:]
}

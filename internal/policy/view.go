package policy

import (
	"slices"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
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
	// Sensitive names the data categories that may hold special-care-
	// required personal information, each quoted; SensitiveMany is set
	// when there are several.
	Sensitive     string
	SensitiveMany bool
	Purposes      []purposeView
	Forms         []formView
	Contractors   []contractorView
	Automatic     []automaticView
	// AutomaticConsent is set when some automatic collection waits for
	// the visitor's consent.
	AutomaticConsent bool
	Statistics       statisticsView

	// Tools by the section of the privacy policy that describes them.
	Analytics       []toolView
	Search          []toolView
	Social          []toolView
	OtherThirdParty []toolView
	// OptOuts are the tools that offer an opt-out.
	OptOuts []toolView

	ThirdPartyAnalytics bool
	ThirdPartySearch    bool
	// FirstPartySearch is set when the site's search is the operator's
	// own and no third party's: the policy then says that the words typed
	// leave for no one else.
	FirstPartySearch    bool
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

	// PublicBody is set for an operator under chapter 5 of the APPI (an
	// administrative organ or agency), whose documents speak of 保有個人情報
	// and cite the articles of that chapter; a business's documents cite
	// chapter 4. LocalGovernment adds the implementing ordinance.
	PublicBody      bool
	LocalGovernment bool
	// Regime is the operator's regime, for the words that differ between
	// the kinds of public body (行政文書, 法人文書, 地方公共団体等行政文書).
	Regime string
	// Ordinance is a local government's implementing ordinance, linked
	// where it is published, or "".
	Ordinance string
	// FileRegister is the address of a public body's 個人情報ファイル簿, or
	// "".
	FileRegister   string
	Representative string
	Complaints     string
	Requests       requestsView
	// ForeignContractors are the contractors outside Japan; a business's
	// are also in ForeignEquivalent or ForeignConsent, by the basis of
	// Art. 28 it entrusts them under.
	ForeignContractors []contractorView
	ForeignEquivalent  []contractorView
	ForeignConsent     []contractorView
	// Recipients are the third parties that the site's tools send
	// 個人関連情報 to, each once; ForeignRecipients is set when a tool
	// sends anything to a third party outside Japan.
	Recipients        []recipientView
	ForeignRecipients bool
	// RecipientsNeedConsent is set when every tool that sends 個人関連情報
	// runs only with the visitor's consent.
	RecipientsNeedConsent bool
	// OptOutNecessary is set when a tool with a provider's opt-out belongs
	// to a category that cannot be refused.
	OptOutNecessary bool
	// Domestic is set when every contractor and every recipient is known
	// to be in Japan.
	Domestic bool

	Firewall     bool
	TLSException string

	Contact contactView
	Links   linksView
	Titles  titlesView

	CookiePolicy cookiePolicyView
}

type purposeView struct {
	Name, Description, Data string
}

type formView struct {
	ID, Name, Page, Purposes, Retention string
	// FieldRetentions is set when the fields are kept for different
	// periods; Retention is then the longest of them.
	FieldRetentions bool
	OperatorHandles bool
	Contractors     string
	Fields          []fieldView
}

type fieldView struct {
	Label, Purpose, Retention string
	Required                  bool
}

type contractorView struct {
	// Country is the country's name.
	Name, Task, Data, Purposes, Country string
}

// recipientView is a third party that tools send 個人関連情報 to.
type recipientView struct {
	// Country is the country's name, or "" when the manifest gives none.
	Name, Country string
	// Tools names the tools that send to the recipient.
	Tools string
}

// requestsView is how the operator answers requests about personal
// information.
type requestsView struct {
	Deadline, Extension            string
	Fee, Identity, Records, Appeal string
	// Shortened is set when a local government's ordinance has shortened
	// the statutory 30 days of Art. 83 (as Art. 108 allows).
	Shortened bool
}

type automaticView struct {
	What, Why, Retention, Tool string
	// Gate says what the visitor can do about the collection: gateConsent,
	// gateBeforeChoice or "" when it cannot be refused.
	Gate string
}

// What decides whether a tool runs, from its cookie category.
const (
	// gateConsent: the tool runs only after the visitor consents.
	gateConsent = "consent"
	// gateBeforeChoice: the tool runs until the visitor switches it off.
	gateBeforeChoice = "before_choice"
)

// gate tells from the category of the tool id whether the tool waits for
// consent, runs until switched off, or cannot be refused ("").
func gate(m *manifest.Manifest, id string) string {
	t := m.Tool(id)
	if t == nil {
		return ""
	}
	c := m.CookieCategory(t.Category)
	switch {
	case c == nil || c.Required:
		return ""
	case c.BeforeChoice:
		return gateBeforeChoice
	}
	return gateConsent
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
	Operator, Section, Address, Phone, URL string
	// Email is the address as the operator chose to print it: a mailto:
	// link, or with EmailAt set "name(at)example.jp", which the documents
	// then explain.
	Email   string
	EmailAt bool
}

// linksView holds the paths of the pages the documents link to, in the
// view's language.
type linksView struct {
	Privacy, Cookies, History, Choices, Requests, Stats string
}

// titlesView holds the names of the pages the documents link to, as each
// page names itself, so that a link reads as its destination's title.
type titlesView struct {
	Cookies, Requests, Stats string
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
		Basis:      basis(m, lang),
		Intro:      paragraphs(m.Policy.Intro.In(lang)),
		Version:    markdown.Escape(m.VersionLabel()),
		Effective:  formatDate(lang, m.Policy.Effective.Time, m.Policy.EraDates),
		Changes:    paragraphs(m.Policy.Changes.In(lang)),
		TLS:        markdown.Escape(m.Security.TLSMinVersion),
		Copyright:  paragraphs(m.Copyright.Statement.In(lang)),
		Statistics: statisticsView{
			Publish:  m.Statistics.Publish,
			MinCount: m.Statistics.MinCount,
			Noise:    m.Statistics.Epsilon > 0,
		},
		Links: linksView{
			Privacy:  "/" + lang + "/privacy",
			Cookies:  "/" + lang + "/cookies",
			History:  "/" + lang + "/privacy/history",
			Choices:  markdown.Destination(choices),
			Requests: "/" + lang + "/privacy/requests",
			Stats:    "/" + lang + "/stats",
		},
		Titles: titlesView{
			Cookies:  markdown.Escape(m.Policy.CookiesTitle(lang)),
			Requests: markdown.Escape(requestsTitle(m, lang)),
			Stats:    markdown.Escape(i18n.T(i18n.Lang(lang), "stats.title")),
		},
		PublicBody:      m.Operator.PublicBody(),
		LocalGovernment: m.Operator.Regime == manifest.RegimeLocalGovernment,
		Regime:          m.Operator.Regime,
		Ordinance:       ordinance(m, lang),
		Representative:  tr(m.Operator.Representative),
		Complaints:      tr(m.Operator.Complaints),
		Firewall:        m.Policy.Statement(manifest.StatementFirewall),
		TLSException:    tr(m.Security.TLSException),
	}
	if m.Requests.FileRegister != "" {
		v.FileRegister = markdown.Destination(m.Requests.FileRegister)
	}
	v.Requests = newRequestsView(m, lang)
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
			sensitive = append(sensitive, i18n.T(i18n.Lang(lang), "policy.quoted", tr(c.Name)))
		}
	}
	v.DataCategories = join(lang, names)
	v.Sensitive = join(lang, sensitive)
	v.SensitiveMany = len(sensitive) > 1

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
		cv := contractorView{
			Name:     tr(c.Name),
			Task:     tr(c.Task),
			Data:     join(lang, dataNames(m, lang, c.Data)),
			Purposes: join(lang, purposeNames(m, lang, c.Purposes)),
			Country:  markdown.Escape(i18n.Country(i18n.Lang(lang), c.Country)),
		}
		v.Contractors = append(v.Contractors, cv)
		if foreign(c.Country) {
			v.ForeignContractors = append(v.ForeignContractors, cv)
		}
		switch c.TransferBasis {
		case manifest.TransferEquivalentSystem:
			v.ForeignEquivalent = append(v.ForeignEquivalent, cv)
		case manifest.TransferConsent:
			v.ForeignConsent = append(v.ForeignConsent, cv)
		}
	}
	for _, a := range m.AutomaticCollection {
		av := automaticView{What: tr(a.What), Why: tr(a.Why), Retention: markdown.Escape(a.Retention.Human(lang)), Gate: gate(m, a.Tool)}
		if t := m.Tool(a.Tool); t != nil {
			av.Tool = tr(t.Name)
		}
		v.AutomaticConsent = v.AutomaticConsent || av.Gate == gateConsent
		v.Automatic = append(v.Automatic, av)
	}

	v.addTools(m, lang)
	v.addCookies(m, lang)
	v.addCookiePolicy(m, lang)

	v.addRecipients(m, lang)
	v.Domestic = domestic(m)

	v.Contact = contactView{
		Operator: v.Operator,
		Section:  tr(m.Operator.Section),
		Address:  tr(m.Operator.Address),
		Phone:    markdown.Escape(m.Operator.Phone),
	}
	if e := page.OperatorEmail(m); e.Href != "" {
		v.Contact.Email = markdown.Link(e.Text, e.Href)
	} else {
		v.Contact.Email, v.Contact.EmailAt = markdown.Escape(e.Text), e.At
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
	// The longest retention is the one that ends last from any start.
	var (
		start   time.Time
		longest manifest.Duration
	)
	for i := range cp.Fields {
		fd := &cp.Fields[i]
		kept := cp.FieldRetention(fd)
		if kept != cp.Retention {
			f.FieldRetentions = true
		}
		if kept.From(start).After(longest.From(start)) {
			longest = kept
		}
		fv := fieldView{
			Label:     tr(fd.Label),
			Required:  fd.Required,
			Retention: markdown.Escape(kept.Human(lang)),
		}
		if p := m.Purpose(fd.Purpose); p != nil {
			fv.Purpose = tr(p.Name)
		}
		f.Fields = append(f.Fields, fv)
	}
	if f.FieldRetentions {
		f.Retention = markdown.Escape(longest.Human(lang))
	}
	return f
}

func (v *view) addTools(m *manifest.Manifest, lang string) {
	v.AnalyticsCookieless = true
	for i := range m.Tools {
		t := &m.Tools[i]
		tv := newToolView(m, lang, t)
		if tv.OptOutURL != "" {
			v.OptOuts = append(v.OptOuts, tv)
			v.OptOutNecessary = v.OptOutNecessary || gate(m, t.ID) == ""
		}
		switch t.Kind {
		case manifest.KindAnalytics:
			v.Analytics = append(v.Analytics, tv)
			v.ThirdPartyAnalytics = v.ThirdPartyAnalytics || tv.ThirdParty
			v.AnalyticsCookieless = v.AnalyticsCookieless && len(t.Cookies) == 0
		case manifest.KindSearch:
			v.Search = append(v.Search, tv)
			v.ThirdPartySearch = v.ThirdPartySearch || tv.ThirdParty
			v.FirstPartySearch = v.FirstPartySearch || !tv.ThirdParty
		case manifest.KindSocial:
			v.Social = append(v.Social, tv)
		default:
			if tv.ThirdParty {
				v.OtherThirdParty = append(v.OtherThirdParty, tv)
			}
		}
	}
	v.FirstPartySearch = v.FirstPartySearch && !v.ThirdPartySearch
}

func newToolView(m *manifest.Manifest, lang string, t *manifest.Tool) toolView {
	tr := func(x manifest.Text) string { return markdown.Escape(x.In(lang)) }
	tv := toolView{
		ID:              t.ID,
		Name:            tr(t.Name),
		ThirdParty:      t.Party == "third",
		Recipient:       tr(t.Recipient),
		Country:         markdown.Escape(i18n.Country(i18n.Lang(lang), t.Country)),
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

// referableKinds are the kinds of tool whose recipients receive what the
// APPI calls 個人関連情報: identifiers in cookies and browsing history. A
// form or hosting service receives personal information itself, and an
// "other" tool may receive either, so the manifest cannot tell.
var referableKinds = []string{
	manifest.KindAnalytics, manifest.KindSearch, manifest.KindSocial,
	manifest.KindAdvertising, manifest.KindEmbed, manifest.KindConsent,
}

// addRecipients lists the third parties that receive 個人関連情報 from the
// tools, each with the tools that send to it, in the order the manifest
// first names them, and notes whether any third party is outside Japan.
func (v *view) addRecipients(m *manifest.Manifest, lang string) {
	type key struct{ name, country string }
	var order []key
	tools := make(map[key][]string)
	v.RecipientsNeedConsent = true
	for i := range m.Tools {
		t := &m.Tools[i]
		if t.Party != "third" {
			continue
		}
		v.ForeignRecipients = v.ForeignRecipients || foreign(t.Country)
		if !slices.Contains(referableKinds, t.Kind) {
			continue
		}
		v.RecipientsNeedConsent = v.RecipientsNeedConsent && gate(m, t.ID) == gateConsent
		k := key{t.Recipient.In(lang), t.Country}
		if _, seen := tools[k]; !seen {
			order = append(order, k)
		}
		tools[k] = append(tools[k], markdown.Escape(t.Name.In(lang)))
	}
	for _, k := range order {
		r := recipientView{Name: markdown.Escape(k.name), Tools: join(lang, tools[k])}
		if k.country != "" {
			r.Country = markdown.Escape(i18n.Country(i18n.Lang(lang), k.country))
		}
		v.Recipients = append(v.Recipients, r)
	}
}

// domestic reports whether every contractor and every third party that a
// tool sends to is known to be in Japan.
func domestic(m *manifest.Manifest) bool {
	for _, c := range m.Contractors {
		if !strings.EqualFold(c.Country, "JP") {
			return false
		}
	}
	for _, t := range m.Tools {
		if t.Party == "third" && !strings.EqualFold(t.Country, "JP") {
			return false
		}
	}
	return true
}

// foreign reports whether the country of ISO 3166 code code is outside
// Japan; no code means the manifest does not say.
func foreign(code string) bool {
	return code != "" && !strings.EqualFold(code, "JP")
}

// basis names the laws the privacy policy is based on: the manifest's
// words, or the APPI and, for a local government, its implementing
// ordinance.
func basis(m *manifest.Manifest, lang string) string {
	if b := m.Policy.Basis.In(lang); b != "" {
		return markdown.Escape(b)
	}
	l := i18n.Lang(lang)
	appi := markdown.Escape(i18n.T(l, "policy.basis.appi"))
	if ord := ordinance(m, lang); ord != "" {
		return i18n.T(l, "policy.basis.and", appi, ord)
	}
	return appi
}

// ordinance is a local government's implementing ordinance, linked where
// it is published, or "".
func ordinance(m *manifest.Manifest, lang string) string {
	name := m.Operator.Ordinance.Name.In(lang)
	switch {
	case m.Operator.Regime != manifest.RegimeLocalGovernment || name == "":
		return ""
	case m.Operator.Ordinance.URL != "":
		return markdown.Link(name, m.Operator.Ordinance.URL)
	}
	return markdown.Escape(name)
}

// requestsTitle is the name of the requests page, which follows the
// regime: a public body takes 開示請求 and the other requests of chapter 5
// about 保有個人情報, a business the 開示等の請求 of chapter 4 about 保有個人
// データ. The title is the requests page's own, so that the link says
// what the page is called.
func requestsTitle(m *manifest.Manifest, lang string) string {
	if m.Operator.PublicBody() {
		return i18n.T(i18n.Lang(lang), "dsr.title.public")
	}
	return i18n.T(i18n.Lang(lang), "dsr.title.business")
}

func newRequestsView(m *manifest.Manifest, lang string) requestsView {
	tr := func(t manifest.Text) string { return markdown.Escape(t.In(lang)) }
	r := m.Requests
	rv := requestsView{
		Deadline:  markdown.Escape(r.Deadline.Human(lang)),
		Extension: markdown.Escape(r.Extension.Human(lang)),
		Fee:       tr(r.Fee),
		Identity:  tr(r.Identity),
		Records:   tr(r.Records),
		Appeal:    tr(r.Appeal),
	}
	if m.Operator.Regime == manifest.RegimeLocalGovernment {
		statutory, _ := manifest.DefaultPublicDeadline.Days()
		deadline, ok := r.Deadline.Days()
		extension, ok2 := r.Extension.Days()
		rv.Shortened = ok && deadline < statutory || ok2 && extension < statutory
	}
	return rv
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
// none. With era, a Japanese date leads with the Japanese era, as public
// documents in Japan date themselves, and keeps the Western year after it.
func formatDate(lang string, t time.Time, era bool) string {
	if t.IsZero() {
		return ""
	}
	s := timefmt.LongDate(lang, t, nil)
	if era && lang == string(i18n.Japanese) {
		if e, ok := timefmt.EraDate(t, nil); ok {
			s = i18n.T(i18n.Japanese, "policy.era_date", e, s)
		}
	}
	return s
}

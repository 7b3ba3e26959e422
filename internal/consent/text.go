package consent

import (
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
)

// texts are the words of the banner, the preference centre and the
// click-to-load placeholders, in one language. The JSON names are those
// consent.js reads.
type texts struct {
	Title      string `json:"title"`
	Body       string `json:"body"`
	AcceptAll  string `json:"acceptAll"`
	RejectAll  string `json:"rejectAll"`
	Customise  string `json:"customise"`
	Save       string `json:"save"`
	Close      string `json:"close"`
	GPCNote    string `json:"gpcNote"`
	NewSince   string `json:"newSince"`
	AlwaysOn   string `json:"alwaysOn"`
	Load       string `json:"load"`
	Remember   string `json:"remember"`
	ProvidedBy string `json:"providedBy"`
	Purpose    string `json:"purpose"`
	Sent       string `json:"sent"`
	Receipt    string `json:"receipt"`
	Settings   string `json:"settings"`
	// CookiePolicy labels the banner's link to the cookie policy: the
	// policy's name, as every link to it gives it.
	CookiePolicy string `json:"cookiePolicy"`
	// BeforeChoice tells, on the banner, which categories are on until
	// the visitor refuses them; %s stands for their names.
	BeforeChoice string `json:"beforeChoice"`
	// The notice is the banner's small form, shown when all it asks
	// about is on until refused: its title, its text, and the two
	// buttons that keep those categories on or refuse them.
	NoticeTitle string `json:"noticeTitle"`
	NoticeBody  string `json:"noticeBody"`
	Keep        string `json:"keep"`
	Refuse      string `json:"refuse"`
}

// textsFor returns the texts in lang, with the manifest's consent.banner
// title and text in place of the catalogue's where it gives them.
func textsFor(m *manifest.Manifest, lang string) texts {
	l := i18n.Lang(lang)
	t := texts{
		Title:        i18n.T(l, "consent.banner.title"),
		Body:         i18n.T(l, "consent.banner.body", m.Policy.CookiesTitle(lang)),
		AcceptAll:    i18n.T(l, "consent.banner.accept_all"),
		RejectAll:    i18n.T(l, "consent.banner.reject_all"),
		Customise:    i18n.T(l, "consent.banner.customise"),
		Save:         i18n.T(l, "consent.banner.save"),
		Close:        i18n.T(l, "consent.banner.close"),
		GPCNote:      i18n.T(l, "consent.banner.gpc_note"),
		NewSince:     i18n.T(l, "consent.banner.new_since"),
		AlwaysOn:     i18n.T(l, "consent.banner.always_on"),
		Load:         i18n.T(l, "consent.banner.load"),
		Remember:     i18n.T(l, "consent.banner.remember"),
		ProvidedBy:   i18n.T(l, "consent.banner.provided_by"),
		Purpose:      i18n.T(l, "consent.banner.purpose"),
		Sent:         i18n.T(l, "consent.banner.sent"),
		Receipt:      i18n.T(l, "consent.banner.receipt"),
		Settings:     i18n.T(l, "consent.banner.settings"),
		CookiePolicy: m.Policy.CookiesTitle(lang),
		BeforeChoice: i18n.T(l, "consent.banner.before_choice"),
		NoticeTitle:  i18n.T(l, "consent.notice.title"),
		NoticeBody:   i18n.T(l, "consent.notice.body"),
		Keep:         i18n.T(l, "consent.notice.keep"),
		Refuse:       i18n.T(l, "consent.notice.refuse"),
	}
	if s := m.Consent.Banner.Title.In(lang); s != "" {
		t.Title = s
	}
	if s := m.Consent.Banner.Text.In(lang); s != "" {
		t.Body = s
	}
	return t
}

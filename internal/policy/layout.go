package policy

import "github.com/noren-web/noren/internal/manifest"

// page is one of the pages this package serves.
type page int

const (
	privacyPage page = iota
	cookiesPage
	historyPage
)

func pageOf(doc Document) page {
	if doc == Cookies {
		return cookiesPage
	}
	return privacyPage
}

// path is the page's address in lang.
func (p page) path(lang string) string {
	switch p {
	case cookiesPage:
		return "/" + lang + "/cookies"
	case historyPage:
		return "/" + lang + "/privacy/history"
	}
	return "/" + lang + "/privacy"
}

// label is the page's name in lang, as the navigation shows it.
func (p page) label(lang string) string {
	ja := lang == "ja"
	switch p {
	case cookiesPage:
		if ja {
			return "クッキーポリシー"
		}
		return "Cookie policy"
	case historyPage:
		if ja {
			return "改定履歴"
		}
		return "Policy history"
	}
	if ja {
		return "プライバシーポリシー"
	}
	return "Privacy policy"
}

// LanguageName is a language as its speakers write it, for the language
// switch.
func LanguageName(lang string) string {
	switch lang {
	case "ja":
		return "日本語"
	case "en":
		return "English"
	}
	return lang
}

// Layout is what web/templates/layout.html reads, for every public page
// Noren renders itself; the comment at the top of that file describes each
// field.
type Layout struct {
	Lang       string
	Title      string
	SiteName   string
	Home       string
	Nav        []Link
	Alternates []Link
	Operator   string
	Version    string
}

// Link is a link of the navigation or of the language switch.
type Link struct {
	Href, Label, Lang string
	Current           bool
}

// PageLayout is the layout of another public page Noren renders beside the
// policies, titled title, at href(lang) in each language: its navigation
// leads to the policy pages and marks the page itself as the current one,
// and its language switch to the page in the manifest's other languages.
func PageLayout(m *manifest.Manifest, lang, title string, href func(lang string) string) Layout {
	v := Layout{
		Lang:     lang,
		Title:    title,
		SiteName: m.Site.Name.In(lang),
		Home:     "/" + lang + "/",
		Operator: m.Operator.Name.In(lang),
		Version:  m.VersionLabel(),
	}
	for p := privacyPage; p <= historyPage; p++ {
		v.Nav = append(v.Nav, Link{Href: p.path(lang), Label: p.label(lang)})
	}
	v.Nav = append(v.Nav, Link{Href: href(lang), Label: title, Current: true})
	for _, other := range otherLanguages(m, lang) {
		v.Alternates = append(v.Alternates, Link{Href: href(other), Label: LanguageName(other), Lang: other})
	}
	return v
}

func newLayoutView(m *manifest.Manifest, lang string, current page) Layout {
	v := Layout{
		Lang:     lang,
		Title:    current.label(lang),
		SiteName: m.Site.Name.In(lang),
		Home:     "/" + lang + "/",
		Operator: m.Operator.Name.In(lang),
		Version:  m.VersionLabel(),
	}
	for p := privacyPage; p <= historyPage; p++ {
		v.Nav = append(v.Nav, Link{Href: p.path(lang), Label: p.label(lang), Current: p == current})
	}
	for _, other := range otherLanguages(m, lang) {
		v.Alternates = append(v.Alternates, Link{Href: current.path(other), Label: LanguageName(other), Lang: other})
	}
	return v
}

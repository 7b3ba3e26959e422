// Package page is the chrome of the public pages Noren renders itself: the
// policies, the privacy choices, contact forms, data-subject requests and
// public statistics. It holds the shared layout, web/templates/layout.html,
// parsed once into a Chrome from which each page's template is cloned; the
// Layout value that template reads, with the navigation between the policy
// pages and the language switch; the reading back of a rendered page
// into the parts a site's own layout can take in (Parts); and SiteLayout,
// which dresses those pages in the operator's own layout page, read
// through a LayoutSource.
//
// The packages that serve those pages import this one; it imports none of
// them.
package page

import (
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
)

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

// NavPage is one of the policy pages that the navigation of every public
// page leads to.
type NavPage int

// The policy pages, in the navigation's order: Privacy comes first and
// History last.
const (
	Privacy NavPage = iota
	Cookies
	History
)

// Path is the page's address in lang.
func (p NavPage) Path(lang string) string {
	switch p {
	case Cookies:
		return "/" + lang + "/cookies"
	case History:
		return "/" + lang + "/privacy/history"
	}
	return "/" + lang + "/privacy"
}

// Label is the page's name in lang, as the navigation shows it: the cookie
// policy goes by the name the manifest gives it, which every link to it
// shares.
func (p NavPage) Label(m *manifest.Manifest, lang string) string {
	switch p {
	case Cookies:
		return m.Policy.CookiesTitle(lang)
	case History:
		return i18n.T(i18n.Lang(lang), "page.nav.history")
	}
	return i18n.T(i18n.Lang(lang), "page.nav.privacy")
}

// Layout is the layout of policy page p in lang: titled with its label,
// marked as the current page of the navigation, and switching language to
// the same page in the manifest's other languages.
func (p NavPage) Layout(m *manifest.Manifest, lang string) Layout {
	v := newLayout(m, lang, p.Label(m, lang))
	for q := Privacy; q <= History; q++ {
		v.Nav = append(v.Nav, Link{Href: q.Path(lang), Label: q.Label(m, lang), Current: q == p})
	}
	v.Alternates = alternates(m, lang, p.Path)
	return v
}

// New is the layout of another public page Noren renders beside the
// policies, titled title, at href(lang) in each language: its navigation
// leads to the policy pages and marks the page itself as the current one,
// and its language switch to the page in the manifest's other languages.
func New(m *manifest.Manifest, lang, title string, href func(lang string) string) Layout {
	v := newLayout(m, lang, title)
	for q := Privacy; q <= History; q++ {
		v.Nav = append(v.Nav, Link{Href: q.Path(lang), Label: q.Label(m, lang)})
	}
	v.Nav = append(v.Nav, Link{Href: href(lang), Label: title, Current: true})
	v.Alternates = alternates(m, lang, href)
	return v
}

// newLayout is a layout without its links.
func newLayout(m *manifest.Manifest, lang, title string) Layout {
	return Layout{
		Lang:     lang,
		Title:    title,
		SiteName: m.Site.Name.In(lang),
		Home:     "/" + lang + "/",
		Operator: m.Operator.Name.In(lang),
		Version:  m.VersionLabel(),
	}
}

// alternates links the page at href in the manifest's languages other
// than lang, in the manifest's order.
func alternates(m *manifest.Manifest, lang string, href func(lang string) string) []Link {
	var links []Link
	for _, other := range m.Languages {
		if other != lang {
			links = append(links, Link{Href: href(other), Label: LanguageName(other), Lang: other})
		}
	}
	return links
}

// LanguageName is a language as its speakers write it, for language
// switches: the catalogue's own name for it, or its tag when the catalogue
// does not speak it.
func LanguageName(lang string) string {
	if l := i18n.Lang(lang); i18n.Default().Supports(l) {
		return i18n.T(l, "page.language_name")
	}
	return lang
}

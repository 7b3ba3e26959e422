package consent

import (
	"slices"

	"github.com/noren-web/noren/internal/manifest"
)

// layoutView is what web/templates/layout.html reads; the comment at the
// top of that file describes each field.
type layoutView struct {
	Lang       string
	Title      string
	SiteName   string
	Home       string
	Nav        []link
	Alternates []link
	Operator   string
	Version    string
}

// link is a link of the navigation or of the language switch.
type link struct {
	Href, Label, Lang string
	Current           bool
}

// newLayoutView is the layout of the choices page in lang; its navigation
// leads to the policy pages it belongs with.
func newLayoutView(m *manifest.Manifest, lang string) layoutView {
	v := layoutView{
		Lang:     lang,
		Title:    textsFor(m, lang).Settings,
		SiteName: m.Site.Name.In(lang),
		Home:     "/" + lang + "/",
		Operator: m.Operator.Name.In(lang),
		Version:  m.VersionLabel(),
		Nav: []link{
			{Href: "/" + lang + "/privacy", Label: pick(lang, "プライバシーポリシー", "Privacy policy")},
			{Href: "/" + lang + "/cookies", Label: pick(lang, "クッキーポリシー", "Cookie policy")},
			{Href: "/" + lang + "/privacy/history", Label: pick(lang, "改定履歴", "Policy history")},
			{Href: ChoicesPath(lang), Label: textsFor(m, lang).Settings, Current: true},
		},
	}
	for _, other := range m.Languages {
		if other != lang && slices.Contains(manifest.SupportedLanguages, other) {
			v.Alternates = append(v.Alternates, link{Href: ChoicesPath(other), Label: languageName(other), Lang: other})
		}
	}
	return v
}

// languageName is a language as its speakers write it.
func languageName(lang string) string {
	switch lang {
	case "ja":
		return "日本語"
	case "en":
		return "English"
	}
	return lang
}

package consent

import (
	"slices"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/policy"
)

// newLayoutView is the layout of the choices page in lang; its navigation
// leads to the policy pages it belongs with.
func newLayoutView(m *manifest.Manifest, lang string) policy.Layout {
	v := policy.Layout{
		Lang:     lang,
		Title:    textsFor(m, lang).Settings,
		SiteName: m.Site.Name.In(lang),
		Home:     "/" + lang + "/",
		Operator: m.Operator.Name.In(lang),
		Version:  m.VersionLabel(),
		Nav: []policy.Link{
			{Href: "/" + lang + "/privacy", Label: pick(lang, "プライバシーポリシー", "Privacy policy")},
			{Href: "/" + lang + "/cookies", Label: pick(lang, "クッキーポリシー", "Cookie policy")},
			{Href: "/" + lang + "/privacy/history", Label: pick(lang, "改定履歴", "Policy history")},
			{Href: ChoicesPath(lang), Label: textsFor(m, lang).Settings, Current: true},
		},
	}
	for _, other := range m.Languages {
		if other != lang && slices.Contains(manifest.SupportedLanguages, other) {
			v.Alternates = append(v.Alternates, policy.Link{Href: ChoicesPath(other), Label: policy.LanguageName(other), Lang: other})
		}
	}
	return v
}

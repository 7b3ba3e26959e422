package consent

import (
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
)

// newLayoutView is the layout of the choices page in lang; its navigation
// leads to the policy pages it belongs with.
func newLayoutView(m *manifest.Manifest, lang string) page.Layout {
	return page.New(m, lang, textsFor(m, lang).Settings, ChoicesPath)
}

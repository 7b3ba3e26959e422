package policy

import (
	"html"

	"github.com/noren-web/noren/internal/manifest"
)

// HeadLinks is what the head of every site page in lang carries of the
// policies: the machine-readable link to the privacy policy and the
// version of the manifest in force.
func HeadLinks(m *manifest.Manifest, lang string) string {
	return `<link rel="privacy-policy" href="/` + lang + `/privacy"><meta name="noren-policy-version" content="` +
		html.EscapeString(m.VersionLabel()) + `">`
}

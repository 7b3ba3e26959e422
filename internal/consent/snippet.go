package consent

import (
	"html"

	"github.com/noren-web/noren/internal/manifest"
)

// Snippet loads the consent banner on a site page in lang: its stylesheet,
// the page's configuration (PageConfig) as inert JSON, and the script,
// which runs at once (not deferred) so that it holds gated tags before the
// page's own scripts run. gpc tells whether the request carried Sec-GPC: 1;
// nonce is the page's CSP nonce.
func Snippet(m *manifest.Manifest, lang string, gpc bool, nonce string) (string, error) {
	config, err := PageConfig(m, lang, gpc)
	if err != nil {
		return "", err
	}
	return `<link rel="stylesheet" href="/noren/consent.css"><script id="noren-consent-config" type="application/json">` +
		string(config) + `</script><script src="/noren/consent.js" nonce="` + html.EscapeString(nonce) + `"></script>`, nil
}

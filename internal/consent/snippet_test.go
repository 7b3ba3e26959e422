package consent_test

import (
	"testing"

	"github.com/noren-web/noren/internal/consent"
)

func TestSnippet(t *testing.T) {
	m := siteManifest(t)
	for _, gpc := range []bool{false, true} {
		config, err := consent.PageConfig(m, "en", gpc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := consent.Snippet(m, "en", gpc, `n"once`)
		if err != nil {
			t.Fatal(err)
		}
		want := `<link rel="stylesheet" href="/noren/consent.css"><script id="noren-consent-config" type="application/json">` +
			string(config) + `</script><script src="/noren/consent.js" nonce="n&#34;once"></script>`
		if got != want {
			t.Errorf("gpc %v:\n got %s\nwant %s", gpc, got, want)
		}
	}
}

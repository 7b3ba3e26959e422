package consent_test

import (
	"strings"
	"testing"
)

// gtagSnippet is Google's copy-paste gtag.js snippet, verbatim but for the
// measurement ID.
const gtagSnippet = `<!-- Google tag (gtag.js) -->
<script async src="https://www.googletagmanager.com/gtag/js?id=G-XXXXXXXXXX"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());

  gtag('config', 'G-XXXXXXXXXX');
</script>`

// gtmSnippet is Google Tag Manager's head snippet, verbatim but for the
// container ID.
const gtmSnippet = `<!-- Google Tag Manager -->
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-XXXXXXX');</script>
<!-- End Google Tag Manager -->`

func TestBlockInlineSnippets(t *testing.T) {
	m := blockManifest(t)
	for i := range m.Tools {
		if m.Tools[i].ID == "ads" {
			m.Tools[i].InlineMarkers = []string{"adsbygoogle"}
		}
	}
	held := func(tool, category string) string {
		return `data-noren-category="` + category + `" data-noren-tool="` + tool + `" nonce="` + blockNonce + `"`
	}
	tests := []struct {
		name, script string
		want         string // what the script's start tag holds, "" when it runs as it is
	}{
		{"gtag snippet", gtagSnippet, `<script type="text/plain" ` + held("google-analytics", "analytics") + `>`},
		{"GTM snippet names its host", gtmSnippet, `<script type="text/plain" ` + held("google-analytics", "analytics") + `>`},
		{"host in JSON-escaped URL", `<script>load("https:\/\/region1.google-analytics.com\/g\/collect")</script>`,
			`<script type="text/plain" ` + held("google-analytics", "analytics") + `>`},
		{"marker", `<script>(adsbygoogle = window.adsbygoogle || []).push({});</script>`,
			`<script type="text/plain" ` + held("ads", "advertising") + `>`},
		{"own type kept", `<script type="text/javascript">gtag('js', new Date()); dataLayer</script>`,
			`<script type="text/plain" data-noren-type="text/javascript" ` + held("google-analytics", "analytics") + `>`},
		{"tool needing no consent", `<script>load("https://cse.google.com/cse.js?cx=1")</script>`, ""},
		{"first-party host", `<script>load("//static.example.jp/a.js")</script>`, ""},
		{"comment is no URL", `<script>// gtag is not used here
run()</script>`, ""},
		{"data block", `<script type="application/json">{"gtag(":"dataLayer"}</script>`, ""},
		{"held back by hand, inline", `<script type="text/plain" data-noren-category="analytics">gtag(); dataLayer</script>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := `<!DOCTYPE html><html lang="en"><head><title>T</title></head><body>` + tt.script + `</body></html>`
			got := blockRecorded(t, blockServer(t, m, page))
			switch {
			case tt.want == "" && strings.Contains(got, "data-noren-category"):
				t.Errorf("held back:\n%s", got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("want %s in\n%s", tt.want, got)
			}
		})
	}
}

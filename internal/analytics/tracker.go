package analytics

import (
	"html"
	"net/url"

	"github.com/noren-web/noren/internal/manifest"
)

// TrackerPath is where Noren serves the tracker.
const TrackerPath = "/noren/a.js"

// Tool returns the manifest's declaration of Noren's own analytics: its
// first first-party tool of kind analytics, or nil when it declares none.
// The manifest decides both whether pages load the tracker at all and,
// through the tool's cookie category, whether it waits for consent: what
// the privacy policy says about analytics is then what the site does.
func Tool(m *manifest.Manifest) *manifest.Tool {
	for _, t := range m.ToolsOfKind(manifest.KindAnalytics) {
		if t.Party == "first" {
			return t
		}
	}
	return nil
}

// TrackerTag returns the script element that loads the tracker for site,
// for a page's head. A tool that needs consent gets the inert form the
// consent script runs once the visitor allows the tool (type text/plain
// with data-noren-category and data-noren-tool, and the nonce, by which
// the consent script knows it for one the server held back); otherwise it
// runs deferred. local counts pages served from localhost and loopback
// addresses too, which the tracker otherwise ignores as development
// traffic. nonce is the page's CSP nonce.
func TrackerTag(t *manifest.Tool, site string, gated, local bool, nonce string) string {
	attrs := `src="` + TrackerPath + `" data-domain="` + html.EscapeString(site) + `"`
	if local {
		attrs += ` data-local`
	}
	attrs += ` nonce="` + html.EscapeString(nonce) + `"`
	if gated {
		return `<script type="text/plain" data-noren-category="` + html.EscapeString(t.Category) +
			`" data-noren-tool="` + html.EscapeString(t.ID) + `" ` + attrs + `></script>`
	}
	return `<script defer ` + attrs + `></script>`
}

// PixelTag returns the no-JavaScript counterpart of the tracker, for the
// end of a page's body: an image that counts the pageview when scripts do
// not run. The page it counts comes from the Referer header, which
// browsers send in full to the same origin. Only pages whose visitor
// allows the tool may carry it, since no script can hold it back.
func PixelTag(site string) string {
	return `<noscript><img src="/api/event.gif?d=` + html.EscapeString(url.QueryEscape(site)) +
		`" alt="" width="1" height="1" referrerpolicy="same-origin"></noscript>`
}

// CollectorPaths returns the paths of the collector's endpoints.
func CollectorPaths() []string { return []string{"/api/event", "/api/event.gif"} }

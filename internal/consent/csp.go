package consent

import (
	"log/slog"
	"slices"
	"strings"

	"github.com/noren-web/noren/internal/manifest"
)

// CSPSources returns the Content-Security-Policy sources the tools of m need
// to work once allowed, by directive: every host of every third-party tool,
// as an https: host source ("https://*.example.com" for a wildcard), in
// script-src, style-src, font-src, connect-src, img-src, media-src and
// frame-src: a web-font service serves style sheets and fonts, a video
// service media. First-party tools are
// served by the site itself, which 'self' covers. Without consent the page
// rewrite keeps gated tools from loading, so the policy only adds what the
// manifest declares and every undeclared host stays blocked.
//
// A host that is not a CSP host source is left out and logged to log.
// Manifest validation refuses such hosts, so this happens only with a
// manifest that was not validated; leaving it out keeps one bad entry from
// breaking, or widening, the whole policy.
func CSPSources(m *manifest.Manifest, log *slog.Logger) map[string][]string {
	var hosts []string
	for _, t := range m.Tools {
		if t.Party != "third" {
			continue
		}
		for _, h := range t.Hosts {
			if !cspHostSource(h) {
				log.Warn("consent: tool host left out of the Content-Security-Policy: not a host name",
					"tool", t.ID, "host", h)
				continue
			}
			src := "https://" + h
			if !slices.Contains(hosts, src) {
				hosts = append(hosts, src)
			}
		}
	}
	out := map[string][]string{}
	if len(hosts) == 0 {
		return out
	}
	// A tool may load scripts, style sheets and fonts, send data, show
	// images and media, and be framed.
	for _, d := range ToolDirectives() {
		out[d] = slices.Clone(hosts)
	}
	return out
}

// ToolDirectives returns the Content-Security-Policy directives CSPSources
// gives the hosts of third-party tools.
func ToolDirectives() []string {
	return []string{"script-src", "style-src", "font-src", "connect-src", "img-src", "media-src", "frame-src"}
}

// cspHostSource reports whether h, a manifest tool host, can stand in a
// CSP host source: lower-case host name labels of letters, digits and
// hyphens, the first of which may be "*" alone.
func cspHostSource(h string) bool {
	labels := strings.Split(h, ".")
	for i, l := range labels {
		if i == 0 && l == "*" && len(labels) > 1 {
			continue
		}
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for j := 0; j < len(l); j++ {
			c := l[j]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return len(h) <= 253
}

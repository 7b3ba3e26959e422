package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/site"
)

// sharedHost is a host that a tool never held back shares with a tool that
// waits for consent. Consent holds back nothing from a host of a tool that
// needs no consent, so what the waiting tool loads from this host is not
// held back either.
type sharedHost struct {
	host  string // the host, or a wildcard pattern, the two tools both reach
	open  *manifest.Tool
	gated *manifest.Tool
	// why says why open is never held back.
	why string
}

// sharedHosts lists, in manifest order, the hosts where a tool that is
// never held back lets through a tool that waits for consent. A tool is
// never held back when it is first-party or of a required category, as
// the consent rewriter decides.
func sharedHosts(m *manifest.Manifest) []sharedHost {
	var out []sharedHost
	for i := range m.Tools {
		open := &m.Tools[i]
		why := neverHeldBack(m, open)
		if why == "" {
			continue
		}
		for j := range m.Tools {
			gated := &m.Tools[j]
			if neverHeldBack(m, gated) != "" {
				continue
			}
			for _, e := range open.Hosts {
				for _, g := range gated.Hosts {
					if h, ok := hostOverlap(strings.ToLower(e), strings.ToLower(g)); ok {
						out = append(out, sharedHost{host: h, open: open, gated: gated, why: why})
					}
				}
			}
		}
	}
	return out
}

// neverHeldBack says why consent never holds back tool t, or returns "" when
// it waits for consent.
func neverHeldBack(m *manifest.Manifest, t *manifest.Tool) string {
	if t.Party == "first" {
		return "first-party"
	}
	if c := m.CookieCategory(t.Category); c != nil && c.Required {
		return fmt.Sprintf("in the required category %q", t.Category)
	}
	return ""
}

// hostOverlap returns the hosts that both host patterns match, as the more
// specific of the two, and whether there are any. A pattern is a host name
// or "*." and a domain, as site.HostMatches takes them.
func hostOverlap(a, b string) (string, bool) {
	aw, bw := strings.HasPrefix(a, "*."), strings.HasPrefix(b, "*.")
	switch {
	case !aw && !bw:
		return a, a == b
	case aw && !bw:
		return b, site.HostMatches(a, b)
	case !aw && bw:
		return a, site.HostMatches(b, a)
	}
	// Two wildcards meet under the longer domain when it ends with the
	// shorter one.
	if len(a) < len(b) {
		a, b = b, a
	}
	return a, strings.HasSuffix(a[1:], b[1:])
}

// printSharedHosts warns about each shared host: not a problem of the
// manifest, since an operator may accept it knowingly, but a gap in what
// consent holds back that the manifest does not show.
func printSharedHosts(w io.Writer, path string, shared []sharedHost) {
	for _, s := range shared {
		// A catalogue entry's hosts can be added to but not taken away.
		fix := "declare one of them without `use:` and without this host"
		if s.open.Party != "first" {
			fix = fmt.Sprintf("give %q a category that waits for consent, or %s", s.open.ID, fix)
		}
		fmt.Fprintf(w, "%s: warning: tools %q (%s, never held back) and %q (waits for consent) share the host %s, "+
			"so what %q loads from it is not held back until consent; %s "+
			"(see \"Hosts shared by several entries\" in docs/catalogue.md)\n",
			path, s.open.ID, s.why, s.gated.ID, s.host, s.gated.ID, fix)
	}
}

package site

import (
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// maxHashSources bounds the hash sources one page adds to its
// Content-Security-Policy. Each costs some 54 bytes of header, and proxies
// in front of Noren refuse responses whose headers outgrow their buffers
// (nginx's proxy_buffer_size is 4 or 8 KiB unless raised); past the bound,
// further attributes stay blocked.
const maxHashSources = 256

// cspHashes collects the hashes of the inline code in a page's attributes
// that the page's Content-Security-Policy must admit by hash, since a nonce
// applies to elements only: event handlers (onclick="…"), style attributes
// and javascript: URLs. The rewrite fills it while it reads the page; once
// the response's headers are out, it is sealed and takes nothing more. The
// headers may go out from another goroutine (see headerHold), hence the
// lock.
//
// What it holds depends on the page alone, not on the response's nonce, so
// a copy of a rewritten page can be replayed with the same sources.
type cspHashes struct {
	mu sync.Mutex
	// scriptAttr are the sources for script-src-attr: event handlers.
	scriptAttr []string
	// styleAttr are the sources for style-src-attr: style attributes.
	styleAttr []string
	// navigation are the sources for script-src: javascript: URLs, which
	// Chromium checks as inline script elements ('unsafe-hashes' and the
	// hash of "javascript:" and the percent-decoded code).
	navigation []string

	seen    [3]map[string]struct{} // the values hashed, by kind
	sealed  bool                   // the headers are out: too late to add
	dropped int                    // values not hashed: sealed, or past the bound
}

// Kinds of inline code, indexes of cspHashes.seen.
const (
	hashScriptAttr = iota
	hashStyleAttr
	hashNavigation
)

// add hashes value as inline code of the kind given, once per page.
func (c *cspHashes) add(kind int, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[kind][value]; ok {
		return
	}
	if c.sealed || c.count() >= maxHashSources {
		c.dropped++
		return
	}
	if c.seen[kind] == nil {
		c.seen[kind] = make(map[string]struct{})
	}
	c.seen[kind][value] = struct{}{}
	src := hashSource(value)
	switch kind {
	case hashScriptAttr:
		c.scriptAttr = append(c.scriptAttr, src)
	case hashStyleAttr:
		c.styleAttr = append(c.styleAttr, src)
	case hashNavigation:
		c.navigation = append(c.navigation, src)
	}
}

// addBytes is add for a value read from the tokenizer, which it copies
// only when it is new.
func (c *cspHashes) addBytes(kind int, value []byte) {
	c.mu.Lock()
	_, seen := c.seen[kind][string(value)]
	c.mu.Unlock()
	if !seen {
		c.add(kind, string(value))
	}
}

// seal adds the sources found so far to the policy in h (see apply) and
// takes no more.
func (c *cspHashes) seal(h http.Header, nonce string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sealed = true
	c.apply(h, nonce)
}

// left reports how many values were not hashed: found after the seal or
// past the bound.
func (c *cspHashes) left() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

func (c *cspHashes) count() int {
	return len(c.scriptAttr) + len(c.styleAttr) + len(c.navigation)
}

// hashSource returns the CSP hash source of inline code: 'sha256-' and the
// base64 of the SHA-256 of its UTF-8 bytes.
func hashSource(code string) string {
	sum := sha256.Sum256([]byte(code))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// sources returns what the page needs added to its policy, by directive:
// the form in which a copy of the rewritten page can keep them. The caller
// holds the lock, or has the hashes to itself once the rewrite has ended.
func (c *cspHashes) sources() map[string][]string {
	out := map[string][]string{}
	for _, d := range []struct {
		name string
		srcs []string
	}{
		{"script-src-attr", c.scriptAttr},
		{"style-src-attr", c.styleAttr},
		{"script-src", c.navigation},
	} {
		if len(d.srcs) > 0 {
			out[d.name] = append([]string{"'unsafe-hashes'"}, d.srcs...)
		}
	}
	return out
}

// apply adds the collected sources to the Content-Security-Policy (or its
// report-only form) in h that carries the response's nonce. The caller
// holds the lock.
func (c *cspHashes) apply(h http.Header, nonce string) {
	addPolicySources(h, nonce, c.sources())
}

// addPolicySources adds sources, by directive, to the Content-Security-Policy
// (or its report-only form) in h that carries the response's nonce, Noren's
// own: a policy that an upstream sent along describes its own page and is
// left alone. Hashes of attributes go into script-src-attr and
// style-src-attr, which browsers then use for attributes instead of
// script-src and style-src; with 'unsafe-hashes' a hash admits an
// attribute, and nothing else is admitted: never 'unsafe-inline'.
func addPolicySources(h http.Header, nonce string, add map[string][]string) {
	if nonce == "" || len(add) == 0 {
		return
	}
	mark := "'nonce-" + nonce + "'"
	for _, key := range []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
		vals := h[key] // the header's own slice, changed in place
		for i, v := range vals {
			if !strings.Contains(v, mark) {
				continue
			}
			for _, d := range slices.Sorted(maps.Keys(add)) {
				v = addDirectiveSources(v, d, add[d])
			}
			vals[i] = v
		}
	}
}

// addDirectiveSources adds sources to a directive of policy, creating it at
// the end when it is absent, and leaving out those it already has. A
// directive created for attributes starts empty: attributes fall back to
// script-src or style-src, whose host sources and nonce never admit an
// attribute.
func addDirectiveSources(policy, directive string, sources []string) string {
	parts := strings.Split(policy, ";")
	for i, p := range parts {
		fields := strings.Fields(p)
		if len(fields) == 0 || !strings.EqualFold(fields[0], directive) {
			continue
		}
		for _, src := range sources {
			if !slices.Contains(fields[1:], src) {
				fields = append(fields, src)
			}
		}
		lead := ""
		if i > 0 {
			lead = " "
		}
		parts[i] = lead + strings.Join(fields, " ")
		return strings.Join(parts, ";")
	}
	return strings.TrimRight(policy, "; ") + "; " + directive + " " + strings.Join(sources, " ")
}

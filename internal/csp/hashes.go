// Package csp admits inline code by hash in the Content-Security-Policy
// Noren gives a response: it collects the hashes of the code in a page's
// attributes, which no nonce reaches, and adds them to the policy that
// carries the response's nonce.
package csp

import (
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// MaxHashSources bounds the hash sources one page adds to its
// Content-Security-Policy. Each costs some 54 bytes of header, and proxies
// in front of Noren refuse responses whose headers outgrow their buffers
// (nginx's proxy_buffer_size is 4 or 8 KiB unless raised); past the bound,
// further attributes stay blocked.
const MaxHashSources = 256

// Kind is a kind of inline code admitted by hash.
type Kind int

// The kinds of inline code.
const (
	// ScriptAttr are event handlers (onclick="…"), for script-src-attr.
	ScriptAttr Kind = iota
	// StyleAttr are style attributes, for style-src-attr.
	StyleAttr
	// Navigation are javascript: URLs, for script-src: Chromium checks
	// them as inline script elements ('unsafe-hashes' and the hash of
	// "javascript:" and the percent-decoded code).
	Navigation
	kinds
)

// Hashes collects the hashes of the inline code in a page's attributes
// that the page's Content-Security-Policy must admit by hash, since a
// nonce applies to elements only. It is filled while the page is read;
// once the response's headers are out, it is sealed and takes nothing
// more. The headers may go out from another goroutine than the reading,
// hence the lock. The zero value is ready to use.
//
// What it holds depends on the page alone, not on the response's nonce, so
// a copy of a page can be replayed with the same sources.
type Hashes struct {
	mu      sync.Mutex
	sources [kinds][]string
	seen    [kinds]map[string]struct{} // the values hashed, by kind
	sealed  bool                       // the headers are out: too late to add
	dropped int                        // values not hashed: sealed, or past the bound
}

// Add hashes value as inline code of the kind given, once per page, and
// reports whether the policy admits it: false once sealed or past
// MaxHashSources.
func (c *Hashes) Add(kind Kind, value string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[kind][value]; ok {
		return true
	}
	if c.sealed || c.count() >= MaxHashSources {
		c.dropped++
		return false
	}
	if c.seen[kind] == nil {
		c.seen[kind] = make(map[string]struct{})
	}
	c.seen[kind][value] = struct{}{}
	c.sources[kind] = append(c.sources[kind], Source(value))
	return true
}

// AddBytes is Add for a value read from a tokenizer, which it copies only
// when it is new.
func (c *Hashes) AddBytes(kind Kind, value []byte) bool {
	c.mu.Lock()
	_, seen := c.seen[kind][string(value)]
	c.mu.Unlock()
	if seen {
		return true
	}
	return c.Add(kind, string(value))
}

// Seal adds the sources found so far to the policy in h (see AddSources)
// and takes no more.
func (c *Hashes) Seal(h http.Header, nonce string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sealed = true
	AddSources(h, nonce, c.directives())
}

// Left reports how many values were not hashed: found after the seal or
// past the bound.
func (c *Hashes) Left() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

func (c *Hashes) count() int {
	n := 0
	for _, s := range c.sources {
		n += len(s)
	}
	return n
}

// Sources returns what the page needs added to its policy, by directive:
// the form in which a copy of the page can keep them.
func (c *Hashes) Sources() map[string][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.directives()
}

// directives is Sources for a caller that holds the lock.
func (c *Hashes) directives() map[string][]string {
	out := map[string][]string{}
	for _, d := range []struct {
		name string
		kind Kind
	}{
		{"script-src-attr", ScriptAttr},
		{"style-src-attr", StyleAttr},
		{"script-src", Navigation},
	} {
		if srcs := c.sources[d.kind]; len(srcs) > 0 {
			out[d.name] = append([]string{"'unsafe-hashes'"}, srcs...)
		}
	}
	return out
}

// Source returns the CSP hash source of inline code: 'sha256-' and the
// base64 of the SHA-256 of its UTF-8 bytes.
func Source(code string) string {
	sum := sha256.Sum256([]byte(code))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// AddSources adds sources, by directive, to the Content-Security-Policy
// (or its report-only form) in h that carries the response's nonce, Noren's
// own: a policy that an upstream sent along describes its own page and is
// left alone. Hashes of attributes go into script-src-attr and
// style-src-attr, which browsers then use for attributes instead of
// script-src and style-src; with 'unsafe-hashes' a hash admits an
// attribute, and nothing else is admitted: never 'unsafe-inline'.
func AddSources(h http.Header, nonce string, add map[string][]string) {
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

package csp

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
)

func TestAddSources(t *testing.T) {
	const nonce = "n0nce"
	add := map[string][]string{
		"script-src-attr": {"'unsafe-hashes'", "'sha256-a'"},
		"script-src":      {"'unsafe-hashes'", "'sha256-j'"},
	}
	tests := []struct {
		name, key, policy, want string
	}{
		{"directives added", "Content-Security-Policy",
			"default-src 'self'; script-src 'self' 'nonce-n0nce'",
			"default-src 'self'; script-src 'self' 'nonce-n0nce' 'unsafe-hashes' 'sha256-j'; script-src-attr 'unsafe-hashes' 'sha256-a'"},
		{"directive extended once", "Content-Security-Policy",
			"script-src 'nonce-n0nce'; script-src-attr 'unsafe-hashes' 'sha256-b'",
			"script-src 'nonce-n0nce' 'unsafe-hashes' 'sha256-j'; script-src-attr 'unsafe-hashes' 'sha256-b' 'sha256-a'"},
		{"report only", "Content-Security-Policy-Report-Only",
			"script-src 'nonce-n0nce'",
			"script-src 'nonce-n0nce' 'unsafe-hashes' 'sha256-j'; script-src-attr 'unsafe-hashes' 'sha256-a'"},
		{"another policy left alone", "Content-Security-Policy",
			"script-src 'nonce-other'",
			"script-src 'nonce-other'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set(tt.key, tt.policy)
			AddSources(h, nonce, add)
			if got := h.Get(tt.key); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestHashes(t *testing.T) {
	var c Hashes
	if !c.Add(StyleAttr, "color: red") || !c.AddBytes(StyleAttr, []byte("color: red")) || !c.Add(ScriptAttr, "go()") {
		t.Fatal("a value was refused below the bound")
	}
	for i := range MaxHashSources {
		c.Add(Navigation, fmt.Sprint(i))
	}
	if got := c.Left(); got != 2 {
		t.Errorf("%d values left, want the 2 past the bound", got)
	}
	if !c.Add(StyleAttr, "color: red") {
		t.Error("a value hashed before was refused past the bound")
	}
	src := c.Sources()
	if want := []string{"'unsafe-hashes'", Source("color: red")}; !slices.Equal(src["style-src-attr"], want) {
		t.Errorf("style-src-attr %q, want %q", src["style-src-attr"], want)
	}
	if n := len(src["script-src"]); n != MaxHashSources-2+1 {
		t.Errorf("script-src has %d sources", n)
	}

	var sealed Hashes
	sealed.Add(ScriptAttr, "early()")
	h := http.Header{"Content-Security-Policy": {"script-src 'nonce-n'"}}
	sealed.Seal(h, "n")
	if sealed.Add(ScriptAttr, "late()") || sealed.Left() != 1 {
		t.Error("a value was hashed after the seal")
	}
	if got, want := h.Get("Content-Security-Policy"), "script-src 'nonce-n'; script-src-attr 'unsafe-hashes' "+Source("early()"); got != want {
		t.Errorf("sealed policy %q, want %q", got, want)
	}
}

func TestSource(t *testing.T) {
	// The hash of the empty string, as browsers report it.
	if got, want := Source(""), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"; got != want {
		t.Errorf("Source(\"\") = %s, want %s", got, want)
	}
}

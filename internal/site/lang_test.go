package site

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestNegotiateLanguage(t *testing.T) {
	langs := []string{"ja", "en"}
	tests := []struct {
		header string
		def    string
		want   string
	}{
		{"", "ja", "ja"},
		{"", "en", "en"},
		{"en", "ja", "en"},
		{"ja", "en", "ja"},
		{"ja-JP", "en", "ja"},
		{"JA-jp,ja;q=0.9,en-US;q=0.8,en;q=0.7", "en", "ja"},
		{"en-US,en;q=0.9,ja;q=0.8", "ja", "en"},
		{"en-GB", "ja", "en"},
		{"fr-FR,fr;q=0.9", "ja", "ja"},
		{"fr-FR,fr;q=0.9,en;q=0.5", "ja", "en"},
		{"*", "en", "en"},
		{"*", "ja", "ja"},
		{"fr, *;q=0.5", "en", "en"},
		{"ja;q=0, *", "ja", "en"},
		{"en;q=0", "en", "en"}, // nothing acceptable: the default
		{"en;q=0.5, ja;q=0.8", "en", "ja"},
		{"en, ja", "ja", "en"}, // equal weights: the one listed first
		{"ja, en", "en", "ja"},
		{"en;q=1.0, ja;q=1", "ja", "en"},
		{"ja-JP;q=0.1, ja;q=0", "en", "en"}, // the exact range decides
		{"en;q=abc, ja;q=0.2", "en", "ja"},  // malformed weight drops the entry
		{"en;q=2, ja;q=0.2", "en", "ja"},
		{" , ;q=1, en ", "ja", "en"},
		{"zh-Hant-TW, en;q=0.1", "ja", "en"},
	}
	for _, tt := range tests {
		if got := NegotiateLanguage(tt.header, langs, tt.def); got != tt.want {
			t.Errorf("NegotiateLanguage(%q, def %s) = %q, want %q", tt.header, tt.def, got, tt.want)
		}
	}
}

func TestPathLanguage(t *testing.T) {
	langs := []string{"ja", "en"}
	tests := map[string]string{
		"/ja/":        "ja",
		"/en/news/x/": "en",
		"/en":         "en",
		"/":           "",
		"/english/":   "",
		"/fr/":        "",
		"/assets/en/": "",
		"":            "",
	}
	for p, want := range tests {
		if got := pathLanguage(p, langs); got != want {
			t.Errorf("pathLanguage(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestAddVary(t *testing.T) {
	h := http.Header{}
	addVary(h, "Accept-Encoding")
	addVary(h, "accept-encoding")
	addVary(h, "Accept-Language")
	if got := strings.Join(h.Values("Vary"), ","); got != "Accept-Encoding,Accept-Language" {
		t.Errorf("Vary = %q", got)
	}
	h = http.Header{"Vary": {"Origin, Accept-Encoding"}}
	addVary(h, "Accept-Encoding")
	if got := h.Values("Vary"); len(got) != 1 {
		t.Errorf("Vary = %q, want it unchanged", got)
	}
}

// FuzzAcceptLanguage checks that negotiation never panics and always names
// a language of the site.
func FuzzAcceptLanguage(f *testing.F) {
	f.Add("ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7")
	f.Add("*;q=0.1, fr")
	f.Fuzz(func(t *testing.T, header string) {
		langs := []string{"ja", "en"}
		got := NegotiateLanguage(header, langs, "ja")
		if !slices.Contains(langs, got) {
			t.Fatalf("NegotiateLanguage(%q) = %q", header, got)
		}
		for _, r := range parseAcceptLanguage(header) {
			if r.q < 0 || r.q > 1 || r.tag == "" {
				t.Fatalf("parseAcceptLanguage(%q) gave %+v", header, r)
			}
		}
	})
}

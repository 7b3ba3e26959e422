package site

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/manifest"
)

// defaultCookiesName names the cookie policy as a manifest that gives it
// no name of its own does.
func defaultCookiesName(lang string) string { return (&manifest.Policy{}).CookiesTitle(lang) }

func TestFooterLinks(t *testing.T) {
	footer, err := FooterLinks([]string{"ja", "en"}, true, nil, defaultCookiesName)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, lang string
	}{
		{"footer-ja.html", "/ja/news/2024/", "ja"},
		{"footer-en.html", "/en/", "en"},
		{"footer-no-prefix.html", "/about/a%20b", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.path, nil)
			golden(t, tt.name, footer(r, tt.lang))
		})
	}
}

func TestFooterLinksWithoutChoices(t *testing.T) {
	footer, err := FooterLinks([]string{"ja", "en"}, false, nil, defaultCookiesName)
	if err != nil {
		t.Fatal(err)
	}
	got := footer(httptest.NewRequest(http.MethodGet, "/en/", nil), "en")
	if strings.Contains(got, "/privacy/choices") || !strings.Contains(got, `href="/en/privacy"`) {
		t.Errorf("footer without choices:\n%s", got)
	}
}

func TestFooterLinksNameTheCookiePolicy(t *testing.T) {
	named := manifest.Policy{CookiesName: manifest.Text{"ja": "外部送信について", "en": "External transmission"}}
	footer, err := FooterLinks([]string{"ja", "en"}, true, nil, named.CookiesTitle)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ lang, want string }{
		{"ja", `<a class="noren-footer__link" href="/ja/cookies">外部送信について</a>`},
		{"en", `<a class="noren-footer__link" href="/en/cookies">External transmission</a>`},
	}
	for _, tt := range tests {
		got := footer(httptest.NewRequest(http.MethodGet, "/"+tt.lang+"/", nil), tt.lang)
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s footer lacks %s:\n%s", tt.lang, tt.want, got)
		}
	}
	if _, err := FooterLinks([]string{"ja"}, true, nil, nil); err == nil {
		t.Error("FooterLinks without the cookie policy's name succeeded")
	}
}

func TestSamePageIn(t *testing.T) {
	langs := []string{"ja", "en"}
	tests := []struct{ path, to, want string }{
		{"/ja/", "en", "/en/"},
		{"/ja", "en", "/en/"},
		{"/en/news/x/", "ja", "/ja/news/x/"},
		{"/en/a b/", "ja", "/ja/a%20b/"},
		{"/about/", "ja", "/ja/"},
		{"/", "en", "/en/"},
	}
	for _, tt := range tests {
		if got := samePageIn(tt.path, tt.to, langs); got != tt.want {
			t.Errorf("samePageIn(%q, %q) = %q, want %q", tt.path, tt.to, got, tt.want)
		}
	}
}

func TestErrorPages(t *testing.T) {
	pages, err := newErrorPages([]string{"ja", "en"}, "ja", func(_ context.Context, lang string) string { return "/" + lang + "/" })
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		status     int
	}{
		{"404-en.html", "/en/missing", http.StatusNotFound},
		{"404-default.html", "/missing", http.StatusNotFound},
		{"502-ja.html", "/ja/x", http.StatusBadGateway},
		{"504-en.html", "/en/x", http.StatusGatewayTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			pages.serve(w, httptest.NewRequest(http.MethodGet, tt.path, nil), tt.status)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			body := w.Body.String()
			if strings.Contains(body, "{{") || strings.Contains(body, "ZgotmplZ") {
				t.Errorf("template did not render cleanly:\n%s", body)
			}
			golden(t, tt.name, body)
		})
	}
}

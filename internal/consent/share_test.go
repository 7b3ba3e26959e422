package consent_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/site"
)

// shareQueries returns, for every share link in page, the network it
// points to and its query, and fails if a link is not plain.
func shareQueries(t testing.TB, page string) (hosts []string, queries []url.Values) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return hosts, queries
		}
		tok := z.Token()
		if tt != html.StartTagToken || tok.Data != "a" {
			continue
		}
		var href, rel, target string
		for _, a := range tok.Attr {
			switch a.Key {
			case "href":
				href = a.Val
			case "rel":
				rel = a.Val
			case "target":
				target = a.Val
			}
		}
		u, err := url.Parse(href)
		if err != nil {
			t.Fatalf("share link %q: %v", href, err)
		}
		if u.Scheme == "mailto" {
			hosts = append(hosts, "mailto")
		} else {
			if rel != "noopener noreferrer" || target != "_blank" {
				t.Errorf("share link %q has rel %q and target %q", href, rel, target)
			}
			hosts = append(hosts, u.Host)
		}
		queries = append(queries, u.Query())
	}
}

func TestShareRewriter(t *testing.T) {
	const head = `<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>シード補助金2026 第1期の募集を開始しました | 例示市</title></head><body>`
	tests := []struct {
		name, path, body string
		tls              bool
		wantHosts        []string
		wantURL          string // the scheme and host of the server are put in front of a leading /
		wantTitle        string
	}{
		{
			name:      "defaults: the page's address and title",
			path:      "/ja/news/seed-grant/?utm_source=x",
			body:      `<noren-share></noren-share>`,
			wantHosts: []string{"x.com", "www.facebook.com", "social-plugins.line.me", "b.hatena.ne.jp", "www.linkedin.com", "mailto"},
			wantURL:   "/ja/news/seed-grant/",
			wantTitle: "シード補助金2026 第1期の募集を開始しました | 例示市",
		},
		{
			name:      "over TLS",
			path:      "/ja/news/",
			body:      `<noren-share networks="line"></noren-share>`,
			tls:       true,
			wantHosts: []string{"social-plugins.line.me"},
			wantURL:   "/ja/news/",
		},
		{
			name:      "relative url attribute, own title, chosen networks",
			path:      "/ja/news/seed-grant/",
			body:      `<NOREN-SHARE URL="../" TITLE="  新着情報　一覧 " networks="hatena x"></NOREN-SHARE>`,
			wantHosts: []string{"b.hatena.ne.jp", "x.com"},
			wantURL:   "/ja/news/",
			wantTitle: "新着情報 一覧",
		},
		{
			name:      "absolute url attribute",
			path:      "/ja/",
			body:      `<noren-share url="https://city.example.jp/ja/?a=1&amp;b=%E3%81%82" networks="email"></noren-share>`,
			wantHosts: []string{"mailto"},
			wantURL:   "https://city.example.jp/ja/?a=1&b=%E3%81%82",
		},
		{
			name:      "javascript: url refused",
			path:      "/ja/events/",
			body:      `<noren-share url="javascript:alert(1)" networks="facebook"></noren-share>`,
			wantHosts: []string{"www.facebook.com"},
			wantURL:   "/ja/events/",
		},
		{
			name:      "unknown networks mean every one",
			path:      "/ja/",
			body:      `<noren-share networks="myspace"></noren-share>`,
			wantHosts: []string{"x.com", "www.facebook.com", "social-plugins.line.me", "b.hatena.ne.jp", "www.linkedin.com", "mailto"},
			wantURL:   "/ja/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := blockServer(t, blockManifest(t), head+tt.body+`</body></html>`)
			srv := httptest.NewUnstartedServer(h)
			if tt.tls {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			page := string(raw)
			if !strings.Contains(page, `<ul class="noren-share" aria-label="このページを共有">`) {
				t.Errorf("no Japanese share list in %s", page)
			}
			hosts, queries := shareQueries(t, page)
			if strings.Join(hosts, " ") != strings.Join(tt.wantHosts, " ") {
				t.Errorf("links to %q, want %q", hosts, tt.wantHosts)
			}
			wantURL := tt.wantURL
			if strings.HasPrefix(wantURL, "/") {
				wantURL = srv.URL + wantURL
			}
			wantTitle := tt.wantTitle
			if wantTitle == "" {
				wantTitle = "シード補助金2026 第1期の募集を開始しました | 例示市"
			}
			for i, q := range queries {
				for _, key := range []string{"url", "u", "body"} {
					if q.Has(key) && q.Get(key) != wantURL {
						t.Errorf("link %d: %s=%q, want %q", i, key, q.Get(key), wantURL)
					}
				}
				for _, key := range []string{"text", "subject"} {
					if q.Has(key) && q.Get(key) != wantTitle {
						t.Errorf("link %d: %s=%q, want %q", i, key, q.Get(key), wantTitle)
					}
				}
			}
		})
	}
}

// TestShareRewriterWithoutTitle checks that a page without a <title>
// shares its URL as the title.
func TestShareRewriterWithoutTitle(t *testing.T) {
	tr := consent.ShareRewriter()
	req := httptest.NewRequest(http.MethodGet, "http://city.example.jp/en/news/", nil)
	z := html.NewTokenizer(strings.NewReader(`<noren-share networks="x">`))
	z.Next()
	tok := z.Token()
	changed, after := tr.Rewrite(site.Page{Request: req, Lang: "en"}, &tok)
	if changed {
		t.Error("the <noren-share> start tag was changed")
	}
	_, queries := shareQueries(t, after)
	if len(queries) != 1 || queries[0].Get("text") != "http://city.example.jp/en/news/" {
		t.Errorf("queries %v, want the URL as the text", queries)
	}
}

// FuzzShareRewrite fills <noren-share> from any attributes and checks that
// every link shares an http(s) address and the title given.
func FuzzShareRewrite(f *testing.F) {
	f.Add("/ja/news/", "../", "お知らせ", "x line")
	f.Add("/en/", "javascript:alert(1)", `"><script>`, "email facebook")
	f.Add("/", "//other.example/p?q=1#f", "", "")
	tr := consent.ShareRewriter()
	f.Fuzz(func(t *testing.T, path, urlAttr, title, networks string) {
		req := httptest.NewRequest(http.MethodGet, "http://city.example.jp/", nil)
		req.URL.Path = path
		tok := html.Token{Type: html.StartTagToken, Data: "noren-share", Attr: []html.Attribute{
			{Key: "url", Val: urlAttr}, {Key: "title", Val: title}, {Key: "networks", Val: networks},
		}}
		_, after := tr.Rewrite(site.Page{Request: req, Lang: "ja", Title: "ページ"}, &tok)
		_, queries := shareQueries(t, after)
		if len(queries) == 0 {
			t.Fatal("no links")
		}
		for _, q := range queries {
			for _, key := range []string{"url", "u", "body"} {
				if !q.Has(key) {
					continue
				}
				u, err := url.Parse(q.Get(key))
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					t.Fatalf("shares %q from url=%q", q.Get(key), urlAttr)
				}
			}
		}
	})
}

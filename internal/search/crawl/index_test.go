package crawl_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/noren-web/noren/internal/search"
	"github.com/noren-web/noren/internal/search/crawl"
)

// TestIndexUpstream indexes an upstream that links nowhere: its pages are
// found through the sitemap alone.
func TestIndexUpstream(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the Japanese dictionary, slow under the race detector")
	}
	pages := map[string]string{
		"/ja/":            `<html lang="ja"><head><title>トップ</title></head><body><main><p>ようこそ</p></main></body></html>`,
		"/ja/news/grant/": `<html lang="ja"><head><title>創業支援のお知らせ</title></head><body><main><p>東京都の創業支援事業について説明します。</p></main></body></html>`,
		"/en/news/grant/": `<html lang="en"><head><title>Start-up subsidy</title></head><body><main><p>The subsidy for new businesses.</p></main></body></html>`,
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sitemap.xml" {
			w.Header().Set("Content-Type", "application/xml")
			io.WriteString(w, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
			for p := range pages {
				io.WriteString(w, "<url><loc>"+srv.URL+p+"</loc></url>")
			}
			io.WriteString(w, `</urlset>`)
			return
		}
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)

	base, _ := url.Parse(srv.URL)
	c, err := crawl.New(crawl.Options{Base: base})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(t.Context(), search.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := search.NewIndexer(search.IndexerOptions{Index: ix, Source: c}).Run(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{"創業支援": "/ja/news/grant/", "subsidy": "/en/news/grant/"} {
		res, err := ix.Search(t.Context(), search.Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) == 0 || res.Hits[0].Path != want {
			t.Errorf("%s: hits %+v, want %s first", q, res.Hits, want)
		}
	}
}

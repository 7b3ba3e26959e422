package site

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkServe compares Noren's static serving with a bare
// http.FileServer over the same files, in process, so that the ratios show
// what injection, validators and compression cost. Each case is run for
// Noren and for the baseline; "+Compress" is the baseline behind the
// streaming Compress middleware, which compresses on every request. Noren
// gets a Content-Security-Policy with the nonce, as its server sets one,
// so that pages come from the cache of rewritten pages.
func BenchmarkServe(b *testing.B) {
	fsys := DirFS("testdata/site")
	noren, err := NewStatic(fsys, benchOptions(b))
	if err != nil {
		b.Fatal(err)
	}
	fileServer := http.FileServerFS(fsys)
	handlers := []struct {
		name string
		h    http.Handler
	}{
		{"noren", withCSP(noren)},
		{"fileserver", fileServer},
		{"fileserver+Compress", Compress(fileServer)},
	}
	cases := []struct {
		name, path, accept string
	}{
		{"html", "/en/", ""},
		{"html-gzip", "/en/", "gzip"},
		{"html-br", "/en/", "br"},
		{"css", "/assets/style.css", ""},
		{"css-gzip", "/assets/style.css", "gzip"},
		{"css-br", "/assets/style.css", "br"},
	}
	for _, c := range cases {
		for _, h := range handlers {
			b.Run(c.name+"/"+h.name, func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, c.path, nil)
				if c.accept != "" {
					req.Header.Set("Accept-Encoding", c.accept)
				}
				b.ReportAllocs()
				for b.Loop() {
					w := httptest.NewRecorder()
					h.h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Fatalf("status %d", w.Code)
					}
				}
			})
		}
	}
}

func benchOptions(b *testing.B) Options {
	opt := testOptions()
	footer, err := FooterLinks(opt.Languages, true, nil, defaultCookiesName)
	if err != nil {
		b.Fatal(err)
	}
	opt.Injection.Footer = footer
	return opt
}

// BenchmarkRewriteHTML measures the rewriter's throughput on a large page.
func BenchmarkRewriteHTML(b *testing.B) {
	var page strings.Builder
	if err := largePage(&page, 1<<20); err != nil {
		b.Fatal(err)
	}
	src := page.String()
	cfg := markerConfig("/")
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if err := rewriteHTML(io.Discard, strings.NewReader(src), cfg); err != nil {
			b.Fatal(err)
		}
	}
}

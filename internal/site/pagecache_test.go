package site

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/noren-web/noren/web"
)

// sampleNonce is a nonce as the server makes them: 16 random bytes in base64.
const sampleNonce = "q0Yt1Qx3P5vZ+8/Lw2Rk9A=="

// markedPage is a page as a rewrite with the cache's marker as its nonce
// writes it: the marker in the consent snippet and on two inline elements.
func markedPage(marker, body string) string {
	return `<!DOCTYPE html><html lang="ja"><head><script src="/noren/consent.js" nonce="` + marker +
		`"></script><style nonce="` + marker + `">p{color:#333}</style></head><body>` + body +
		`<script nonce="` + marker + `">init()</script></body></html>`
}

func TestPageCacheSendsEachNonce(t *testing.T) {
	c := newPageCache(1<<20, len(sampleNonce))
	page := markedPage(c.marker, "<p>保有個人情報の開示請求について</p>")
	csp := map[string][]string{"style-src-attr": {"'unsafe-hashes'", "'sha256-abc'"}}
	k := pageKey{Path: "/ja/", File: `"etag"`, Injection: "v1 manifest gpc=false", Lang: "ja"}
	if _, err := c.add(k, []byte(page), csp); err != nil {
		t.Fatal(err)
	}
	csp["style-src-attr"][1] = "changed by the caller"
	p := c.get(k)
	if p == nil {
		t.Fatal("page not cached")
	}
	for _, nonce := range []string{sampleNonce, "Zm9vYmFyYmF6cXV4cXV1eA=="} {
		want := strings.ReplaceAll(page, c.marker, nonce)
		var plain bytes.Buffer
		if n, err := p.write(&plain, nonce); err != nil || n != p.len(nonce) || plain.String() != want {
			t.Errorf("write(%s) = %d, %v, want %d bytes: %q", nonce, n, err, p.len(nonce), plain.String())
		}
		var gz bytes.Buffer
		if n, err := p.writeGzip(&gz, nonce); err != nil || n != p.gzipLen(nonce) {
			t.Errorf("writeGzip(%s) = %d, %v, announced %d", nonce, n, err, p.gzipLen(nonce))
		}
		if got := string(inflate(t, gz.Bytes())); got != want {
			t.Errorf("inflated %q, want %q", got, want)
		}
	}
	if got := p.cspSources()["style-src-attr"]; len(got) != 2 || got[1] != "'sha256-abc'" {
		t.Errorf("CSP sources %q, want the ones given to add", got)
	}
	if p.gzipLen("short") != -1 {
		t.Errorf("gzipLen of a nonce of another length = %d, want -1", p.gzipLen("short"))
	}
}

func TestPageCacheKeys(t *testing.T) {
	c := newPageCache(1<<20, len(sampleNonce))
	k := pageKey{Path: "/en/", File: `"a"`, Injection: "v1 m1 gpc=false", Lang: "en"}
	if _, err := c.add(k, []byte(markedPage(c.marker, "a")), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  pageKey
		hit  bool
	}{
		{"same key", k, true},
		{"other path", pageKey{"/en/index.html", k.File, k.Injection, k.Lang}, false},
		{"other file version", pageKey{k.Path, `"b"`, k.Injection, k.Lang}, false},
		{"other injection", pageKey{k.Path, k.File, "v1 m1 gpc=true", k.Lang}, false},
		{"other manifest", pageKey{k.Path, k.File, "v1 m2 gpc=false", k.Lang}, false},
		{"other language", pageKey{k.Path, k.File, k.Injection, "ja"}, false},
	}
	for _, tt := range tests {
		if got := c.get(tt.key) != nil; got != tt.hit {
			t.Errorf("%s: hit = %t, want %t", tt.name, got, tt.hit)
		}
	}
	if s := c.stats(); s.Hits != 1 || s.Misses != 5 || s.Pages != 1 {
		t.Errorf("stats %+v, want 1 hit, 5 misses, 1 page", s)
	}
}

// TestPageCacheNewFileReplacesOld checks that a page made from a new
// version of a file drops those of the old version, under every injection,
// and keeps the other injections of the same version and other paths.
func TestPageCacheNewFileReplacesOld(t *testing.T) {
	c := newPageCache(1<<20, len(sampleNonce))
	add := func(k pageKey) {
		t.Helper()
		if _, err := c.add(k, []byte(markedPage(c.marker, k.File+k.Injection)), nil); err != nil {
			t.Fatal(err)
		}
	}
	old1 := pageKey{"/en/", "old", "gpc=false", "en"}
	old2 := pageKey{"/en/", "old", "gpc=true", "en"}
	other := pageKey{"/ja/", "old", "gpc=false", "ja"}
	new1 := pageKey{"/en/", "new", "gpc=false", "en"}
	new2 := pageKey{"/en/", "new", "gpc=true", "en"}
	for _, k := range []pageKey{old1, old2, other, new1, new2} {
		add(k)
	}
	for k, want := range map[pageKey]bool{old1: false, old2: false, other: true, new1: true, new2: true} {
		if got := c.get(k) != nil; got != want {
			t.Errorf("%v cached = %t, want %t", k, got, want)
		}
	}
	if s := c.stats(); s.Pages != 3 {
		t.Errorf("%d pages cached, want 3", s.Pages)
	}
}

func TestPageCacheEvictsLeastRecentlyUsed(t *testing.T) {
	body := strings.Repeat("<p>外部送信</p>", 200)
	probe, err := newCachedPage([]byte(markedPage("m", body)), "m", len(sampleNonce), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Room for four pages and a bit.
	c := newPageCache(4*probe.cost()+4*64+100, len(sampleNonce))
	key := func(i int) pageKey {
		return pageKey{Path: fmt.Sprintf("/p%d/", i), File: "f", Injection: "i", Lang: "ja"}
	}
	for i := range 4 {
		if _, err := c.add(key(i), []byte(markedPage(c.marker, body)), nil); err != nil {
			t.Fatal(err)
		}
	}
	c.get(key(0)) // now the most recently used
	if _, err := c.add(key(4), []byte(markedPage(c.marker, body)), nil); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false, true, true, true} {
		if got := c.get(key(i)) != nil; got != want {
			t.Errorf("page %d cached = %t, want %t", i, got, want)
		}
	}
	if s := c.stats(); s.Bytes > c.limit || s.Pages != 4 {
		t.Errorf("%d pages in %d bytes, want 4 within %d", s.Pages, s.Bytes, c.limit)
	}
}

func TestPageCacheKeepsNoLargePage(t *testing.T) {
	c := newPageCache(16<<10, len(sampleNonce))
	k := pageKey{Path: "/large/", File: "f"}
	page := markedPage(c.marker, strings.Repeat("<p>x</p>", 1000))
	p, err := c.add(k, []byte(page), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := p.write(&out, sampleNonce); err != nil || out.String() != strings.ReplaceAll(page, c.marker, sampleNonce) {
		t.Errorf("the page too large to keep is not sent whole: %v", err)
	}
	if c.get(k) != nil || c.stats().Bytes != 0 {
		t.Error("a page over a quarter of the limit was kept")
	}
}

func TestPageCachePurge(t *testing.T) {
	c := newPageCache(1<<20, len(sampleNonce))
	k := pageKey{Path: "/", File: "f"}
	if _, err := c.add(k, []byte(markedPage(c.marker, "")), nil); err != nil {
		t.Fatal(err)
	}
	c.purge()
	if c.get(k) != nil || c.stats().Bytes != 0 || c.stats().Pages != 0 {
		t.Errorf("pages left after purge: %+v", c.stats())
	}
	if _, err := c.add(k, []byte(markedPage(c.marker, "")), nil); err != nil || c.get(k) == nil {
		t.Errorf("no page cached after purge: %v", err)
	}
}

// TestNonceMarker checks that markers differ between caches and that no
// escaping a rewrite may apply to a nonce changes them.
func TestNonceMarker(t *testing.T) {
	a, b := newNonceMarker(), newNonceMarker()
	if a == b || len(a) != 32 {
		t.Errorf("markers %q and %q", a, b)
	}
	js, _ := json.Marshal(a)
	for name, escaped := range map[string]string{
		"HTML": html.EscapeString(a),
		"URL":  url.QueryEscape(a),
		"JSON": strings.Trim(string(js), `"`),
	} {
		if escaped != a {
			t.Errorf("%s escaping turns %q into %q", name, a, escaped)
		}
	}
}

func TestPageCacheConcurrentUse(t *testing.T) {
	c := newPageCache(64<<10, len(sampleNonce))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				k := pageKey{Path: fmt.Sprintf("/p%d/", (g+i)%13), File: fmt.Sprint(i % 3), Injection: "i"}
				p := c.get(k)
				if p == nil {
					var err error
					if p, err = c.add(k, []byte(markedPage(c.marker, k.Path+k.File)), nil); err != nil {
						t.Error(err)
						return
					}
				}
				var gz bytes.Buffer
				if _, err := p.writeGzip(&gz, sampleNonce); err != nil {
					t.Error(err)
					return
				}
				zr, err := gzip.NewReader(&gz)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := io.ReadAll(zr)
				if want := markedPage(sampleNonce, k.Path+k.File); err != nil || string(got) != want {
					t.Errorf("got %q, %v, want %q", got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
	if s := c.stats(); s.Bytes > c.limit {
		t.Errorf("%d bytes cached, limit %d", s.Bytes, c.limit)
	}
}

// benchPages are the pages BenchmarkCachedPage sends: the demo site's
// English home page and a 100 kB page, each with a nonce on every script
// and style element and on a consent snippet at the start of the head.
func benchPages(b *testing.B, marker string) map[string]string {
	demo, err := fs.ReadFile(web.DemoSite, "demo/site/en/index.html")
	if err != nil {
		b.Fatal(err)
	}
	var large strings.Builder
	if err := largePage(&large, 100<<10); err != nil {
		b.Fatal(err)
	}
	pages := make(map[string]string)
	for name, src := range map[string]string{"demo": string(demo), "100kB": large.String()} {
		page := strings.ReplaceAll(src, "<script", `<script nonce="`+marker+`"`)
		page = strings.ReplaceAll(page, "<style", `<style nonce="`+marker+`"`)
		pages[name] = strings.Replace(page, "<head>", `<head><script src="/noren/consent.js" nonce="`+marker+`"></script>`, 1)
	}
	return pages
}

// BenchmarkCachedPage compares sending a cached page, with the response's
// nonce spliced in, with compressing the same page for each response as
// Compress does, and with today's rewrite and compression of the source
// page. B/resp is the size of the response body.
func BenchmarkCachedPage(b *testing.B) {
	c := newPageCache(64<<20, len(sampleNonce))
	pages := benchPages(b, c.marker)
	for _, name := range []string{"demo", "100kB"} {
		page := pages[name]
		k := pageKey{Path: "/" + name + "/", File: "f", Injection: "i", Lang: "en"}
		if _, err := c.add(k, []byte(page), nil); err != nil {
			b.Fatal(err)
		}
		source := strings.ReplaceAll(page, ` nonce="`+c.marker+`"`, "")
		withNonce := strings.ReplaceAll(page, c.marker, sampleNonce)
		cases := []struct {
			name string
			send func(w io.Writer) error
		}{
			{"cached-gzip", func(w io.Writer) error {
				_, err := c.get(k).writeGzip(w, sampleNonce)
				return err
			}},
			{"cached-identity", func(w io.Writer) error {
				_, err := c.get(k).write(w, sampleNonce)
				return err
			}},
			{"compress-gzip", compressEach(encodingGzip, func(enc io.Writer) error {
				_, err := io.WriteString(enc, withNonce)
				return err
			})},
			{"compress-br", compressEach(encodingBrotli, func(enc io.Writer) error {
				_, err := io.WriteString(enc, withNonce)
				return err
			})},
			{"rewrite-gzip", compressEach(encodingGzip, func(enc io.Writer) error {
				return rewriteHTML(enc, strings.NewReader(source), markerConfig("/en/"))
			})},
		}
		for _, tc := range cases {
			b.Run(name+"/"+tc.name, func(b *testing.B) {
				var out countWriter
				b.SetBytes(int64(len(withNonce)))
				b.ReportAllocs()
				for b.Loop() {
					out = 0
					if err := tc.send(&out); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(out), "B/resp")
			})
		}
	}
}

// countWriter counts what is written to it.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

var benchEncoders = newEncoderPool(streamBrotliLevel, streamGzipLevel)

// compressEach returns a function that compresses what write writes with
// coding at the streaming levels, from a pool of encoders as Compress does.
func compressEach(coding string, write func(enc io.Writer) error) func(w io.Writer) error {
	return func(w io.Writer) error {
		enc := benchEncoders.get(coding, w)
		defer benchEncoders.put(coding, enc)
		if err := write(enc); err != nil {
			return err
		}
		return enc.Close()
	}
}

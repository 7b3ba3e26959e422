package site

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
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
	c := newPageCache(1 << 20)
	page := markedPage(c.marker, "<p>保有個人情報の開示請求について</p>")
	csp := map[string][]string{"style-src-attr": {"'unsafe-hashes'", "'sha256-abc'"}}
	k := pageKey{Path: "/ja/", File: `"etag"`, Injection: "v1 manifest gpc=false"}
	if _, err := c.add(k, []byte(page), csp, len(sampleNonce)); err != nil {
		t.Fatal(err)
	}
	csp["style-src-attr"][1] = "changed by the caller"
	p := cachedAt(c, k)
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
	c := newPageCache(1 << 20)
	k := pageKey{Path: "/en/", Host: "example.jp", File: `"a"`, Injection: "v1 m1 gpc=false", Folders: 3}
	if _, err := c.add(k, []byte(markedPage(c.marker, "a")), nil, len(sampleNonce)); err != nil {
		t.Fatal(err)
	}
	other := func(change func(*pageKey)) pageKey {
		o := k
		change(&o)
		return o
	}
	tests := []struct {
		name string
		key  pageKey
		hit  bool
	}{
		{"same key", k, true},
		{"other path", other(func(o *pageKey) { o.Path = "/en/index.html" }), false},
		{"other host", other(func(o *pageKey) { o.Host = "www.example.jp" }), false},
		{"over TLS", other(func(o *pageKey) { o.TLS = true }), false},
		{"other file version", other(func(o *pageKey) { o.File = `"b"` }), false},
		{"other injection", other(func(o *pageKey) { o.Injection = "v1 m1 gpc=true" }), false},
		{"other manifest", other(func(o *pageKey) { o.Injection = "v1 m2 gpc=false" }), false},
		{"other language folders", other(func(o *pageKey) { o.Folders = 1 }), false},
		{"a root page", other(func(o *pageKey) { o.Root = "ja" }), false},
	}
	for _, tt := range tests {
		if got := cachedAt(c, tt.key) != nil; got != tt.hit {
			t.Errorf("%s: hit = %t, want %t", tt.name, got, tt.hit)
		}
	}
}

// TestPageCacheNewFileReplacesOld checks that a page made from a new
// version of a file drops those of the old version, under every injection,
// and keeps the other injections of the same version and other paths.
func TestPageCacheNewFileReplacesOld(t *testing.T) {
	c := newPageCache(1 << 20)
	add := func(k pageKey) {
		t.Helper()
		if _, err := c.add(k, []byte(markedPage(c.marker, k.File+k.Injection)), nil, len(sampleNonce)); err != nil {
			t.Fatal(err)
		}
	}
	old1 := pageKey{Path: "/en/", File: "old", Injection: "gpc=false"}
	old2 := pageKey{Path: "/en/", File: "old", Injection: "gpc=true"}
	other := pageKey{Path: "/ja/", File: "old", Injection: "gpc=false"}
	new1 := pageKey{Path: "/en/", File: "new", Injection: "gpc=false"}
	new2 := pageKey{Path: "/en/", File: "new", Injection: "gpc=true"}
	for _, k := range []pageKey{old1, old2, other, new1, new2} {
		add(k)
	}
	for k, want := range map[pageKey]bool{old1: false, old2: false, other: true, new1: true, new2: true} {
		if got := cachedAt(c, k) != nil; got != want {
			t.Errorf("%v cached = %t, want %t", k, got, want)
		}
	}
	if pages, _ := cacheUse(c); pages != 3 {
		t.Errorf("%d pages cached, want 3", pages)
	}
}

func TestPageCacheEvictsLeastRecentlyUsed(t *testing.T) {
	body := strings.Repeat("<p>外部送信</p>", 200)
	probe, err := newCachedPage([]byte(markedPage("m", body)), "m", len(sampleNonce), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Room for four pages and a bit.
	c := newPageCache(4*probe.cost() + 4*64 + 100)
	key := func(i int) pageKey {
		return pageKey{Path: fmt.Sprintf("/p%d/", i), File: "f", Injection: "i"}
	}
	for i := range 4 {
		if _, err := c.add(key(i), []byte(markedPage(c.marker, body)), nil, len(sampleNonce)); err != nil {
			t.Fatal(err)
		}
	}
	// Asked for again, page 0 is now the most recently used.
	if _, err := c.page(key(0), len(sampleNonce), unexpectedRewrite(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.add(key(4), []byte(markedPage(c.marker, body)), nil, len(sampleNonce)); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false, true, true, true} {
		if got := cachedAt(c, key(i)) != nil; got != want {
			t.Errorf("page %d cached = %t, want %t", i, got, want)
		}
	}
	if pages, bytes := cacheUse(c); bytes > c.limit || pages != 4 {
		t.Errorf("%d pages in %d bytes, want 4 within %d", pages, bytes, c.limit)
	}
}

func TestPageCacheKeepsNoLargePage(t *testing.T) {
	c := newPageCache(16 << 10)
	k := pageKey{Path: "/large/", File: "f"}
	page := markedPage(c.marker, strings.Repeat("<p>x</p>", 1000))
	p, err := c.add(k, []byte(page), nil, len(sampleNonce))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := p.write(&out, sampleNonce); err != nil || out.String() != strings.ReplaceAll(page, c.marker, sampleNonce) {
		t.Errorf("the page too large to keep is not sent whole: %v", err)
	}
	if _, bytes := cacheUse(c); cachedAt(c, k) != nil || bytes != 0 {
		t.Error("a page over a quarter of the limit was kept")
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
	c := newPageCache(64 << 10)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				k := pageKey{Path: fmt.Sprintf("/p%d/", (g+i)%13), File: fmt.Sprint(i % 3), Injection: "i"}
				p, err := c.page(k, len(sampleNonce), func() ([]byte, map[string][]string, error) {
					return []byte(markedPage(c.marker, k.Path+k.File)), nil, nil
				})
				if err != nil {
					t.Error(err)
					return
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
	if _, bytes := cacheUse(c); bytes > c.limit {
		t.Errorf("%d bytes cached, limit %d", bytes, c.limit)
	}
}

// TestPageCacheRewritesOnce checks that requests for a page arriving while
// it is being rewritten wait for that rewrite instead of making their own,
// and that a failed rewrite is not cached.
func TestPageCacheRewritesOnce(t *testing.T) {
	c := newPageCache(1 << 20)
	k := pageKey{Path: "/ja/", File: "f"}
	release := make(chan struct{})
	var rewrites atomic.Int32
	rewrite := func() ([]byte, map[string][]string, error) {
		rewrites.Add(1)
		<-release
		return []byte(markedPage(c.marker, "一度だけ")), nil, nil
	}
	const requests = 8
	var wg sync.WaitGroup
	pages := make([]*cachedPage, requests)
	for i := range requests {
		wg.Go(func() {
			p, err := c.page(k, len(sampleNonce), rewrite)
			if err != nil {
				t.Error(err)
			}
			pages[i] = p
		})
	}
	// Let the requests reach the cache before the first rewrite ends.
	for {
		c.mu.Lock()
		waiting := c.inflight[k] != nil
		c.mu.Unlock()
		if waiting {
			break
		}
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if n := rewrites.Load(); n != 1 {
		t.Errorf("%d rewrites for %d concurrent requests, want 1", n, requests)
	}
	for i, p := range pages {
		if p != pages[0] || p == nil {
			t.Errorf("request %d got page %p, the first %p", i, p, pages[0])
		}
	}

	failed := pageKey{Path: "/en/", File: "f"}
	wantErr := errors.New("unreadable")
	if _, err := c.page(failed, len(sampleNonce), func() ([]byte, map[string][]string, error) { return nil, nil, wantErr }); !errors.Is(err, wantErr) {
		t.Errorf("failed rewrite: error %v, want %v", err, wantErr)
	}
	if cachedAt(c, failed) != nil || c.inflight[failed] != nil {
		t.Error("a failed rewrite left a page or a call behind")
	}
}

// cachedAt returns the page cached under k, or nil, without making it.
func cachedAt(c *pageCache, k pageKey) *cachedPage {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.pages[k]; ok {
		return el.Value.(*pageEntry).page
	}
	return nil
}

// cacheUse returns the number of pages cached and the bytes they hold.
func cacheUse(c *pageCache) (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pages), c.used
}

// unexpectedRewrite fails the test if the cache rewrites a page it should
// have.
func unexpectedRewrite(t *testing.T) func() ([]byte, map[string][]string, error) {
	return func() ([]byte, map[string][]string, error) {
		t.Helper()
		t.Error("page rewritten, want it from the cache")
		return nil, nil, errors.New("unexpected rewrite")
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
	c := newPageCache(64 << 20)
	pages := benchPages(b, c.marker)
	for _, name := range []string{"demo", "100kB"} {
		page := pages[name]
		p, err := c.add(pageKey{Path: "/" + name + "/", File: "f", Injection: "i"}, []byte(page), nil, len(sampleNonce))
		if err != nil {
			b.Fatal(err)
		}
		source := strings.ReplaceAll(page, ` nonce="`+c.marker+`"`, "")
		withNonce := strings.ReplaceAll(page, c.marker, sampleNonce)
		cases := []struct {
			name string
			send func(w io.Writer) error
		}{
			{"cached-gzip", func(w io.Writer) error {
				_, err := p.writeGzip(w, sampleNonce)
				return err
			}},
			{"cached-identity", func(w io.Writer) error {
				_, err := p.write(w, sampleNonce)
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

// TestPageCacheAdmitsFewHosts checks that pages are cached for a bounded
// number of Host headers, so that requests naming made-up hosts cannot
// push the real pages out, while the hosts first seen stay cached.
func TestPageCacheAdmitsFewHosts(t *testing.T) {
	c := newPageCache(1 << 20)
	for i := range maxCachedHosts {
		if !c.admitHost(fmt.Sprintf("host-%d.example", i)) {
			t.Fatalf("host %d of %d refused", i+1, maxCachedHosts)
		}
	}
	if c.admitHost("made-up.example") {
		t.Error("a host beyond the bound was admitted")
	}
	if !c.admitHost("host-0.example") {
		t.Error("a host admitted before was refused")
	}
}

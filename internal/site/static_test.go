package site

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"
)

// staticServer serves fsys with testOptions behind a CSP-setting
// middleware, over real HTTP.
func staticServer(t testing.TB, fsys fs.FS, opt Options) *httptest.Server {
	t.Helper()
	h, err := NewStatic(fsys, opt)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(withCSP(h))
	t.Cleanup(srv.Close)
	return srv
}

func testSite(t testing.TB) *httptest.Server {
	return staticServer(t, DirFS("testdata/site"), testOptions())
}

func TestStaticContentTypes(t *testing.T) {
	srv := testSite(t)
	tests := map[string]string{
		"/en/":                        "text/html; charset=utf-8",
		"/assets/style.css":           "text/css; charset=utf-8",
		"/assets/app.js":              "text/javascript; charset=utf-8",
		"/assets/site.webmanifest":    "application/manifest+json; charset=utf-8",
		"/files/report.pdf":           "application/pdf",
		"/.well-known/security.txt":   "text/plain; charset=utf-8",
		"/en/missing-page-for-a-type": "text/html; charset=utf-8",
	}
	for p, want := range tests {
		resp, _ := fetch(t, srv, http.MethodGet, p)
		if got := resp.Header.Get("Content-Type"); got != want {
			t.Errorf("GET %s: Content-Type %q, want %q", p, got, want)
		}
	}
}

func TestStaticPrettyURLs(t *testing.T) {
	srv := testSite(t)
	tests := []struct {
		path     string
		status   int
		location string
		contains string
	}{
		{"/en/", 200, "", "<h1>Test site</h1>"},
		{"/ja/", 200, "", "<h1>テストサイト</h1>"},
		{"/en/news/", 200, "", "<h1>News</h1>"},
		{"/en/news", 301, "news/", ""},
		{"/en/news?page=2", 301, "news/?page=2", ""},
		{"/en", 301, "en/", ""},
		{"/en/index.html", 301, "./", ""},
		{"/en/about", 200, "", "<h1>About</h1>"},
		{"/en/about.html", 200, "", "<h1>About</h1>"},
		{"/en/about/", 404, "", ""},
		{"/en/empty/", 404, "", ""}, // a folder without index.html is not listed
		{"/en/empty", 404, "", ""},
		{"/assets/", 404, "", ""},
		{"/assets/style.css/", 404, "", ""},
	}
	for _, tt := range tests {
		resp, body := fetch(t, srv, http.MethodGet, tt.path)
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s: status %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
		if got := resp.Header.Get("Location"); got != tt.location {
			t.Errorf("GET %s: Location %q, want %q", tt.path, got, tt.location)
		}
		if !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s: body lacks %q", tt.path, tt.contains)
		}
	}
}

func TestStaticRedirectsEscape(t *testing.T) {
	srv := staticServer(t, fstest.MapFS{
		"docs/a b/index.html": {Data: []byte("x")},
		"docs/x:y/index.html": {Data: []byte("x")},
	}, testOptions())
	for p, want := range map[string]string{
		"/docs/a%20b":       "a%20b/",
		"/docs/x:y":         "./x:y/",
		"/docs/a%20b?q=1&r": "a%20b/?q=1&r",
	} {
		resp, _ := fetch(t, srv, http.MethodGet, p)
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || got != want {
			t.Errorf("GET %s: status %d, Location %q; want 301 to %q", p, resp.StatusCode, got, want)
		}
	}
}

func TestStaticRoot(t *testing.T) {
	t.Run("redirects by language without index.html", func(t *testing.T) {
		srv := testSite(t)
		resp, _ := fetch(t, srv, http.MethodGet, "/?x=1", "Accept-Language: en-US,en;q=0.8")
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/en/?x=1" {
			t.Errorf("status %d, Location %q; want 302 to /en/?x=1", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("serves the site's index.html", func(t *testing.T) {
		srv := staticServer(t, fstest.MapFS{"index.html": {Data: []byte("<h1>Root</h1>")}}, testOptions())
		resp, body := fetch(t, srv, http.MethodGet, "/", "Accept-Language: en")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>Root</h1>") {
			t.Errorf("status %d, body %q", resp.StatusCode, body)
		}
	})
}

// rawGet sends a request line exactly as given, bypassing the client's own
// path cleaning, and returns the response status and body.
func rawGet(t *testing.T, srv *httptest.Server, target string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET " + target + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	return resp.StatusCode, body.String()
}

func TestStaticTraversal(t *testing.T) {
	srv := testSite(t)
	attempts := []string{
		"/../outside.txt",
		"/../../internal/site/testdata/outside.txt",
		"/en/../../outside.txt",
		"/%2e%2e/outside.txt",
		"/%2E%2E%2Foutside.txt",
		"/..%2foutside.txt",
		"/..%5coutside.txt",
		"/assets/..\\..\\outside.txt",
		"/.hidden",
		"/assets/../.hidden",
		"/%2ehidden",
		"/en/empty/.keep",
		"/.well-known/../.hidden",
		"/files/report.pdf%00.html",
		"//outside.txt",
	}
	for _, target := range attempts {
		status, body := rawGet(t, srv, target)
		if status == http.StatusOK || strings.Contains(body, "OUTSIDE") || strings.Contains(body, "not for visitors") {
			t.Errorf("GET %s: status %d served %q", target, status, body)
		}
	}
	if status, body := rawGet(t, srv, "/.well-known/security.txt"); status != http.StatusOK || !strings.Contains(body, "Contact:") {
		t.Errorf("GET /.well-known/security.txt: status %d", status)
	}
}

func TestStaticAssetValidators(t *testing.T) {
	srv := testSite(t)
	resp, body := fetch(t, srv, http.MethodGet, "/assets/style.css")
	if body != readFile(t, "assets/style.css") {
		t.Fatal("body differs from the file")
	}
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) {
		t.Fatalf("ETag %q is not strong", etag)
	}
	lastMod := resp.Header.Get("Last-Modified")
	if lastMod == "" {
		t.Fatal("no Last-Modified from a directory on disk")
	}
	tests := []struct {
		name    string
		headers []string
		status  int
	}{
		{"If-None-Match", []string{"If-None-Match: " + etag}, 304},
		{"weak If-None-Match", []string{"If-None-Match: W/" + etag}, 304},
		{"If-None-Match list", []string{`If-None-Match: "nope", ` + etag}, 304},
		{"stale If-None-Match", []string{`If-None-Match: "stale"`}, 200},
		{"If-Modified-Since", []string{"If-Modified-Since: " + lastMod}, 304},
		{"old If-Modified-Since", []string{"If-Modified-Since: Mon, 02 Jan 2006 15:04:05 GMT"}, 200},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp, body := fetch(t, srv, method, "/assets/style.css", tt.headers...)
			if resp.StatusCode != tt.status {
				t.Errorf("%s %s: status %d, want %d", method, tt.name, resp.StatusCode, tt.status)
			}
			if tt.status == 304 && body != "" {
				t.Errorf("%s %s: 304 with a body", method, tt.name)
			}
		}
	}
}

func TestStaticEmbeddedHasNoLastModified(t *testing.T) {
	// Embedded files, like these, have no modification time.
	css := strings.Repeat("p { margin: 0 }\n", 10)
	srv := staticServer(t, fstest.MapFS{"a.css": {Data: []byte(css)}}, testOptions())
	resp, body := fetch(t, srv, http.MethodGet, "/a.css")
	if body != css || resp.Header.Get("ETag") == "" {
		t.Fatalf("status %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
	if lm := resp.Header.Get("Last-Modified"); lm != "" {
		t.Errorf("Last-Modified %q for a file without a time", lm)
	}
	resp, _ = fetch(t, srv, http.MethodGet, "/a.css", "If-None-Match: "+resp.Header.Get("ETag"))
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("status %d, want 304", resp.StatusCode)
	}
}

func TestStaticHTMLValidators(t *testing.T) {
	srv := testSite(t)
	resp, body := fetch(t, srv, http.MethodGet, "/en/")
	if resp.StatusCode != 200 || !strings.Contains(body, `data-nonce="`+testNonce+`"`) {
		t.Fatalf("status %d, body %q", resp.StatusCode, body)
	}
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("ETag %q of an injected page is not weak", etag)
	}
	if lm := resp.Header.Get("Last-Modified"); lm != "" {
		t.Errorf("injected page has Last-Modified %q", lm)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Errorf("Cache-Control %q", cc)
	}
	if resp.Header.Get("Content-Security-Policy") != testCSP {
		t.Errorf("200 lacks the CSP header")
	}

	for _, method := range []string{http.MethodGet, http.MethodHead} {
		resp, body = fetch(t, srv, method, "/en/", "If-None-Match: "+etag)
		if resp.StatusCode != http.StatusNotModified || body != "" {
			t.Fatalf("%s: status %d, body %q; want 304", method, resp.StatusCode, body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); csp != "" {
			t.Errorf("%s: 304 carries Content-Security-Policy %q, which would replace the cached page's nonce", method, csp)
		}
		if got := resp.Header.Get("ETag"); got != etag {
			t.Errorf("%s: 304 ETag %q, want %q", method, got, etag)
		}
		if lm := resp.Header.Get("Last-Modified"); lm != "" {
			t.Errorf("%s: 304 has Last-Modified %q", method, lm)
		}
	}

	// An ETag that never came from an injection names a page without
	// Noren's pieces; a browser navigating must not be told to keep it.
	inner := strings.TrimPrefix(etag, "W/")
	inner = inner[:strings.Index(inner, etagSuffix)] + `"`
	for _, nav := range []string{"Sec-Fetch-Dest: document", "Accept: text/html,application/xhtml+xml,*/*;q=0.8"} {
		resp, _ = fetch(t, srv, http.MethodGet, "/en/", "If-None-Match: "+inner, nav)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("navigation (%s) with the source's ETag %s: status %d", nav, inner, resp.StatusCode)
		}
	}

	// HTML is never served in ranges: the bytes differ per response.
	resp, body = fetch(t, srv, http.MethodGet, "/en/", "Range: bytes=0-9")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "</html>") {
		t.Errorf("Range on HTML: status %d", resp.StatusCode)
	}
}

func TestStaticHTMLETagFollowsInjection(t *testing.T) {
	version := "v1"
	opt := testOptions()
	opt.Injection.Fingerprint = func(*http.Request) string { return version }
	srv := staticServer(t, DirFS("testdata/site"), opt)
	resp, _ := fetch(t, srv, http.MethodGet, "/en/")
	etag := resp.Header.Get("ETag")
	version = "v2" // for example a new manifest
	resp, _ = fetch(t, srv, http.MethodGet, "/en/", "If-None-Match: "+etag)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d after the injection changed, want 200", resp.StatusCode)
	}
	if resp.Header.Get("ETag") == etag {
		t.Error("ETag unchanged after the injection changed")
	}
}

func TestStaticRange(t *testing.T) {
	srv := testSite(t)
	resp, body := fetch(t, srv, http.MethodGet, "/assets/style.css", "Range: bytes=3-12", "Accept-Encoding: br, gzip")
	if resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("status %d, want 206", resp.StatusCode)
	}
	if want := readFile(t, "assets/style.css")[3:13]; body != want {
		t.Errorf("range body %q, want %q", body, want)
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("range served with Content-Encoding %q", ce)
	}
	resp, body = fetch(t, srv, http.MethodGet, "/files/report.pdf", "Range: bytes=0-7")
	if resp.StatusCode != http.StatusPartialContent || body != "%PDF-1.4" {
		t.Errorf("PDF range: status %d, body %q", resp.StatusCode, body)
	}
}

func TestStaticCompression(t *testing.T) {
	srv := testSite(t)
	css := readFile(t, "assets/style.css")
	etags := map[string]string{}
	for _, tt := range []struct{ accept, coding string }{
		{"", ""},
		{"identity", ""},
		{"gzip", "gzip"},
		{"br", "br"},
		{"gzip, deflate, br, zstd", "br"},
		{"gzip;q=1, br;q=0.5", "gzip"},
		{"br;q=0, gzip", "gzip"},
	} {
		resp, body := fetch(t, srv, http.MethodGet, "/assets/style.css", "Accept-Encoding: "+tt.accept)
		if got := resp.Header.Get("Content-Encoding"); got != tt.coding {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tt.accept, got, tt.coding)
		}
		if body != css {
			t.Errorf("Accept-Encoding %q: body does not decode to the file", tt.accept)
		}
		if !slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: Vary %q", tt.accept, resp.Header.Values("Vary"))
		}
		etag := resp.Header.Get("ETag")
		if prev, ok := etags[tt.coding]; ok && prev != etag {
			t.Errorf("coding %q: ETag changed from %s to %s", tt.coding, prev, etag)
		}
		etags[tt.coding] = etag
		// The cached compressed copy validates like the file.
		resp, _ = fetch(t, srv, http.MethodGet, "/assets/style.css", "Accept-Encoding: "+tt.accept, "If-None-Match: "+etag)
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("Accept-Encoding %q: revalidation status %d", tt.accept, resp.StatusCode)
		}
	}
	if etags[""] == etags["br"] || etags["br"] == etags["gzip"] {
		t.Errorf("codings share ETags: %v", etags)
	}

	// Compressed formats and tiny files are sent as they are.
	for _, p := range []string{"/files/report.pdf", "/assets/site.webmanifest"} {
		resp, _ := fetch(t, srv, http.MethodGet, p, "Accept-Encoding: br, gzip")
		if ce := resp.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("%s: Content-Encoding %q", p, ce)
		}
	}
	page := "<!DOCTYPE html><title>Long</title>" + strings.Repeat("<p>Paragraph</p>\n", 200)
	fsys := fstest.MapFS{
		"logo.png":      {Data: bytes.Repeat([]byte{0}, 4096)},
		"big.js":        {Data: bytes.Repeat([]byte("x=1;"), 1<<20)},
		"en/index.html": {Data: []byte(page)},
	}
	srv2 := staticServer(t, fsys, testOptions())

	// Injected HTML is compressed: in gzip once for the page cache, in
	// brotli for each response.
	for _, coding := range []string{"br", "gzip"} {
		resp, body := fetch(t, srv2, http.MethodGet, "/en/", "Accept-Encoding: "+coding)
		if resp.Header.Get("Content-Encoding") != coding || !strings.Contains(body, `id="noren-footer"`) {
			t.Errorf("HTML: Content-Encoding %q, want %s", resp.Header.Get("Content-Encoding"), coding)
		}
		if !slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding") {
			t.Errorf("HTML: Vary %q", resp.Header.Values("Vary"))
		}
	}

	resp, _ := fetch(t, srv2, http.MethodGet, "/logo.png", "Accept-Encoding: br, gzip")
	if ce := resp.Header.Get("Content-Encoding"); ce != "" || slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding") {
		t.Errorf("PNG: Content-Encoding %q, Vary %q", ce, resp.Header.Values("Vary"))
	}
	// Files too large to cache are compressed as they stream.
	resp, body := fetch(t, srv2, http.MethodGet, "/big.js", "Accept-Encoding: gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || len(body) != 4<<20 {
		t.Errorf("large file: Content-Encoding %q, %d bytes", resp.Header.Get("Content-Encoding"), len(body))
	}
	if et := resp.Header.Get("ETag"); !strings.HasPrefix(et, "W/") {
		t.Errorf("large file compressed on the fly has ETag %q, want a weak one", et)
	}
}

func TestStaticPrecompressed(t *testing.T) {
	dir := t.TempDir()
	css := strings.Repeat(".a { color: red }\n", 100)
	writeFile(t, dir, "style.css", css)
	// The siblings hold different text so the test can tell what was sent.
	var br, gz bytes.Buffer
	bw := brotli.NewWriter(&br)
	bw.Write([]byte("from the .br file " + css))
	bw.Close()
	gw := gzip.NewWriter(&gz)
	gw.Write([]byte("from the .gz file " + css))
	gw.Close()
	writeFile(t, dir, "style.css.br", br.String())
	writeFile(t, dir, "style.css.gz", gz.String())
	srv := staticServer(t, DirFS(dir), testOptions())

	tests := []struct{ accept, coding, prefix string }{
		{"br, gzip", "br", "from the .br file"},
		{"gzip", "gzip", "from the .gz file"},
		{"", "", ".a { color"},
	}
	for _, tt := range tests {
		resp, body := fetch(t, srv, http.MethodGet, "/style.css", "Accept-Encoding: "+tt.accept)
		if resp.Header.Get("Content-Encoding") != tt.coding || !strings.HasPrefix(body, tt.prefix) {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, body starts %.20q", tt.accept, resp.Header.Get("Content-Encoding"), body)
		}
		if resp.Header.Get("Content-Type") != "text/css; charset=utf-8" {
			t.Errorf("Accept-Encoding %q: Content-Type %q", tt.accept, resp.Header.Get("Content-Type"))
		}
		if !slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: no Vary", tt.accept)
		}
		resp, _ = fetch(t, srv, http.MethodGet, "/style.css", "Accept-Encoding: "+tt.accept, "If-None-Match: "+resp.Header.Get("ETag"))
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("Accept-Encoding %q: revalidation status %d", tt.accept, resp.StatusCode)
		}
	}
}

func TestStaticCacheFollowsChanges(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.css", strings.Repeat("a { }\n", 500))
	srv := staticServer(t, DirFS(dir), testOptions())
	first, _ := fetch(t, srv, http.MethodGet, "/a.css", "Accept-Encoding: br")
	firstPlain, _ := fetch(t, srv, http.MethodGet, "/a.css")

	changed := strings.Repeat("b { }\n", 600)
	writeFile(t, dir, "a.css", changed)
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "a.css"), later, later); err != nil {
		t.Fatal(err)
	}
	resp, body := fetch(t, srv, http.MethodGet, "/a.css", "Accept-Encoding: br")
	if body != changed {
		t.Error("compressed copy not refreshed after the file changed")
	}
	if resp.Header.Get("ETag") == first.Header.Get("ETag") {
		t.Error("ETag of the compressed copy unchanged")
	}
	resp, body = fetch(t, srv, http.MethodGet, "/a.css")
	if body != changed || resp.Header.Get("ETag") == firstPlain.Header.Get("ETag") {
		t.Error("file or its ETag not refreshed")
	}
}

func writeFile(t testing.TB, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStaticNotFound(t *testing.T) {
	srv := testSite(t)
	tests := []struct {
		path, contains, lang string
	}{
		{"/en/no-such-page", "The site's own English 404", "en"},
		{"/ja/no-such-page", "The site's own 404", "ja"}, // no ja/404.html: the general one
		{"/no-such-page", "The site's own 404", "ja"},
	}
	for _, tt := range tests {
		resp, body := fetch(t, srv, http.MethodGet, tt.path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d", tt.path, resp.StatusCode)
		}
		if !strings.Contains(body, tt.contains) {
			t.Errorf("%s: body lacks %q", tt.path, tt.contains)
		}
		if !strings.Contains(body, `<footer id="noren-footer" lang="`+tt.lang+`">`) {
			t.Errorf("%s: 404 page lacks the %s footer", tt.path, tt.lang)
		}
	}

	bare := staticServer(t, fstest.MapFS{"en/index.html": {Data: []byte("x")}}, testOptions())
	for _, tt := range []struct{ path, first, second string }{
		{"/en/missing", "Page not found", "ページが見つかりません"},
		{"/ja/missing", "ページが見つかりません", "Page not found"},
		{"/missing", "ページが見つかりません", "Page not found"},
	} {
		resp, body := fetch(t, bare, http.MethodGet, tt.path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d", tt.path, resp.StatusCode)
		}
		i, j := strings.Index(body, "<h1>"+tt.first), strings.Index(body, "<h1>"+tt.second)
		if i < 0 || j < 0 || i > j {
			t.Errorf("%s: Noren's 404 page should show %q, then %q:\n%s", tt.path, tt.first, tt.second, body)
		}
	}
	resp, body := fetch(t, bare, http.MethodHead, "/en/missing")
	if resp.StatusCode != http.StatusNotFound || body != "" {
		t.Errorf("HEAD: status %d, body %q", resp.StatusCode, body)
	}
}

func TestStaticMethods(t *testing.T) {
	srv := testSite(t)
	resp, _ := fetch(t, srv, http.MethodPost, "/en/")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: status %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestStaticPDF(t *testing.T) {
	srv := testSite(t)
	resp, body := fetch(t, srv, http.MethodGet, "/files/report.pdf")
	if got := resp.Header.Get("Content-Disposition"); got != `attachment; filename="report.pdf"` {
		t.Errorf("Content-Disposition %q", got)
	}
	if body != readFile(t, "files/report.pdf") {
		t.Error("PDF body differs")
	}

	// 2551 bytes: 3 KB.
	_, en := fetch(t, srv, http.MethodGet, "/en/")
	if want := `<a href="../files/report.pdf">annual report</a> <span class="noren-filesize">(PDF, 3 KB)</span>.`; !strings.Contains(en, want) {
		t.Errorf("English page lacks %q:\n%s", want, en)
	}
	if strings.Count(en, "noren-filesize") != 1 {
		t.Errorf("English page annotates a PDF elsewhere:\n%s", en)
	}
	_, ja := fetch(t, srv, http.MethodGet, "/ja/")
	if want := `<a href="/files/report.pdf">年次報告書</a><span class="noren-filesize">（PDF：3KB）</span>をご覧ください。`; !strings.Contains(ja, want) {
		t.Errorf("Japanese page lacks %q:\n%s", want, ja)
	}
	if strings.Count(ja, "noren-filesize") != 1 {
		t.Errorf("Japanese page annotates a missing PDF:\n%s", ja)
	}

	fsys := fstest.MapFS{
		"files/年次報告書 2024.pdf": {Data: bytes.Repeat([]byte("%"), 1288490)},
		"ja/index.html":        {Data: []byte(`<a href="../files/%E5%B9%B4%E6%AC%A1%E5%A0%B1%E5%91%8A%E6%9B%B8%202024.pdf">報告書</a>`)},
	}
	srv = staticServer(t, fsys, testOptions())
	resp, _ = fetch(t, srv, http.MethodHead, "/files/年次報告書 2024.pdf")
	want := `attachment; filename="_____ 2024.pdf"; filename*=UTF-8''%E5%B9%B4%E6%AC%A1%E5%A0%B1%E5%91%8A%E6%9B%B8%202024.pdf`
	if got := resp.Header.Get("Content-Disposition"); got != want {
		t.Errorf("Content-Disposition\n got %s\nwant %s", got, want)
	}
	_, ja = fetch(t, srv, http.MethodGet, "/ja/")
	if !strings.Contains(ja, `報告書</a><span class="noren-filesize">（PDF：1.2MB）</span>`) {
		t.Errorf("page lacks the size of an encoded link:\n%s", ja)
	}
}

func TestStaticPageETagFollowsPDFSize(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "en/index.html", `<a href="/doc.pdf">Doc</a>`)
	writeFile(t, dir, "doc.pdf", "%PDF small")
	srv := staticServer(t, DirFS(dir), testOptions())
	resp, _ := fetch(t, srv, http.MethodGet, "/en/")
	writeFile(t, dir, "doc.pdf", "%PDF"+strings.Repeat(" ", 5000))
	resp, body := fetch(t, srv, http.MethodGet, "/en/", "If-None-Match: "+resp.Header.Get("ETag"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "(PDF, 5 KB)") {
		t.Errorf("after the PDF grew: status %d, body %q", resp.StatusCode, body)
	}
}

func TestNewStaticRejectsBadOptions(t *testing.T) {
	for name, opt := range map[string]Options{
		"no languages":       {DefaultLanguage: "ja"},
		"default not listed": {Languages: []string{"ja", "en"}, DefaultLanguage: "fr"},
		"negative cache":     {Languages: []string{"ja"}, DefaultLanguage: "ja", CacheBytes: -1},
	} {
		if _, err := NewStatic(fstest.MapFS{}, opt); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

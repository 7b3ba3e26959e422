package site

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"github.com/noren-web/noren/internal/goldentest"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// testNonce is the CSP nonce every test response carries.
const testNonce = "t3st-n0nce"

// testCSP is the policy the server's middleware would set.
const testCSP = "script-src 'nonce-" + testNonce + "'"

// testOptions returns options whose head and footer are easy to find in a
// page: <meta name="noren-head"> and <footer id="noren-footer">, both
// naming the page language.
func testOptions() Options {
	return Options{
		Languages:       []string{"ja", "en"},
		DefaultLanguage: "ja",
		Injection: Injection{
			Head: func(r *http.Request, lang, nonce string) string {
				return `<meta name="noren-head" content="` + lang + `" data-nonce="` + nonce + `">`
			},
			Footer: func(r *http.Request, lang string) string {
				return `<footer id="noren-footer" lang="` + lang + `"></footer>`
			},
		},
		Nonce:  func(*http.Request) string { return testNonce },
		Logger: slog.New(slog.DiscardHandler),
	}
}

// withCSP sets a Content-Security-Policy before calling h, the way Noren's
// security middleware does.
func withCSP(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", testCSP)
		h.ServeHTTP(w, r)
	})
}

// rawClient neither decompresses nor follows redirects, so tests see the
// responses as sent.
func rawClient() *http.Client {
	return &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// fetch sends a request with the given headers ("Name: value") and returns
// the response with its body decoded from its Content-Encoding.
func fetch(t testing.TB, srv *httptest.Server, method, path string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Add(name, strings.TrimSpace(value))
	}
	client := rawClient()
	t.Cleanup(client.CloseIdleConnections)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of %s: %v", path, err)
	}
	return resp, decode(t, resp.Header.Get("Content-Encoding"), raw)
}

// decode undoes a content coding.
func decode(t testing.TB, coding string, raw []byte) string {
	t.Helper()
	var r io.Reader
	switch {
	case len(raw) == 0 || coding == "":
		return string(raw)
	case coding == "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case coding == "br":
		r = brotli.NewReader(bytes.NewReader(raw))
	default:
		t.Fatalf("unexpected Content-Encoding %q", coding)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s: %v", coding, err)
	}
	return string(out)
}

// readFile reads a file of the test site.
func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "site", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// golden compares got with testdata/golden/name, or rewrites the file
// with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldentest.Check(t, filepath.Join("testdata", "golden", name), []byte(got))
}

// chunkHandler writes three chunks "<p>chunk-N</p>" of the given type,
// flushing after each and waiting before the next until the test says the
// client has read it. If the chunk does not arrive the handler goes on
// after a while and reports it, rather than hang the test.
func chunkHandler(t *testing.T, contentType string) (http.Handler, chan struct{}) {
	next := make(chan struct{}, 3) // never blocks the reader, even after the handler gave up
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "<html><head><title>stream</title></head><body>")
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(w, "<p>chunk-%d</p>", i)
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("flush: %v", err)
			}
			if i == 3 {
				break
			}
			select {
			case <-next:
			case <-time.After(10 * time.Second):
				t.Errorf("chunk %d had not reached the client when the handler gave up waiting", i)
			}
		}
		io.WriteString(w, "</body></html>")
	})
	return h, next
}

// chunkServer serves chunkHandler's text/plain stream through wrap.
func chunkServer(t *testing.T, wrap func(http.Handler) http.Handler) (*httptest.Server, chan struct{}) {
	h, next := chunkHandler(t, "text/plain; charset=utf-8")
	srv := httptest.NewServer(wrap(h))
	t.Cleanup(srv.Close)
	return srv, next
}

// testChunksArrive reads a chunkHandler stream, telling the handler to go
// on only once each chunk has arrived, and returns the whole decoded body.
func testChunksArrive(t *testing.T, srv *httptest.Server, next chan<- struct{}, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Add(name, strings.TrimSpace(value))
	}
	client := rawClient()
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body io.Reader = resp.Body
	switch resp.Header.Get("Content-Encoding") {
	case "gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		body = zr
	case "br":
		body = brotli.NewReader(resp.Body)
	}
	var got strings.Builder
	buf := make([]byte, 1)
	for i := 1; i <= 3; i++ {
		want := fmt.Sprintf("chunk-%d</p>", i)
		for !strings.HasSuffix(got.String(), want) {
			if _, err := io.ReadFull(body, buf); err != nil {
				t.Fatalf("reading chunk %d: %v (got %q)", i, err, got.String())
			}
			got.Write(buf)
		}
		if i < 3 {
			next <- struct{}{}
		}
	}
	rest, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	got.Write(rest)
	return resp, got.String()
}

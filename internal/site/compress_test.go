package site

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestAcceptedEncodings(t *testing.T) {
	tests := []struct {
		header, first, second string
	}{
		{"", "", ""},
		{"identity", "", ""},
		{"gzip", "gzip", ""},
		{"br", "br", ""},
		{"gzip, deflate, br, zstd", "br", "gzip"},
		{"gzip;q=1.0, br;q=0.5", "gzip", "br"},
		{"br;q=0.5, gzip;q=0.5", "br", "gzip"},
		{"br;q=0, gzip", "gzip", ""},
		{"*", "br", "gzip"},
		{"*;q=0.5, br;q=0", "gzip", ""},
		{"*;q=0", "", ""},
		{"x-gzip", "gzip", ""},
		{"GZIP;Q=0.3", "gzip", ""},
		{"br;q=nonsense, gzip", "gzip", ""},
		{"deflate, zstd", "", ""},
	}
	for _, tt := range tests {
		first, second := acceptedEncodings(tt.header)
		if first != tt.first || second != tt.second {
			t.Errorf("acceptedEncodings(%q) = %q, %q; want %q, %q", tt.header, first, second, tt.first, tt.second)
		}
	}
}

// FuzzAcceptEncoding checks that negotiation never panics and only names
// codings Noren produces.
func FuzzAcceptEncoding(f *testing.F) {
	f.Add("gzip, deflate, br")
	f.Add("br;q=0.5, gzip;q=0.5, *;q=0")
	f.Fuzz(func(t *testing.T, header string) {
		first, second := acceptedEncodings(header)
		valid := []string{"", encodingBrotli, encodingGzip}
		if !slices.Contains(valid, first) || !slices.Contains(valid, second) {
			t.Fatalf("acceptedEncodings(%q) = %q, %q", header, first, second)
		}
		if first == "" && second != "" || first != "" && first == second {
			t.Fatalf("acceptedEncodings(%q) = %q, %q", header, first, second)
		}
	})
}

func TestCompressMiddleware(t *testing.T) {
	long := strings.Repeat("body { color: #333; margin: 0 auto; }\n", 100)
	handlers := map[string]http.HandlerFunc{
		"/css": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Header().Set("ETag", `"v1"`)
			w.Write([]byte(long))
		},
		"/css-with-length": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Header().Set("Content-Length", "3800")
			w.Write([]byte(long))
		},
		"/sniffed": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<!DOCTYPE html><p>" + long))
		},
		"/tiny": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte("tiny"))
		},
		"/png": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte(long))
		},
		"/encoded": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css")
			w.Header().Set("Content-Encoding", "zstd")
			w.Write([]byte(long))
		},
		"/not-modified": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(http.StatusNotModified)
		},
	}
	mux := http.NewServeMux()
	for p, h := range handlers {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(Compress(mux))
	defer srv.Close()

	tests := []struct {
		path, accept, coding string
		vary                 bool
		body                 string
	}{
		{"/css", "gzip, deflate, br", "br", true, long},
		{"/css", "gzip", "gzip", true, long},
		{"/css", "", "", true, long},
		{"/css-with-length", "br", "br", true, long},
		{"/sniffed", "gzip", "gzip", true, "<!DOCTYPE html><p>" + long},
		{"/tiny", "br", "", true, "tiny"},
		{"/png", "br", "", false, long},
		{"/encoded", "br", "zstd", false, ""},
		{"/not-modified", "br", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.accept, func(t *testing.T) {
			var headers []string
			if tt.accept != "" {
				headers = append(headers, "Accept-Encoding: "+tt.accept)
			}
			resp, raw := fetchRaw(t, srv, tt.path, headers...)
			if tt.coding != "zstd" {
				if body := decode(t, tt.coding, []byte(raw)); body != tt.body {
					t.Errorf("body differs: got %d bytes, want %d", len(body), len(tt.body))
				}
			}
			if got := resp.Header.Get("Content-Encoding"); got != tt.coding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.coding)
			}
			if got := slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding"); got != tt.vary {
				t.Errorf("Vary %q, want Accept-Encoding %v", resp.Header.Values("Vary"), tt.vary)
			}
			if tt.coding == "br" || tt.coding == "gzip" {
				if resp.ContentLength >= 0 && resp.ContentLength != int64(len(raw)) {
					t.Errorf("compressed response has Content-Length %d for %d bytes", resp.ContentLength, len(raw))
				}
				if et := resp.Header.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
					t.Errorf("compressed response has strong ETag %s", et)
				}
			}
		})
	}
}

// fetchRaw returns a response without decoding its body.
func fetchRaw(t testing.TB, srv *httptest.Server, path string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
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
	var b strings.Builder
	if _, err := bufio.NewReader(resp.Body).WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return resp, b.String()
}

func TestCompressHead(t *testing.T) {
	srv := httptest.NewServer(Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		w.Header().Set("Content-Length", "5000")
		if r.Method != http.MethodHead {
			w.Write([]byte(strings.Repeat("a", 5000)))
		}
	})))
	defer srv.Close()
	resp, body := fetch(t, srv, http.MethodHead, "/", "Accept-Encoding: gzip")
	if resp.StatusCode != http.StatusOK || body != "" {
		t.Fatalf("HEAD: status %d, body %q", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("HEAD: Content-Encoding %q, want what GET would get", resp.Header.Get("Content-Encoding"))
	}
}

// TestCompressStreams checks that flushed data reaches the client, compressed,
// before the handler finishes.
func TestCompressStreams(t *testing.T) {
	for _, coding := range []string{"gzip", "br"} {
		t.Run(coding, func(t *testing.T) {
			srv, next := chunkServer(t, Compress)
			testChunksArrive(t, srv, next, "Accept-Encoding: "+coding)
		})
	}
}

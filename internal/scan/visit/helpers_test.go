package visit

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// serveOn starts h on addr, a loopback address such as 127.0.0.2:0, so
// that a test has a second host besides 127.0.0.1.
func serveOn(t testing.TB, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("listen on %s: %v (this system routes no such loopback address)", addr, err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// hits counts the requests a test server got, by path and by whether
// they carried Sec-GPC.
type hits struct {
	mu  sync.Mutex
	all map[string]int
	gpc map[string]int
}

func newHits() *hits { return &hits{all: map[string]int{}, gpc: map[string]int{}} }

func (h *hits) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.all[r.URL.Path]++
		if r.Header.Get("Sec-GPC") == "1" {
			h.gpc[r.URL.Path]++
		}
		h.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (h *hits) counts(path string) (all, gpc int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.all[path], h.gpc[path]
}

// htmlPage serves body as an HTML page.
func htmlPage(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><html lang=en><head><meta charset=utf-8><title>t</title></head><body>"+body+"</body></html>")
	}
}

// script serves src as JavaScript, with the placeholder THIRD replaced by
// the third party's origin.
func script(src, third string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, strings.ReplaceAll(src, "THIRD", third))
	}
}

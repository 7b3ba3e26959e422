package probe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/noren-web/noren/internal/scan"
	"github.com/noren-web/noren/internal/scan/visit"
)

func TestPageURLs(t *testing.T) {
	r := &scan.Report{Pages: []scan.Page{{Path: "/"}, {Path: "/about/"}, {Path: "/en/"}, {Path: "/news/?page=2"}}}
	tests := []struct {
		start string
		want  []string
	}{
		{"http://127.0.0.1:8080", []string{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/about/", "http://127.0.0.1:8080/en/", "http://127.0.0.1:8080/news/?page=2"}},
		{"https://www.example.jp/en/", []string{"https://www.example.jp/en/", "https://www.example.jp/", "https://www.example.jp/about/", "https://www.example.jp/news/?page=2"}},
		{"https://www.example.jp/news/?page=2", []string{"https://www.example.jp/news/?page=2", "https://www.example.jp/", "https://www.example.jp/about/", "https://www.example.jp/en/"}},
	}
	for _, tt := range tests {
		if got := pageURLs(tt.start, r); !slices.Equal(got, tt.want) {
			t.Errorf("pageURLs(%q) =\n%v\nwant\n%v", tt.start, got, tt.want)
		}
	}
}

func TestIsLocalhost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "demo.localhost": true, "DEMO.Localhost.": true,
		"localhost.example": false, "notlocalhost": false, "127.0.0.1": false, "": false,
	} {
		if got := isLocalhost(host); got != want {
			t.Errorf("isLocalhost(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestDefaultClientLocalhost checks that the crawl reaches a site under a
// .localhost name on loopback, as the browser does, without a resolver
// that knows the name.
func TestDefaultClientLocalhost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.Host))
	}))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	resp, err := defaultClient().Get("http://site.localhost:" + port + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d", resp.StatusCode)
	}
}

// TestRunFailures checks the scans that cannot be made: no browser, and no
// page to visit. The test binary stands in for a browser that is found
// but never started, since the crawl fails first.
func TestRunFailures(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	empty := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(empty.Close)
	tests := []struct {
		name    string
		opt     Options
		wantErr error
		want    string
	}{
		{"no browser", Options{URL: empty.URL, Visit: visit.Options{Browser: filepath.Join(t.TempDir(), "none")}}, visit.ErrNoBrowser, empty.URL},
		{"no page", Options{URL: empty.URL, Visit: visit.Options{Browser: self}}, ErrNoPages, "404"},
		{"not a URL", Options{URL: "mailto:info@example.org", Visit: visit.Options{Browser: self}}, nil, "http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stages []string
			var mu sync.Mutex
			tt.opt.Progress = func(stage string, done, total int) {
				mu.Lock()
				defer mu.Unlock()
				stages = append(stages, stage)
			}
			r, err := Run(context.Background(), tt.opt)
			if r != nil || err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run = %v, %v; want an error wrapping %v that mentions %q", r, err, tt.wantErr, tt.want)
			}
			if slices.Contains(stages, StageVisit) {
				t.Errorf("a failed scan reported the visit stage: %v", stages)
			}
		})
	}
}

// TestLoadedAny checks that a scan whose browser loaded no page at all
// fails instead of passing as clean, while a scan with one page loaded, or
// with no state reached, does not.
func TestLoadedAny(t *testing.T) {
	failed := visit.Page{URL: "http://site.test/", Error: "open http://site.test/: net::ERR_NAME_NOT_RESOLVED"}
	loaded := visit.Page{URL: "http://site.test/a", Status: http.StatusOK}
	tests := []struct {
		name   string
		states []visit.StateResult
		want   error
	}{
		{"every page failed", []visit.StateResult{
			{State: visit.NoChoice, Reached: true, Pages: []visit.Page{failed, failed}},
			{State: visit.GPC, Reached: true, Pages: []visit.Page{failed}},
		}, ErrNothingLoaded},
		{"one page loaded", []visit.StateResult{
			{State: visit.NoChoice, Reached: true, Pages: []visit.Page{failed}},
			{State: visit.GPC, Reached: true, Pages: []visit.Page{failed, loaded}},
		}, nil},
		{"no state reached", []visit.StateResult{
			{State: visit.AcceptAll, Note: "no banner button"},
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := loadedAny(&visit.Result{States: tt.states})
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("loadedAny = %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), "ERR_NAME_NOT_RESOLVED") {
				t.Errorf("the error %q does not say why the first page failed", err)
			}
		})
	}
}

package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// cspOf returns the Content-Security-Policy mw sets on a response.
func cspOf(t *testing.T, mw Middleware) string {
	t.Helper()
	rec := httptest.NewRecorder()
	mw(okHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	return rec.Header().Get("Content-Security-Policy")
}

// directive returns the sources of one directive of a policy, "" when the
// policy lacks it.
func directive(csp, name string) string {
	for _, d := range strings.Split(csp, ";") {
		d = strings.TrimSpace(d)
		if n, rest, _ := strings.Cut(d, " "); n == name {
			return rest
		}
	}
	return ""
}

func TestCSPSourcesFollowChanges(t *testing.T) {
	var sources CSPSources
	mw, err := SecurityHeaders(HeaderPolicy{
		CSPExtra:   map[string][]string{"img-src": {"https://images.example.jp"}},
		CSPSources: &sources,
	})
	if err != nil {
		t.Fatal(err)
	}
	tools := map[string][]string{
		"script-src":  {"https://www.googletagmanager.com", "https://*.google-analytics.com"},
		"connect-src": {"https://www.googletagmanager.com", "https://*.google-analytics.com"},
		"img-src":     {"https://www.googletagmanager.com", "https://*.google-analytics.com", "https://images.example.jp"},
		"frame-src":   {"https://www.youtube-nocookie.com"},
	}
	steps := []struct {
		name    string
		set     map[string][]string
		wantErr bool
		want    map[string]string // directive: sources after the nonce, if any
	}{
		{
			name: "before any sources",
			want: map[string]string{"img-src": "'self' data: https://images.example.jp", "connect-src": "'self'", "frame-src": ""},
		},
		{
			name: "tools of a manifest",
			set:  tools,
			want: map[string]string{
				"script-src":  "https://www.googletagmanager.com https://*.google-analytics.com",
				"connect-src": "'self' https://www.googletagmanager.com https://*.google-analytics.com",
				"img-src":     "'self' data: https://images.example.jp https://www.googletagmanager.com https://*.google-analytics.com",
				"frame-src":   "'self' https://www.youtube-nocookie.com",
			},
		},
		{
			name:    "refused sources leave the policy as it was",
			set:     map[string][]string{"script-src": {"https://cdn.example.jp", "'unsafe-inline'"}},
			wantErr: true,
			want:    map[string]string{"frame-src": "'self' https://www.youtube-nocookie.com"},
		},
		{
			name: "a reloaded manifest replaces them",
			set:  map[string][]string{"frame-src": {"https://player.vimeo.com"}},
			want: map[string]string{"frame-src": "'self' https://player.vimeo.com", "connect-src": "'self'", "img-src": "'self' data: https://images.example.jp"},
		},
		{
			name: "none left",
			set:  map[string][]string{},
			want: map[string]string{"frame-src": "", "connect-src": "'self'"},
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.set != nil {
				if err := sources.Set(st.set); (err != nil) != st.wantErr {
					t.Fatalf("Set: %v, want error %v", err, st.wantErr)
				}
			}
			csp := cspOf(t, mw)
			for name, want := range st.want {
				got := directive(csp, name)
				if name == "script-src" {
					// After 'self' and the nonce.
					if !strings.HasSuffix(got, "' "+want) {
						t.Errorf("script-src %q, want it to end in %q", got, want)
					}
					continue
				}
				if got != want {
					t.Errorf("%s %q, want %q\nin %s", name, got, want, csp)
				}
			}
			if strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP allows inline scripts: %s", csp)
			}
		})
	}
}

func TestCSPSourcesSetKeepsItsOwnCopy(t *testing.T) {
	var sources CSPSources
	mw, err := SecurityHeaders(HeaderPolicy{CSPSources: &sources})
	if err != nil {
		t.Fatal(err)
	}
	extra := map[string][]string{"img-src": {"https://a.example.jp"}}
	if err := sources.Set(extra); err != nil {
		t.Fatal(err)
	}
	extra["img-src"][0] = "*; script-src *"
	if got := directive(cspOf(t, mw), "img-src"); got != "'self' data: https://a.example.jp" {
		t.Errorf("img-src %q after the caller changed its map", got)
	}
}

// TestCSPRenderedOncePerChange checks that requests share the rendered
// policy until the sources change.
func TestCSPRenderedOncePerChange(t *testing.T) {
	var sources CSPSources
	p := &cspPolicy{frame: []string{"'none'"}, sources: &sources}
	first := p.template()
	if again := p.template(); &again.parts[0] != &first.parts[0] {
		t.Error("the policy was rendered again without a change")
	}
	if err := sources.Set(map[string][]string{"frame-src": {"https://www.youtube-nocookie.com"}}); err != nil {
		t.Fatal(err)
	}
	changed := p.template()
	if &changed.parts[0] == &first.parts[0] || !strings.Contains(changed.render("n"), "https://www.youtube-nocookie.com") {
		t.Error("the policy did not follow the change")
	}
	if again := p.template(); &again.parts[0] != &changed.parts[0] {
		t.Error("the policy was rendered again without a second change")
	}
}

// TestCSPSourcesConcurrentChanges runs requests while the sources change,
// for the race detector; every policy seen must be one of the two whole
// policies.
func TestCSPSourcesConcurrentChanges(t *testing.T) {
	var sources CSPSources
	mw, err := SecurityHeaders(HeaderPolicy{CSPSources: &sources})
	if err != nil {
		t.Fatal(err)
	}
	h := mw(okHandler())
	a := map[string][]string{"img-src": {"https://a.example.jp"}, "frame-src": {"https://a.example.jp"}}
	b := map[string][]string{"img-src": {"https://b.example.jp"}, "frame-src": {"https://b.example.jp"}}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				csp := rec.Header().Get("Content-Security-Policy")
				img, frame := directive(csp, "img-src"), directive(csp, "frame-src")
				if strings.Contains(img, "a.example") != strings.Contains(frame, "a.example") ||
					strings.Contains(img, "b.example") != strings.Contains(frame, "b.example") {
					t.Errorf("torn policy: %s", csp)
					return
				}
			}
		})
	}
	for i := range 200 {
		set := a
		if i%2 == 1 {
			set = b
		}
		if err := sources.Set(set); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}

func BenchmarkSecurityHeadersWithSources(b *testing.B) {
	var sources CSPSources
	if err := sources.Set(map[string][]string{"script-src": {"https://www.googletagmanager.com"}, "frame-src": {"https://www.youtube-nocookie.com"}}); err != nil {
		b.Fatal(err)
	}
	mw, err := SecurityHeaders(HeaderPolicy{CSPSources: &sources})
	if err != nil {
		b.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest("GET", "https://example.jp/", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

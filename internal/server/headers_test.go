package server

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// nonceInCSP finds the script-src nonce of a policy.
func nonceInCSP(t *testing.T, csp string) string {
	t.Helper()
	m := regexp.MustCompile(`script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'`).FindStringSubmatch(csp)
	if m == nil {
		t.Fatalf("no script-src nonce in %q", csp)
	}
	return m[1]
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<script nonce="`+Nonce(r)+`">1</script>`)
	})
	mux.HandleFunc("/data.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	})
	mux.HandleFunc("/style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		_, _ = io.WriteString(w, `p{}`)
	})

	plain := startServer(t, DefaultConfig(), okHandler(), nil)
	cert := writeTestCert(t, t.TempDir())
	cfg := tlsConfigFor(cert)
	cfg.Headers.HSTSIncludeSubdomains = true
	secure := startServer(t, cfg, mux, nil)
	plainMux := startServer(t, DefaultConfig(), mux, nil)

	want := map[string]string{
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "strict-origin-when-cross-origin",
		"Permissions-Policy":         DefaultPermissionsPolicy,
		"X-Frame-Options":            "DENY",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
	type target struct {
		name   string
		client *http.Client
		url    string
		tls    bool
	}
	tlsClient := httpsClient(cert, 0, 0)
	defer tlsClient.CloseIdleConnections()
	targets := []target{
		{"plain HTML", http.DefaultClient, plainMux.url + "/page", false},
		{"plain 404", http.DefaultClient, plain.url + "/missing?x=1", false},
		{"TLS HTML", tlsClient, secure.url + "/page", true},
		{"TLS JSON", tlsClient, secure.url + "/data.json", true},
		{"TLS CSS", tlsClient, secure.url + "/style.css", true},
		{"TLS 404", tlsClient, secure.url + "/missing", true},
	}
	var nonces []string
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			resp, body := get(t, tg.client, tg.url)
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			csp := resp.Header.Get("Content-Security-Policy")
			for _, d := range []string{
				"default-src 'self'", "img-src 'self' data:", "font-src 'self'", "connect-src 'self'",
				"object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
			} {
				if !strings.Contains(csp, d) {
					t.Errorf("CSP %q lacks %q", csp, d)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP allows unsafe code: %q", csp)
			}
			nonce := nonceInCSP(t, csp)
			if !strings.Contains(csp, "style-src 'self' 'nonce-"+nonce+"'") {
				t.Errorf("style-src lacks the nonce: %q", csp)
			}
			if raw, err := base64.StdEncoding.DecodeString(nonce); err != nil || len(raw) != 16 {
				t.Errorf("nonce %q is not 128 bits of base64", nonce)
			}
			if strings.HasSuffix(tg.url, "/page") {
				if !strings.Contains(body, `nonce="`+nonce+`"`) {
					t.Errorf("handler's Nonce(r) differs from the CSP nonce %q: %s", nonce, body)
				}
			}
			nonces = append(nonces, nonce)

			gotUpgrade := strings.Contains(csp, "upgrade-insecure-requests")
			hsts := resp.Header.Get("Strict-Transport-Security")
			if tg.tls {
				if !gotUpgrade {
					t.Error("TLS response CSP lacks upgrade-insecure-requests")
				}
				if hsts != "max-age=31536000; includeSubDomains" {
					t.Errorf("Strict-Transport-Security %q", hsts)
				}
			} else {
				if gotUpgrade {
					t.Error("plain-HTTP CSP asks to upgrade requests")
				}
				if hsts != "" {
					t.Errorf("HSTS %q sent over plain HTTP", hsts)
				}
			}
		})
	}
	unique := map[string]bool{}
	for _, n := range nonces {
		unique[n] = true
	}
	if len(unique) != len(nonces) {
		t.Errorf("nonces repeat across requests: %v", nonces)
	}
}

func TestHSTSOmitsIncludeSubdomainsByDefault(t *testing.T) {
	mw, err := SecurityHeaders(HeaderPolicy{TLS: true, HSTSMaxAge: 300 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "https://example.jp/", nil)
	mw(okHandler()).ServeHTTP(rec, req)
	if got := rec.Header().Get("Strict-Transport-Security"); got != "max-age=300" {
		t.Errorf("Strict-Transport-Security %q, want max-age=300", got)
	}
}

func TestFrameAncestors(t *testing.T) {
	tests := []struct {
		sources      []string
		wantCSP      string
		wantXFO      string
		wantRejected bool
	}{
		{nil, "frame-ancestors 'none'", "DENY", false},
		{[]string{"none"}, "frame-ancestors 'none'", "DENY", false},
		{[]string{"self"}, "frame-ancestors 'self'", "SAMEORIGIN", false},
		{[]string{"'self'", "https://partner.example.jp"}, "frame-ancestors 'self' https://partner.example.jp", "", false},
		{[]string{"none", "self"}, "", "", true},
		{[]string{"'unsafe-inline'"}, "", "", true},
		{[]string{"https://a.example; script-src *"}, "", "", true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.sources, " "), func(t *testing.T) {
			mw, err := SecurityHeaders(HeaderPolicy{FrameAncestors: tt.sources})
			if tt.wantRejected {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			mw(okHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, tt.wantCSP) {
				t.Errorf("CSP %q lacks %q", csp, tt.wantCSP)
			}
			if got := rec.Header().Get("X-Frame-Options"); got != tt.wantXFO {
				t.Errorf("X-Frame-Options %q, want %q", got, tt.wantXFO)
			}
		})
	}
}

func TestCSPExtra(t *testing.T) {
	tests := []struct {
		name    string
		extra   map[string][]string
		want    []string // fragments of the policy
		wantErr string
	}{
		{
			name:  "image and frame hosts",
			extra: map[string][]string{"img-src": {"https://images.example.jp"}, "frame-src": {"https://www.youtube-nocookie.com"}},
			want:  []string{"img-src 'self' data: https://images.example.jp", "frame-src 'self' https://www.youtube-nocookie.com"},
		},
		{
			name:  "script host and hash",
			extra: map[string][]string{"script-src": {"https://cdn.example.jp", "'sha256-abc='"}},
			want:  []string{"https://cdn.example.jp 'sha256-abc='"},
		},
		{
			name:  "style scheme",
			extra: map[string][]string{"style-src": {"https:"}},
			want:  []string{"style-src 'self' 'nonce-"},
		},
		{name: "script unsafe-inline", extra: map[string][]string{"script-src": {"'unsafe-inline'"}}, wantErr: "refused"},
		{name: "script unsafe-eval", extra: map[string][]string{"script-src": {"'UNSAFE-EVAL'"}}, wantErr: "refused"},
		{name: "script unsafe-hashes", extra: map[string][]string{"script-src": {"'unsafe-hashes'"}}, wantErr: "refused"},
		{name: "script wildcard", extra: map[string][]string{"script-src": {"*"}}, wantErr: "anywhere"},
		{name: "script scheme", extra: map[string][]string{"script-src": {"https:"}}, wantErr: "anywhere"},
		{name: "script data", extra: map[string][]string{"script-src": {"data:"}}, wantErr: "anywhere"},
		{name: "worker blob", extra: map[string][]string{"worker-src": {"blob:"}}, wantErr: "anywhere"},
		{name: "style unsafe-inline", extra: map[string][]string{"style-src": {"'unsafe-inline'"}}, wantErr: "refused"},
		{name: "default-src fixed", extra: map[string][]string{"default-src": {"https://x.example"}}, wantErr: "cannot be extended"},
		{name: "object-src fixed", extra: map[string][]string{"object-src": {"https://x.example"}}, wantErr: "cannot be extended"},
		{name: "base-uri fixed", extra: map[string][]string{"base-uri": {"https://x.example"}}, wantErr: "cannot be extended"},
		{name: "directive injection", extra: map[string][]string{"img-src": {"https://x.example; script-src *"}}, wantErr: "single CSP source"},
		{name: "header injection", extra: map[string][]string{"img-src": {"https://x.example\r\nSet-Cookie: a=b"}}, wantErr: "single CSP source"},
		{name: "unbalanced quote", extra: map[string][]string{"img-src": {"'self"}}, wantErr: "quotes"},
		{name: "none added", extra: map[string][]string{"img-src": {"'none'"}}, wantErr: "'none'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := SecurityHeaders(HeaderPolicy{CSPExtra: tt.extra})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			mw(okHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			csp := rec.Header().Get("Content-Security-Policy")
			for _, w := range tt.want {
				if !strings.Contains(csp, w) {
					t.Errorf("CSP %q lacks %q", csp, w)
				}
			}
			if strings.Contains(csp, "unsafe-") {
				t.Errorf("CSP allows unsafe code: %q", csp)
			}
		})
	}
}

func TestCheckPermissionsPolicy(t *testing.T) {
	tests := []struct {
		value string
		ok    bool
	}{
		{DefaultPermissionsPolicy, true},
		{"camera=(self), microphone=()", true},
		{`geolocation=(self "https://maps.example.jp")`, true},
		{"fullscreen=*", true},
		{"camera", false},
		{"Camera=()", false},
		{"camera=(); script-src *", false},
		{"camera=()\r\nX-Evil: 1", false},
		{"", false},
	}
	for _, tt := range tests {
		if err := CheckPermissionsPolicy(tt.value); (err == nil) != tt.ok {
			t.Errorf("CheckPermissionsPolicy(%q) = %v, want ok=%v", tt.value, err, tt.ok)
		}
	}
}

func TestNonceWithoutMiddleware(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if n := Nonce(r); n != "" {
		t.Errorf("Nonce without middleware = %q", n)
	}
	r = r.WithContext(WithNonce(r.Context(), "abc"))
	if n := Nonce(r); n != "abc" {
		t.Errorf("Nonce after WithNonce = %q", n)
	}
}

func BenchmarkSecurityHeaders(b *testing.B) {
	mw, err := SecurityHeaders(HeaderPolicy{TLS: true, HSTSMaxAge: time.Hour, CSPExtra: map[string][]string{"img-src": {"https://images.example.jp"}}})
	if err != nil {
		b.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest("GET", "https://example.jp/", nil)
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

func TestDataPathsGetFixedHeaders(t *testing.T) {
	mw, err := SecurityHeaders(HeaderPolicy{TLS: true, HSTSMaxAge: 300 * time.Second, DataPaths: []string{"/api/event"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path    string
		wantCSP string // a prefix
		nonce   bool
	}{
		{"/api/event", "default-src 'none'; frame-ancestors 'none'", false},
		{"/api/event/x", "default-src 'self'", true},
		{"/", "default-src 'self'", true},
	} {
		var sawNonce bool
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sawNonce = Nonce(r) != ""
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "https://example.jp"+tt.path, nil))
		hdr := rec.Header()
		if csp := hdr.Get("Content-Security-Policy"); !strings.HasPrefix(csp, tt.wantCSP) {
			t.Errorf("%s: CSP %q, want %q…", tt.path, csp, tt.wantCSP)
		}
		if sawNonce != tt.nonce {
			t.Errorf("%s: nonce given %v, want %v", tt.path, sawNonce, tt.nonce)
		}
		for _, name := range []string{"X-Content-Type-Options", "Referrer-Policy", "Strict-Transport-Security"} {
			if hdr.Get(name) == "" {
				t.Errorf("%s: no %s", tt.path, name)
			}
		}
		if got := hdr.Get("Permissions-Policy") != ""; got == (tt.path == "/api/event") {
			t.Errorf("%s: Permissions-Policy present %v", tt.path, got)
		}
	}
}

// TestConsoleGetsItsOwnCSP checks that the console's responses carry a
// policy of the site's origin and the nonce alone: the hosts the site's
// tools and configuration add, and its framing rule, stay off it.
func TestConsoleGetsItsOwnCSP(t *testing.T) {
	tools := &CSPSources{}
	hosts := []string{"https://www.googletagmanager.com", "https://*.google-analytics.com"}
	if err := tools.Set(map[string][]string{"script-src": hosts, "connect-src": hosts, "img-src": hosts, "frame-src": hosts}); err != nil {
		t.Fatal(err)
	}
	mw, err := SecurityHeaders(HeaderPolicy{
		TLS: true, FrameAncestors: []string{"'self'", "https://partner.example.jp"},
		CSPExtra:      map[string][]string{"img-src": {"https://images.example.jp"}, "style-src": {"https://cdn.example.jp"}},
		CSPSources:    tools,
		ConsolePrefix: "/admin/",
	})
	if err != nil {
		t.Fatal(err)
	}
	const console = "default-src 'self'; script-src 'self' 'nonce-N'; style-src 'self' 'nonce-N'; img-src 'self'; " +
		"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
		"frame-ancestors 'none'; upgrade-insecure-requests"
	for _, tt := range []struct {
		path    string
		console bool
	}{
		{"/admin/", true},
		{"/admin", true},
		{"/admin/login", true},
		{"/admin/analytics?site=www.example.jp", true},
		{"/admin/no/such/page", true},
		{"/", false},
		{"/administration", false},
		{"/en/privacy", false},
	} {
		var nonce string
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { nonce = Nonce(r) }))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "https://www.example.jp"+tt.path, nil))
		csp := rec.Header().Get("Content-Security-Policy")
		if nonce == "" || !strings.Contains(csp, "'nonce-"+nonce+"'") {
			t.Errorf("%s: CSP %q lacks the request's nonce %q", tt.path, csp, nonce)
		}
		generic := strings.ReplaceAll(csp, nonce, "N")
		if got := generic == console; got != tt.console {
			t.Errorf("%s: console policy %v, want %v: %q", tt.path, got, tt.console, csp)
		}
		leaked := strings.Contains(csp, "google") || strings.Contains(csp, "example.jp")
		if leaked == tt.console {
			t.Errorf("%s: site sources present %v: %q", tt.path, leaked, csp)
		}
		if xfo := rec.Header().Get("X-Frame-Options"); tt.console != (xfo == "DENY") {
			t.Errorf("%s: X-Frame-Options %q", tt.path, xfo)
		}
	}
}

// TestCSPReportOnly checks that report-only sends the public pages' policy
// under the report-only header alone, while the console and the data paths
// keep enforcing theirs.
func TestCSPReportOnly(t *testing.T) {
	mw, err := SecurityHeaders(HeaderPolicy{CSPReportOnly: true, ConsolePrefix: "/admin/", DataPaths: []string{"/collect"}})
	if err != nil {
		t.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, tt := range []struct {
		path       string
		reportOnly bool
	}{
		{"/", true},
		{"/en/privacy", true},
		{"/admin/", false},
		{"/collect", false},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "http://www.example.jp"+tt.path, nil))
		enforced, reported := rec.Header().Get("Content-Security-Policy"), rec.Header().Get("Content-Security-Policy-Report-Only")
		if (reported != "") != tt.reportOnly || (enforced != "") == tt.reportOnly {
			t.Errorf("%s: Content-Security-Policy %q, report-only %q", tt.path, enforced, reported)
		}
	}
}

// TestCSPReporting checks where the public pages' policy has browsers
// report: report-uri always, report-to with its Reporting-Endpoints only
// on requests that came over TLS, in both the enforced and the
// report-only policy, and never on the console's or the data paths'.
func TestCSPReporting(t *testing.T) {
	for _, reportOnly := range []bool{false, true} {
		mw, err := SecurityHeaders(HeaderPolicy{CSPReportOnly: reportOnly, CSPReportPath: "/api/csp-report",
			ConsolePrefix: "/admin/", DataPaths: []string{"/api/csp-report", "/api/event"}})
		if err != nil {
			t.Fatal(err)
		}
		h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		for _, tt := range []struct {
			url       string
			uri, to   bool
			endpoints string
		}{
			{"http://www.example.jp/", true, false, ""},
			{"https://www.example.jp/en/privacy", true, true, `noren-csp="/api/csp-report"`},
			{"https://www.example.jp/admin/", false, false, ""},
			{"https://www.example.jp/api/csp-report", false, false, ""},
			{"https://www.example.jp/api/event", false, false, ""},
		} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tt.url, nil))
			csp := rec.Header().Get("Content-Security-Policy") + rec.Header().Get("Content-Security-Policy-Report-Only")
			if got := strings.Contains(csp, "; report-uri /api/csp-report"); got != tt.uri {
				t.Errorf("report-only %v, %s: report-uri %v in %q", reportOnly, tt.url, got, csp)
			}
			if got := strings.HasSuffix(csp, "; report-to noren-csp"); got != tt.to {
				t.Errorf("report-only %v, %s: report-to %v in %q", reportOnly, tt.url, got, csp)
			}
			if got := rec.Header().Get("Reporting-Endpoints"); got != tt.endpoints {
				t.Errorf("report-only %v, %s: Reporting-Endpoints %q, want %q", reportOnly, tt.url, got, tt.endpoints)
			}
		}
	}
	for _, bad := range []string{"api/csp-report", "//evil.example/r", "/a;b", `/a"b`, "/a b"} {
		if _, err := SecurityHeaders(HeaderPolicy{CSPReportPath: bad}); err == nil {
			t.Errorf("report path %q accepted", bad)
		}
	}
}

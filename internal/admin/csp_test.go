package admin_test

import (
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestConsoleCSPNamesNoToolHost serves every console route, signed in
// and not, behind the site's security headers with the manifest's tool
// hosts in force, and checks that no response's policy names any of them.
func TestConsoleCSPNamesNoToolHost(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	sources := consent.CSPSources(h.Manifest, slog.New(slog.DiscardHandler))
	var hosts []string
	for _, list := range sources {
		hosts = append(hosts, list...)
	}
	if len(hosts) == 0 {
		t.Fatal("the test manifest declares no third-party host")
	}
	tools := &server.CSPSources{}
	if err := tools.Set(sources); err != nil {
		t.Fatal(err)
	}
	mw, err := server.SecurityHeaders(server.HeaderPolicy{CSPSources: tools, ConsolePrefix: admin.Prefix})
	if err != nil {
		t.Fatal(err)
	}
	handler := mw(h.Mux)
	owner := h.SignedIn(h.AddUser("owner@example.jp", account.Owner))
	base, err := url.Parse(h.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	cookies := owner.Client.Jar.Cookies(base)

	paths := []string{"/admin/no/such/page"}
	for _, rt := range h.Console.Routes() {
		p := strings.NewReplacer("{$}", "", "{id}", "1", "{form}", "consultation-form", "{site}", admintest.Site, "{dimension}", "path").Replace(rt.Pattern)
		paths = append(paths, rt.Method+" "+p)
	}
	for _, route := range paths {
		method, path, ok := strings.Cut(route, " ")
		if !ok {
			method, path = "GET", route
		}
		for _, signed := range []bool{false, true} {
			req := httptest.NewRequest(method, "https://www.example.jp"+path, nil)
			if signed {
				for _, c := range cookies {
					req.AddCookie(c)
				}
			}
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			csp := rec.Header().Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self' 'nonce-") {
				t.Errorf("%s %s (signed in %v): CSP %q has no nonce", method, path, signed, csp)
			}
			for _, host := range hosts {
				if strings.Contains(csp, host) {
					t.Errorf("%s %s (signed in %v): CSP names %s: %q", method, path, signed, host, csp)
				}
			}
		}
	}
	site := httptest.NewRecorder()
	handler.ServeHTTP(site, httptest.NewRequest("GET", "https://www.example.jp/", nil))
	if !strings.Contains(site.Header().Get("Content-Security-Policy"), hosts[0]) {
		t.Errorf("the site's own pages lost the tool hosts: %q", site.Header().Get("Content-Security-Policy"))
	}
}

// TestConsoleHasAnIcon checks that console pages name Noren's icon, from
// the console's own origin, which its policy's img-src 'self' admits.
func TestConsoleHasAnIcon(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	resp := h.Browser().Get("/admin/login")
	if !strings.Contains(resp.Body, `<link rel="icon" href="/noren/favicon.svg" type="image/svg+xml">`) {
		t.Errorf("the sign-in page names no icon:\n%s", resp.Body)
	}
}

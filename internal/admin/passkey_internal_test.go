package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/server"
)

func TestRequestOrigin(t *testing.T) {
	for _, tt := range []struct {
		rpID, host string
		tls        bool
		want       string
	}{
		{"localhost", "localhost:8443", true, "https://localhost:8443"},
		{"localhost", "localhost:8080", false, "http://localhost:8080"},
		{"localhost", "LOCALHOST:443", true, "https://localhost"},
		{"localhost", "localhost", false, "http://localhost"},
		{"demo.localhost", "demo.localhost:8080", false, "http://demo.localhost:8080"},
		{"demo.localhost", "localhost:8080", false, ""},
		{"demo.localhost", "evil.demo.localhost:8080", false, ""},
		{"localhost", "127.0.0.1:8080", false, ""},
		{"localhost", "localhost:0", false, ""},
		{"localhost", "localhost:080", false, ""},
		{"localhost", "localhost:99999", false, ""},
		{"localhost", "localhost:x", false, ""},
	} {
		if got := requestOrigin(tt.rpID, tt.host, tt.tls); got != tt.want {
			t.Errorf("requestOrigin(%q, %q, %v) = %q, want %q", tt.rpID, tt.host, tt.tls, got, tt.want)
		}
	}
}

// FuzzRequestOrigin checks that whatever Host header arrives, the origin
// a ceremony is bound to is the relying party's, on a real port.
func FuzzRequestOrigin(f *testing.F) {
	for _, host := range []string{"localhost:8080", "localhost", "[::1]:80", "localhost:", "a.localhost:1", "localhost:65536"} {
		f.Add(host, true)
	}
	f.Fuzz(func(t *testing.T, host string, tls bool) {
		got := requestOrigin("localhost", host, tls)
		if got == "" {
			return
		}
		u, err := url.Parse(got)
		if err != nil || u.Hostname() != "localhost" || (u.Scheme != "https") != !tls || u.Path != "" {
			t.Fatalf("requestOrigin(%q) = %q", host, got)
		}
		if port := u.Port(); port != "" {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				t.Fatalf("requestOrigin(%q) = %q: bad port", host, got)
			}
		}
	})
}

// TestAllowPasskeys checks that console pages re-allow WebAuthn, which the
// site's default policy turns off, and change nothing else.
func TestAllowPasskeys(t *testing.T) {
	h := http.Header{}
	h.Set("Permissions-Policy", server.DefaultPermissionsPolicy)
	allowPasskeys(h)
	got := h.Get("Permissions-Policy")
	want := strings.NewReplacer("publickey-credentials-create=()", "publickey-credentials-create=(self)",
		"publickey-credentials-get=()", "publickey-credentials-get=(self)").Replace(server.DefaultPermissionsPolicy)
	if got != want || !strings.Contains(got, "publickey-credentials-get=(self)") || !strings.Contains(got, "camera=()") {
		t.Errorf("Permissions-Policy %q, want %q", got, want)
	}
	empty := http.Header{}
	allowPasskeys(empty)
	if _, ok := empty["Permissions-Policy"]; ok {
		t.Error("a policy was added where there was none")
	}
}

package browsertest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fakeBrowsers makes a directory holding empty executables with the given
// names and puts only it on PATH.
func fakeBrowsers(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	return dir
}

func TestFind(t *testing.T) {
	tests := []struct {
		name      string
		installed []string
		env       string // NOREN_CHROMIUM; "DIR/" is replaced by the fake directory
		want      string // "" for an error
	}{
		{"chromium first", []string{"google-chrome", "chromium-browser", "chromium"}, "", "chromium"},
		{"chromium-browser before google-chrome", []string{"google-chrome", "chromium-browser"}, "", "chromium-browser"},
		{"google-chrome last", []string{"google-chrome"}, "", "google-chrome"},
		{"nothing installed", nil, "", ""},
		{"environment wins", []string{"chromium", "my-chrome"}, "DIR/my-chrome", "my-chrome"},
		{"environment names a command on PATH", []string{"chromium", "my-chrome"}, "my-chrome", "my-chrome"},
		{"environment names nothing: no fallback", []string{"chromium"}, "DIR/missing", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fakeBrowsers(t, tt.installed...)
			t.Setenv(BrowserEnv, strings.Replace(tt.env, "DIR/", dir+"/", 1))
			got, err := find()
			if tt.want == "" {
				if err == nil {
					t.Fatalf("find() = %q, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(dir, tt.want); got != want {
				t.Errorf("find() = %q, want %q", got, want)
			}
		})
	}
}

// outcomeTB records whether New skipped or failed the test, and stops the
// goroutine that called it as the real methods do.
type outcomeTB struct {
	testing.TB
	outcome string
	message string
}

func (o *outcomeTB) Helper() {}

func (o *outcomeTB) Fatalf(format string, args ...any) {
	o.outcome, o.message = "failed", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (o *outcomeTB) Skipf(format string, args ...any) {
	o.outcome, o.message = "skipped", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestMissingBrowser checks that a machine without a browser skips the
// test, while CI, or a developer asking for it, fails it: CI must never
// pass without having driven a real browser.
func TestMissingBrowser(t *testing.T) {
	if testing.Short() {
		// New skips every browser test under -short before it looks for
		// a browser, so the outcomes below cannot be observed.
		t.Skip("New skips under -short")
	}
	tests := []struct {
		name    string
		env     map[string]string
		outcome string
	}{
		{"developer machine", nil, "skipped"},
		{"CI", map[string]string{"CI": "true"}, "failed"},
		{"CI=1", map[string]string{"CI": "1"}, "failed"},
		{"CI off", map[string]string{"CI": "false"}, "skipped"},
		{"required by hand", map[string]string{RequireEnv: "1"}, "failed"},
		{"misconfigured browser path", map[string]string{BrowserEnv: "/nonexistent/chromium"}, "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fakeBrowsers(t)
			for _, name := range []string{"CI", RequireEnv, BrowserEnv} {
				t.Setenv(name, tt.env[name])
			}
			o := &outcomeTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				New(o)
				o.outcome = "ran"
			}()
			<-done
			if o.outcome != tt.outcome {
				t.Errorf("New %s (%s), want it %s", o.outcome, o.message, tt.outcome)
			}
		})
	}
}

// selfSigned returns a certificate for 127.0.0.1 with a new key.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "stranger"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestNew drives a real browser: it trusts exactly the certificates it was
// given, keeps a Secure cookie over TLS, and resolves no host name.
func TestNew(t *testing.T) {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "__Host-probe", Value: "1", Path: "/", Secure: true, HttpOnly: true})
		fmt.Fprint(w, `<!DOCTYPE html><title>probe</title><p id="probe">served</p>`)
	})
	trusted := httptest.NewTLSServer(page)
	defer trusted.Close()
	// Every httptest server has the same key, so the stranger gets a
	// certificate of its own.
	stranger := httptest.NewUnstartedServer(page)
	stranger.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	// The stranger's handshake failure is expected; keep it out of the log.
	stranger.Config.ErrorLog = log.New(io.Discard, "", 0)
	stranger.StartTLS()
	defer stranger.Close()

	ctx := New(t, trusted.Certificate())
	run := func(url string) (string, error) {
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, chromedp.Navigate(url)); err != nil {
			return "", err
		}
		return chromedp.Run(tctx, chromedp.Text(chromedp.ID("probe")))
	}

	if got, err := run(trusted.URL); err != nil || got != "served" {
		t.Fatalf("trusted server: %q, %v", got, err)
	}
	if cookie, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`)); err != nil || cookie != "" {
		t.Errorf("document.cookie = %q, %v; want the HttpOnly cookie hidden", cookie, err)
	}
	if _, err := run(stranger.URL); err == nil || !strings.Contains(err.Error(), "CERT") {
		t.Errorf("server with another certificate: err %v, want a certificate error", err)
	}
	// localhost never leaves the machine, so this checks the resolver rule
	// without risking a lookup elsewhere should the rule break.
	local := strings.Replace(trusted.URL, "127.0.0.1", "localhost", 1)
	if _, err := run(local); err == nil || !strings.Contains(err.Error(), "NAME_NOT_RESOLVED") {
		t.Errorf("host name lookup: err %v, want net::ERR_NAME_NOT_RESOLVED", err)
	}
}

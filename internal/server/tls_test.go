package server

import (
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestTLSVersions(t *testing.T) {
	cert := writeTestCert(t, t.TempDir())
	tests := []struct {
		name      string
		serverMin string // TLSConfig.MinVersion
		min, max  uint16
		wantProto string // "" when the handshake must fail
	}{
		{"TLS 1.0 refused", "", tls.VersionTLS10, tls.VersionTLS10, ""},
		{"TLS 1.1 refused", "", tls.VersionTLS11, tls.VersionTLS11, ""},
		{"TLS 1.2 served over HTTP/2", "", tls.VersionTLS12, tls.VersionTLS12, "HTTP/2.0"},
		{"TLS 1.3 served over HTTP/2", "", tls.VersionTLS13, tls.VersionTLS13, "HTTP/2.0"},
		{"TLS 1.2 served with minimum 1.2", TLS12, tls.VersionTLS12, tls.VersionTLS12, "HTTP/2.0"},
		{"TLS 1.2 refused with minimum 1.3", TLS13, tls.VersionTLS12, tls.VersionTLS12, ""},
		{"TLS 1.3 served with minimum 1.3", TLS13, tls.VersionTLS13, tls.VersionTLS13, "HTTP/2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tlsConfigFor(cert)
			cfg.TLS.MinVersion = tt.serverMin
			ts := startServer(t, cfg, okHandler(), nil)
			client := httpsClient(cert, tt.min, tt.max)
			defer client.CloseIdleConnections()
			resp, err := client.Get(ts.url + "/")
			if tt.wantProto == "" {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("handshake succeeded with %s", resp.Proto)
				}
				if !strings.Contains(err.Error(), "version") {
					t.Errorf("error %q does not name the protocol version", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Proto != tt.wantProto {
				t.Errorf("got %d over %s, want 200 over %s", resp.StatusCode, resp.Proto, tt.wantProto)
			}
			if resp.TLS.Version != tt.max {
				t.Errorf("negotiated %s", tls.VersionName(resp.TLS.Version))
			}
		})
	}
}

// TestTLSMinVersionChecked checks that a minimum other than 1.2 and 1.3
// is refused rather than taken for the default.
func TestTLSMinVersionChecked(t *testing.T) {
	cfg := tlsConfigFor(writeTestCert(t, t.TempDir()))
	cfg.TLS.MinVersion = "1.1"
	if _, err := New(cfg, okHandler(), nil, nil); err == nil || !strings.Contains(err.Error(), `"1.1"`) {
		t.Errorf("New with minimum 1.1: %v, want an error naming it", err)
	}
}

func TestTLS12RefusesWeakCipherSuites(t *testing.T) {
	cert := writeTestCert(t, t.TempDir())
	ts := startServer(t, tlsConfigFor(cert), okHandler(), nil)
	addr := strings.TrimPrefix(ts.url, "https://")

	weak := []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
	}
	for _, suite := range weak {
		t.Run(tls.CipherSuiteName(suite), func(t *testing.T) {
			conn, err := tls.Dial("tcp", addr, &tls.Config{
				RootCAs:      cert.pool,
				MinVersion:   tls.VersionTLS12,
				MaxVersion:   tls.VersionTLS12,
				CipherSuites: []uint16{suite},
			})
			if err == nil {
				conn.Close()
				t.Fatal("handshake succeeded")
			}
		})
	}
	for _, suite := range tlsCipherSuites() {
		info := tls.CipherSuiteName(suite)
		if !strings.HasPrefix(info, "TLS_ECDHE_") || !(strings.Contains(info, "_GCM_") || strings.Contains(info, "CHACHA20_POLY1305")) {
			t.Errorf("offered suite %s is not ECDHE with AEAD", info)
		}
	}
}

func TestTLSHandshakeErrorsAreLoggedMasked(t *testing.T) {
	cert := writeTestCert(t, t.TempDir())
	ts := startServer(t, tlsConfigFor(cert), okHandler(), nil)
	resp, err := httpsClient(cert, tls.VersionTLS11, tls.VersionTLS11).Get(ts.url + "/")
	if err == nil {
		resp.Body.Close()
		t.Fatal("TLS 1.1 handshake succeeded")
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	logs := linesWith(ts.logs.String(), "handshake")
	if !strings.Contains(logs, "TLS handshake error from 127.0.0.0/24") {
		t.Errorf("handshake error not logged with a masked address:\n%s", logs)
	}
	if strings.Contains(logs, "127.0.0.1") {
		t.Errorf("log holds the full client address:\n%s", logs)
	}
}

func TestCertificateReload(t *testing.T) {
	dir := t.TempDir()
	first := writeTestCert(t, dir)
	ts := startServer(t, tlsConfigFor(first), okHandler(), nil)
	addr := strings.TrimPrefix(ts.url, "https://")

	serving := func() string {
		t.Helper()
		conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	// Push the modification time forward explicitly, so that the change is
	// seen whatever the file system's timestamp resolution.
	touch := func(at time.Time) {
		t.Helper()
		for _, f := range []string{first.certFile, first.keyFile} {
			if err := os.Chtimes(f, at, at); err != nil {
				t.Fatal(err)
			}
		}
	}

	if got := serving(); got != first.serial.String() {
		t.Fatalf("serving serial %s, want %s", got, first.serial)
	}

	second := writeTestCert(t, dir) // same file names
	touch(time.Now().Add(time.Hour))
	if got := serving(); got != second.serial.String() {
		t.Fatalf("after renewal serving serial %s, want %s", got, second.serial)
	}

	if err := os.WriteFile(first.keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	touch(time.Now().Add(2 * time.Hour))
	if got := serving(); got != second.serial.String() {
		t.Fatalf("after a broken renewal serving serial %s, want the previous %s", got, second.serial)
	}
	if !strings.Contains(ts.logs.String(), "TLS certificate reload failed") {
		t.Error("the failed reload was not logged")
	}
}

func TestRedirectToHTTPS(t *testing.T) {
	cert := writeTestCert(t, t.TempDir())
	cfg := tlsConfigFor(cert)
	cfg.TLS.RedirectHTTP = "127.0.0.1:0"
	ts := startServer(t, cfg, okHandler(), nil)
	_, httpsPort, _ := net.SplitHostPort(ts.srv.Addr().String())
	plain := "http://" + ts.srv.RedirectAddr().String()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	tests := []struct {
		method, host, target string
		wantCode             int
		wantLocation         string
	}{
		{"GET", "example.jp", "/a/b?x=1", http.StatusMovedPermanently, "https://example.jp:" + httpsPort + "/a/b?x=1"},
		{"GET", "example.jp:80", "/", http.StatusMovedPermanently, "https://example.jp:" + httpsPort + "/"},
		{"HEAD", "127.0.0.1", "/x", http.StatusMovedPermanently, "https://127.0.0.1:" + httpsPort + "/x"},
		{"GET", "[::1]:80", "/x", http.StatusMovedPermanently, "https://[::1]:" + httpsPort + "/x"},
		{"POST", "example.jp", "/form", http.StatusPermanentRedirect, "https://example.jp:" + httpsPort + "/form"},
		{"GET", "evil.example@attacker", "/", http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.host+tt.target, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, plain+tt.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tt.host
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantCode)
			}
			if got := resp.Header.Get("Location"); got != tt.wantLocation {
				t.Errorf("Location %q, want %q", got, tt.wantLocation)
			}
			if resp.Header.Get("Strict-Transport-Security") != "" {
				t.Error("HSTS sent over plain HTTP")
			}
		})
	}
}

func TestRedirectNeedsTLS(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TLS.RedirectHTTP = ":80"
	if _, err := New(cfg, okHandler(), nil, nil); err == nil {
		t.Fatal("New accepted an HTTP redirect without TLS")
	}
}

func TestNewRejectsBadTLS(t *testing.T) {
	cert := writeTestCert(t, t.TempDir())
	tests := []struct {
		name string
		tls  TLSConfig
	}{
		{"cert without key", TLSConfig{CertFile: cert.certFile}},
		{"key without cert", TLSConfig{KeyFile: cert.keyFile}},
		{"files and ACME", TLSConfig{CertFile: cert.certFile, KeyFile: cert.keyFile, ACME: ACMEConfig{Domains: []string{"example.jp"}, CacheDir: t.TempDir()}}},
		{"ACME without cache", TLSConfig{ACME: ACMEConfig{Domains: []string{"example.jp"}}}},
		{"missing files", TLSConfig{CertFile: cert.certFile + ".missing", KeyFile: cert.keyFile}},
		{"mismatched files", TLSConfig{CertFile: cert.keyFile, KeyFile: cert.certFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.TLS = tt.tls
			if _, err := New(cfg, okHandler(), nil, nil); err == nil {
				t.Fatal("New accepted the configuration")
			}
		})
	}
}

func TestACMEConfiguration(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TLS.ACME = ACMEConfig{Domains: []string{"example.jp"}, CacheDir: t.TempDir()}
	cfg.TLS.RedirectHTTP = "127.0.0.1:0"
	ts := startServer(t, cfg, okHandler(), nil)

	tlsCfg := ts.srv.main.TLSConfig
	if tlsCfg.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion %x", tlsCfg.MinVersion)
	}
	if !strings.Contains(strings.Join(tlsCfg.NextProtos, ","), "acme-tls/1") {
		t.Errorf("NextProtos %v lack the tls-alpn-01 protocol", tlsCfg.NextProtos)
	}

	// The redirect listener answers http-01 challenges itself: an unknown
	// token is a 404 from the ACME handler, not a redirect.
	req, err := http.NewRequest("GET", "http://"+ts.srv.RedirectAddr().String()+"/.well-known/acme-challenge/unknown-token", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "example.jp"
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("challenge path: status %d, want 404", resp.StatusCode)
	}

	// A host outside the allow-list gets no certificate: the handshake fails
	// without any request to an ACME authority.
	conn, err := tls.Dial("tcp", ts.srv.Addr().String(), &tls.Config{ServerName: "not-listed.example", InsecureSkipVerify: true})
	if err == nil {
		conn.Close()
		t.Fatal("handshake for an unlisted host succeeded")
	}
}

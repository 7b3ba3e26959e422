package main

import (
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/web"
)

// TestDemoPolicyNamesItsAddress checks that the demo's privacy policy
// names the address the demo serves at, not the one its manifest was
// written for.
func TestDemoPolicyNamesItsAddress(t *testing.T) {
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--sample-events", "0")
	u, err := url.Parse(p.url)
	if err != nil {
		t.Fatal(err)
	}
	want := "http://demo.localhost:" + u.Port()
	for _, path := range []string{"/en/privacy", "/ja/privacy"} {
		_, body := get(t, nil, p.url+path)
		if !strings.Contains(body, want) {
			t.Errorf("%s does not name %s", path, want)
		}
		if u.Port() != "8080" && strings.Contains(body, "demo.localhost:8080") {
			t.Errorf("%s names demo.localhost:8080", path)
		}
	}
}

func TestDemoURL(t *testing.T) {
	tests := []struct {
		addr string
		tls  bool
		want string
	}{
		{"127.0.0.1:8080", false, "http://demo.localhost:8080"},
		{"127.0.0.1:9123", true, "https://demo.localhost:9123"},
		{"[::1]:80", false, "http://demo.localhost"},
		{"0.0.0.0:443", true, "https://demo.localhost"},
		{"127.0.0.1:443", false, "http://demo.localhost:443"},
	}
	for _, tt := range tests {
		addr, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := demoURL(addr, tt.tls); got != tt.want {
			t.Errorf("demoURL(%s, tls %t) = %q, want %q", tt.addr, tt.tls, got, tt.want)
		}
	}
}

// TestDemoManifestKeepsItsHashOnItsOwnPort checks that a demo on the port
// its manifest names serves the manifest as written, so that a data folder
// used on that port keeps one policy version.
func TestDemoManifestKeepsItsHashOnItsOwnPort(t *testing.T) {
	addr, err := net.ResolveTCPAddr("tcp", "127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	m, err := demoManifest(addr, false)
	if err != nil {
		t.Fatal(err)
	}
	other, err := demoManifest(&net.TCPAddr{IP: addr.IP, Port: 8081}, false)
	if err != nil {
		t.Fatal(err)
	}
	if m.Site.URL != "http://demo.localhost:8080" || other.Site.URL != "http://demo.localhost:8081" {
		t.Errorf("site.url %q and %q", m.Site.URL, other.Site.URL)
	}
	written, err := manifest.Parse("demo manifest", web.DemoManifest)
	if err != nil {
		t.Fatal(err)
	}
	if m.Hash() != written.Hash() {
		t.Error("on the port it names, the demo's manifest differs from the one written")
	}
	if m.Hash() == other.Hash() {
		t.Error("the manifest's hash does not cover its address")
	}
}

package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestResolveClientAddr(t *testing.T) {
	trusted := prefixes(t, "10.0.0.0/8", "192.168.1.1/32", "fd00::/8")
	tests := []struct {
		name   string
		remote string
		xff    []string // X-Forwarded-For lines
		realIP string
		want   string
	}{
		{"direct client, no headers", "203.0.113.7:5000", nil, "", "203.0.113.7"},
		{"direct client spoofs XFF", "203.0.113.7:5000", []string{"198.51.100.1"}, "", "203.0.113.7"},
		{"direct client spoofs X-Real-IP", "203.0.113.7:5000", nil, "198.51.100.1", "203.0.113.7"},
		{"one trusted proxy", "10.0.0.2:4000", []string{"203.0.113.7"}, "", "203.0.113.7"},
		{"two trusted proxies", "10.0.0.2:4000", []string{"203.0.113.7, 10.0.0.3"}, "", "203.0.113.7"},
		{"client prepends a forged hop", "10.0.0.2:4000", []string{"198.51.100.1, 203.0.113.7"}, "", "203.0.113.7"},
		{"client forges a trusted hop", "10.0.0.2:4000", []string{"10.9.9.9, 203.0.113.7"}, "", "203.0.113.7"},
		{"untrusted hop between proxies", "10.0.0.2:4000", []string{"198.51.100.1, 203.0.113.7, 10.0.0.3"}, "", "203.0.113.7"},
		{"hops split over header lines", "10.0.0.2:4000", []string{"198.51.100.1", "203.0.113.7, 10.0.0.3"}, "", "203.0.113.7"},
		{"all hops trusted", "10.0.0.2:4000", []string{"10.0.0.5, 10.0.0.4"}, "", "10.0.0.5"},
		{"hop with port", "10.0.0.2:4000", []string{"203.0.113.7:1234"}, "", "203.0.113.7"},
		{"IPv6 peer and client", "[fd00::2]:4000", []string{"2001:db8::7"}, "", "2001:db8::7"},
		{"bracketed IPv6 hop with port", "[fd00::2]:4000", []string{"[2001:db8::7]:1234"}, "", "2001:db8::7"},
		{"bracketed IPv6 hop", "10.0.0.2:4000", []string{"[2001:db8::7]"}, "", "2001:db8::7"},
		{"IPv4-mapped peer is trusted", "[::ffff:10.0.0.2]:4000", []string{"203.0.113.7"}, "", "203.0.113.7"},
		{"IPv4-mapped hop is unmapped", "10.0.0.2:4000", []string{"::ffff:203.0.113.7"}, "", "203.0.113.7"},
		{"zone dropped", "10.0.0.2:4000", []string{"fe80::1%eth0"}, "", "fe80::1"},
		{"malformed rightmost hop", "10.0.0.2:4000", []string{"unknown"}, "", "10.0.0.2"},
		{"malformed hop behind proxies", "10.0.0.2:4000", []string{"garbage, 10.0.0.3"}, "", "10.0.0.3"},
		{"malformed hop past the client", "10.0.0.2:4000", []string{"garbage, 203.0.113.7"}, "", "203.0.113.7"},
		{"empty hop", "10.0.0.2:4000", []string{"203.0.113.7,,"}, "", "10.0.0.2"},
		{"empty header", "10.0.0.2:4000", []string{""}, "", "10.0.0.2"},
		{"hostname hop", "10.0.0.2:4000", []string{"client.example.jp"}, "", "10.0.0.2"},
		{"X-Real-IP from trusted proxy", "192.168.1.1:4000", nil, "203.0.113.7", "203.0.113.7"},
		{"XFF wins over X-Real-IP", "192.168.1.1:4000", []string{"203.0.113.8"}, "203.0.113.7", "203.0.113.8"},
		{"malformed X-Real-IP", "192.168.1.1:4000", nil, "nope", "192.168.1.1"},
		{"neighbour of a /32 not trusted", "192.168.1.2:4000", []string{"203.0.113.7"}, "", "192.168.1.2"},
		{"unparseable peer", "not-an-address", []string{"203.0.113.7"}, "", ""},
		{"peer without port", "10.0.0.2", []string{"203.0.113.7"}, "", "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.xff {
				h.Add("X-Forwarded-For", v)
			}
			if tt.realIP != "" {
				h.Set("X-Real-IP", tt.realIP)
			}
			got := ResolveClientAddr(tt.remote, h, trusted)
			want := netip.Addr{}
			if tt.want != "" {
				want = netip.MustParseAddr(tt.want)
			}
			if got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestResolveClientAddrTrustsNothingByDefault(t *testing.T) {
	h := http.Header{"X-Forwarded-For": {"203.0.113.7"}}
	if got := ResolveClientAddr("127.0.0.1:9", h, nil); got != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("got %v, want the peer", got)
	}
}

func TestClientAddrMiddleware(t *testing.T) {
	var got netip.Addr
	h := ClientAddrs(prefixes(t, "127.0.0.0/8"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = ClientAddr(r)
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "127.0.0.1:5555"
	req.Header.Set("X-Forwarded-For", "198.51.100.4")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got != netip.MustParseAddr("198.51.100.4") {
		t.Errorf("ClientAddr = %v", got)
	}

	bare := httptest.NewRequest("GET", "/", nil)
	bare.RemoteAddr = "198.51.100.9:1"
	if got := ClientAddr(bare); got != netip.MustParseAddr("198.51.100.9") {
		t.Errorf("ClientAddr without middleware = %v, want the peer", got)
	}
}

func TestMaskAddr(t *testing.T) {
	tests := []struct {
		addr string
		want string
	}{
		{"203.0.113.77", "203.0.113.0/24"},
		{"127.0.0.1", "127.0.0.0/24"},
		{"::ffff:203.0.113.77", "203.0.113.0/24"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1::/48"},
		{"2001:db8:abcd:ffff::1", "2001:db8:abcd::/48"},
		{"::1", "::/48"},
		{"fe80::1%eth0", "fe80::/48"},
	}
	for _, tt := range tests {
		a := netip.MustParseAddr(tt.addr)
		got := MaskAddr(a)
		if got != tt.want {
			t.Errorf("MaskAddr(%s) = %q, want %q", tt.addr, got, tt.want)
		}
		if strings.Contains(got, a.WithZone("").Unmap().String()) {
			t.Errorf("MaskAddr(%s) = %q holds the address", tt.addr, got)
		}
	}
	if got := MaskAddr(netip.Addr{}); got != "unknown" {
		t.Errorf("MaskAddr(zero) = %q", got)
	}
}

func TestAllowOnly(t *testing.T) {
	h := ClientAddrs(nil)(AllowOnly(prefixes(t, "127.0.0.0/8"), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "secret")
	})))
	for _, tt := range []struct {
		remote string
		want   int
	}{
		{"127.0.0.1:1", http.StatusOK},
		{"203.0.113.1:1", http.StatusForbidden},
	} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = tt.remote
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("%s: status %d, want %d", tt.remote, rec.Code, tt.want)
		}
	}
}

// FuzzResolveClientAddr checks that no header value makes the resolver
// panic, return an address that appears nowhere in the request, or believe
// a header sent by an untrusted peer.
func FuzzResolveClientAddr(f *testing.F) {
	f.Add("10.0.0.2:4000", "203.0.113.7, 10.0.0.3", "")
	f.Add("203.0.113.7:5000", "198.51.100.1", "198.51.100.2")
	f.Add("[fd00::2]:4000", "[2001:db8::7]:1234", "")
	f.Add("10.0.0.2:4000", "", "203.0.113.7")
	f.Fuzz(func(t *testing.T, remote, xff, realIP string) {
		trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
		h := http.Header{}
		if xff != "" {
			h.Set("X-Forwarded-For", xff)
		}
		if realIP != "" {
			h.Set("X-Real-IP", realIP)
		}
		got := ResolveClientAddr(remote, h, trusted)
		peer := peerAddr(remote)
		if !peer.IsValid() {
			if got.IsValid() {
				t.Fatalf("resolved %v for an unparseable peer %q", got, remote)
			}
			return
		}
		if !isTrusted(peer, trusted) && got != peer {
			t.Fatalf("believed headers from untrusted peer %v: got %v", peer, got)
		}
		if got != peer {
			found := false
			for hop := range strings.SplitSeq(xff+","+realIP, ",") {
				if a, ok := parseHop(hop); ok && a == got {
					found = true
				}
			}
			if !found {
				t.Fatalf("resolved %v, which is in neither the peer nor the headers", got)
			}
		}
	})
}

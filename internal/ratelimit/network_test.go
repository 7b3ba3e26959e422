package ratelimit

import (
	"net/netip"
	"testing"
)

func TestNetwork(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"203.0.113.7", "203.0.113.0/24"},
		{"203.0.113.200", "203.0.113.0/24"},
		{"::ffff:203.0.113.7", "203.0.113.0/24"},
		{"2001:db8:aa:bb::1", "2001:db8:aa::/48"},
		{"2001:db8:aa:ffff:ffff::9", "2001:db8:aa::/48"},
		{"fe80::1%eth0", "fe80::/48"},
	} {
		if got := Network(netip.MustParseAddr(tc.in)); got.String() != tc.want {
			t.Errorf("Network(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := Network(netip.Addr{}); got.IsValid() {
		t.Errorf("Network of the zero Addr = %s, want the zero Prefix", got)
	}
}

package enrich

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeResolver answers reverse lookups from a table and counts them. When
// hold is set, each lookup waits for it to close or for its context to end.
type fakeResolver struct {
	names map[string][]string
	hold  chan struct{}

	mu        sync.Mutex
	calls     map[string]int
	deadlines []time.Duration // time left before each lookup's deadline
}

func newFakeResolver(names map[string][]string) *fakeResolver {
	return &fakeResolver{names: names, calls: make(map[string]int)}
}

func (r *fakeResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	r.mu.Lock()
	r.calls[addr]++
	if d, ok := ctx.Deadline(); ok {
		r.deadlines = append(r.deadlines, time.Until(d))
	}
	r.mu.Unlock()
	if r.hold != nil {
		select {
		case <-r.hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	names, ok := r.names[addr]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
	}
	return names, nil
}

func (r *fakeResolver) callsFor(addr string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[addr]
}

// ptrTable is the reverse DNS of the addresses the tests look up.
var ptrTable = map[string][]string{
	"203.0.113.5":  {"p123-abc.tokyo.ocn.ne.jp."},
	"203.0.113.6":  {"softbank126000000000.bbtec.net."},
	"203.0.113.7":  {"KD111.dion.ne.jp."},
	"2001:db8::1":  {"ec2-1-2-3-4.compute-1.amazonaws.com."},
	"198.51.100.1": {"localhost."},
}

func TestRegistrableDomain(t *testing.T) {
	for name, want := range map[string]string{
		"p123-abc.tokyo.ocn.ne.jp.":            "ocn.ne.jp",
		"p123-abc.tokyo.ocn.ne.jp":             "ocn.ne.jp",
		"softbank126000000000.bbtec.net":       "bbtec.net",
		"KD111.dion.ne.jp.":                    "dion.ne.jp",
		"FOO.Example.CO.UK.":                   "example.co.uk",
		"ec2-1-2-3-4.compute-1.amazonaws.com.": "amazonaws.com",
		"a.b.github.io":                        "github.io",
		"x.y.blogspot.com":                     "blogspot.com",
		"example.com":                          "example.com",
		"com":                                  "",
		"co.jp":                                "",
		"localhost":                            "",
		"host.unknowntld":                      "",
		"1.2.3.4":                              "",
		"bad name.example.com":                 "",
		"a..example.com":                       "",
		"":                                     "",
		".":                                    "",
	} {
		if got := registrableDomain(name); got != want {
			t.Errorf("registrableDomain(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestNetworksDomain(t *testing.T) {
	n := NewNetworks(newFakeResolver(ptrTable), time.Hour, 100)
	for _, tt := range []struct{ addr, want string }{
		{"203.0.113.5", "ocn.ne.jp"},
		{"::ffff:203.0.113.5", "ocn.ne.jp"},
		{"203.0.113.6", "bbtec.net"},
		{"203.0.113.7", "dion.ne.jp"},
		{"2001:db8::1", "amazonaws.com"},
		{"198.51.100.1", ""},
		{"192.0.2.1", ""},
	} {
		if got := n.Domain(context.Background(), netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Domain(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
	if got := n.Domain(context.Background(), netip.Addr{}); got != "" {
		t.Errorf("Domain of the zero address = %q", got)
	}
}

func TestNetworksNil(t *testing.T) {
	var n *Networks
	if got := n.Domain(context.Background(), netip.MustParseAddr("203.0.113.5")); got != "" {
		t.Errorf("nil Networks found %q", got)
	}
}

func TestNetworksCacheTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeResolver(ptrTable)
		n := NewNetworks(r, time.Hour, 100)
		ctx := context.Background()
		known, unknown := netip.MustParseAddr("203.0.113.5"), netip.MustParseAddr("192.0.2.1")
		for range 3 {
			n.Domain(ctx, known)
			n.Domain(ctx, unknown)
		}
		n.Domain(ctx, netip.MustParseAddr("::ffff:203.0.113.5"))
		if r.callsFor("203.0.113.5") != 1 || r.callsFor("192.0.2.1") != 1 {
			t.Fatalf("within the TTL: %v lookups, want one of each address", r.calls)
		}
		time.Sleep(time.Hour)
		if got := n.Domain(ctx, known); got != "ocn.ne.jp" {
			t.Errorf("after the TTL: Domain = %q", got)
		}
		n.Domain(ctx, unknown)
		if r.callsFor("203.0.113.5") != 2 || r.callsFor("192.0.2.1") != 2 {
			t.Errorf("after the TTL: %v lookups, want two of each address", r.calls)
		}
	})
}

func TestNetworksNoTTL(t *testing.T) {
	r := newFakeResolver(ptrTable)
	n := NewNetworks(r, 0, 100)
	for range 3 {
		n.Domain(context.Background(), netip.MustParseAddr("203.0.113.5"))
	}
	if got := r.callsFor("203.0.113.5"); got != 3 {
		t.Errorf("%d lookups without a TTL, want 3", got)
	}
}

func TestNetworksCacheBound(t *testing.T) {
	r := newFakeResolver(ptrTable)
	n := NewNetworks(r, time.Hour, 2)
	ctx := context.Background()
	a, b, c := netip.MustParseAddr("203.0.113.5"), netip.MustParseAddr("203.0.113.6"), netip.MustParseAddr("203.0.113.7")
	n.Domain(ctx, a)
	n.Domain(ctx, b)
	n.Domain(ctx, a) // a is now the most recently used
	n.Domain(ctx, c) // evicts b
	if len(n.entries) != 2 || n.order.Len() != 2 {
		t.Errorf("cache holds %d entries (%d in order), want 2", len(n.entries), n.order.Len())
	}
	n.Domain(ctx, a)
	n.Domain(ctx, c)
	if r.callsFor("203.0.113.5") != 1 || r.callsFor("203.0.113.7") != 1 {
		t.Errorf("recently used addresses were evicted: %v", r.calls)
	}
	n.Domain(ctx, b)
	if got := r.callsFor("203.0.113.6"); got != 2 {
		t.Errorf("the least recently used address was looked up %d times, want 2", got)
	}
}

func TestNetworksTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeResolver(ptrTable)
		r.hold = make(chan struct{}) // never answers
		n := NewNetworks(r, time.Hour, 100)
		addr := netip.MustParseAddr("203.0.113.5")
		if got := n.Domain(context.Background(), addr); got != "" {
			t.Errorf("Domain = %q from a resolver that never answers", got)
		}
		if len(r.deadlines) != 1 || r.deadlines[0] != lookupTimeout {
			t.Errorf("lookup deadlines %v, want one of %v", r.deadlines, lookupTimeout)
		}
		// A resolver too slow for an address is not asked again at once.
		n.Domain(context.Background(), addr)
		if got := r.callsFor("203.0.113.5"); got != 1 {
			t.Errorf("%d lookups after a timeout, want 1", got)
		}
	})
}

func TestNetworksCallerGivesUp(t *testing.T) {
	r := newFakeResolver(ptrTable)
	n := NewNetworks(r, time.Hour, 100)
	addr := netip.MustParseAddr("203.0.113.5")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := n.Domain(ctx, addr); got != "" {
		t.Errorf("Domain = %q for a caller that gave up", got)
	}
	if got := n.Domain(context.Background(), addr); got != "ocn.ne.jp" {
		t.Errorf("Domain after a caller gave up = %q, want the answer, not a cached failure", got)
	}
}

func TestNetworksSharedLookup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeResolver(ptrTable)
		r.hold = make(chan struct{})
		n := NewNetworks(r, time.Hour, 100)
		addr := netip.MustParseAddr("203.0.113.5")
		results := make([]string, 5)
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() { results[i] = n.Domain(context.Background(), addr) })
		}
		synctest.Wait() // every caller is waiting on the one lookup
		if got := r.callsFor("203.0.113.5"); got != 1 {
			t.Errorf("%d concurrent lookups of one address, want 1", got)
		}
		close(r.hold)
		wg.Wait()
		for i, got := range results {
			if got != "ocn.ne.jp" {
				t.Errorf("caller %d got %q", i, got)
			}
		}
	})
}

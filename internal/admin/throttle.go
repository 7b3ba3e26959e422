package admin

import (
	"net/netip"
	"sync"
	"time"
)

// throttle counts failed sign-ins per client network and refuses a network
// that failed too often within the window. The counts live only in memory
// and only for the window: they are a brake, not a record (the audit trail
// is the record).
type throttle struct {
	limit  int
	window time.Duration

	mu     sync.Mutex
	counts map[netip.Prefix]*failures
}

type failures struct {
	n     int
	start time.Time
}

func newThrottle(limit int, window time.Duration) *throttle {
	return &throttle{limit: limit, window: window, counts: make(map[netip.Prefix]*failures)}
}

// key groups an address with its neighbours that one person controls: the
// address itself for IPv4, the /64 for IPv6, where a single host can pick
// any address of its subnet.
func throttleKey(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := a.BitLen()
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// blocked reports whether the address has used up its failures, and until
// when.
func (t *throttle) blocked(a netip.Addr, now time.Time) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.counts[throttleKey(a)]
	if !ok || now.Sub(f.start) >= t.window {
		return time.Time{}, false
	}
	return f.start.Add(t.window), f.n >= t.limit
}

// fail counts a failed sign-in from the address and reports whether this
// one reached the limit.
func (t *throttle) fail(a netip.Addr, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := throttleKey(a)
	f, ok := t.counts[k]
	if !ok || now.Sub(f.start) >= t.window {
		f = &failures{start: now}
		t.counts[k] = f
	}
	f.n++
	return f.n == t.limit
}

// prune forgets windows that have ended.
func (t *throttle) prune(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, f := range t.counts {
		if now.Sub(f.start) >= t.window {
			delete(t.counts, k)
		}
	}
}

package dsr

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/netip"
	"sync"
	"time"
)

// Limits bound how many requests the form accepts in a sliding window.
type Limits struct {
	// PerAddress is how many requests may name one e-mail address.
	PerAddress int
	// PerNetwork is how many requests may come from one network: one IPv4
	// address or one IPv6 /64.
	PerNetwork int
	// Window is the length of the window.
	Window time.Duration
}

// DefaultLimits returns the limits of three requests an hour for one address and ten from
// one network: enough for a person who mistyped, too few to flood someone's
// mailbox with links.
func DefaultLimits() Limits { return Limits{PerAddress: 3, PerNetwork: 10, Window: time.Hour} }

func (l Limits) validate() error {
	if l.PerAddress < 1 || l.PerNetwork < 1 || l.Window <= 0 {
		return errors.New("dsr: Limits need PerAddress and PerNetwork of 1 or more and a positive Window")
	}
	return nil
}

// limitKind says which limit refused a request.
type limitKind int

const (
	withinLimits limitKind = iota
	addressLimit
	networkLimit
)

// limiter counts recent requests per address and per network, in memory.
// Its keys are HMACs, so the process holds no list of who asked.
type limiter struct {
	secret []byte
	limits Limits

	mu        sync.Mutex
	seen      map[[sha256.Size]byte][]time.Time
	lastSweep time.Time
}

func newLimiter(secret []byte, limits Limits) *limiter {
	return &limiter{secret: secret, limits: limits, seen: make(map[[sha256.Size]byte][]time.Time)}
}

// allow records a request for the normalised address from addr at now,
// unless a limit is reached; it then returns which one and when the oldest
// counted request leaves the window.
func (l *limiter) allow(address string, addr netip.Addr, now time.Time) (limitKind, time.Duration) {
	addrKey := l.key("address", []byte(address))
	netKey := l.key("network", networkOf(addr))

	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= l.limits.Window {
		l.sweep(now)
	}
	if wait, ok := l.full(netKey, l.limits.PerNetwork, now); ok {
		return networkLimit, wait
	}
	if wait, ok := l.full(addrKey, l.limits.PerAddress, now); ok {
		return addressLimit, wait
	}
	l.seen[netKey] = append(l.seen[netKey], now)
	l.seen[addrKey] = append(l.seen[addrKey], now)
	return withinLimits, 0
}

// full drops the times of key that left the window and reports whether
// max remain, with the time until the oldest leaves.
func (l *limiter) full(key [sha256.Size]byte, max int, now time.Time) (time.Duration, bool) {
	times := l.recent(l.seen[key], now)
	if len(times) == 0 {
		delete(l.seen, key)
		return 0, false
	}
	l.seen[key] = times
	if len(times) < max {
		return 0, false
	}
	return times[0].Add(l.limits.Window).Sub(now), true
}

func (l *limiter) recent(times []time.Time, now time.Time) []time.Time {
	cut := 0
	for cut < len(times) && now.Sub(times[cut]) >= l.limits.Window {
		cut++
	}
	return times[cut:]
}

// sweep forgets every key with nothing in the window, so memory follows
// the recent traffic rather than all traffic since start.
func (l *limiter) sweep(now time.Time) {
	for key, times := range l.seen {
		if rest := l.recent(times, now); len(rest) == 0 {
			delete(l.seen, key)
		} else {
			l.seen[key] = rest
		}
	}
	l.lastSweep = now
}

func (l *limiter) key(purpose string, value []byte) [sha256.Size]byte {
	m := hmac.New(sha256.New, l.secret)
	m.Write([]byte("noren dsr limit " + purpose))
	m.Write([]byte{0})
	m.Write(value)
	var out [sha256.Size]byte
	m.Sum(out[:0])
	return out
}

// networkOf is the network a client address is counted under: the address
// itself for IPv4, its /64 for IPv6, where one host usually has a whole
// /64 to pick addresses from.
func networkOf(addr netip.Addr) []byte {
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		b := p.Addr().As16()
		return b[:8]
	}
	b, _ := addr.MarshalBinary()
	return b
}

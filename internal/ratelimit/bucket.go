package ratelimit

import (
	"net/netip"
	"sync"
	"time"
)

// DefaultMaxNetworks bounds the networks a Limiter tracks when New is given
// no bound: about 10 MB of memory.
const DefaultMaxNetworks = 100_000

// sweepFull bounds how often a full Limiter or Memory looks for entries to
// forget.
const sweepFull = time.Second

// Limiter is a token bucket per network: each network may spend burst
// tokens at once, and earns rate tokens a second back up to burst. When the
// day's secret changes, every network starts afresh with a full bucket. It
// is safe for concurrent use.
//
// Its memory is bounded: once it tracks maxNetworks networks it forgets
// those whose bucket is full again, and while it still has no room it lets
// new networks through untracked.
type Limiter struct {
	rate        float64 // tokens a second
	burst       float64
	maxNetworks int
	keys        keyer

	mu        sync.Mutex
	day       time.Time
	buckets   map[Key]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New returns a limiter that lets each network spend burst tokens at once
// and earn rate a second. maxNetworks bounds the networks tracked; 0 means
// DefaultMaxNetworks.
func New(rate float64, burst int, maxNetworks int) *Limiter {
	if maxNetworks <= 0 {
		maxNetworks = DefaultMaxNetworks
	}
	return &Limiter{rate: rate, burst: float64(burst), maxNetworks: maxNetworks}
}

// Per returns the rate of n tokens every d, for New.
func Per(n int, d time.Duration) float64 {
	return float64(n) / d.Seconds()
}

// Allow takes a token from addr's network at now and reports whether it
// had one.
func (l *Limiter) Allow(addr netip.Addr, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(addr, now)
	if b == nil {
		return true
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Spent reports whether addr's network has no token left at now, without
// taking one: for actions whose cost is known only after they are done
// (see Take).
func (l *Limiter) Spent(addr netip.Addr, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(addr, now)
	return b != nil && b.tokens < 1
}

// Take takes a token from addr's network at now, if it has one left.
func (l *Limiter) Take(addr netip.Addr, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.bucket(addr, now); b != nil && b.tokens >= 1 {
		b.tokens--
	}
}

// Len returns the number of networks tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// bucket returns addr's bucket refilled up to now, or nil when the limiter
// has no room to track another network. l.mu must be held.
func (l *Limiter) bucket(addr netip.Addr, now time.Time) *bucket {
	// The buckets of the day before are under a secret no longer used for
	// them: forget them with it.
	if d := utcDay(now); !d.Equal(l.day) || l.buckets == nil {
		l.day = d
		l.buckets = make(map[Key]*bucket)
	}
	in := networkBytes(addr)
	k := l.keys.key(now, in[:])
	b := l.buckets[k]
	if b == nil {
		if len(l.buckets) >= l.maxNetworks && !l.sweep(now) {
			return nil
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[k] = b
		return b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed.Seconds()*l.rate)
		b.at = now
	}
	return b
}

// sweep forgets the networks whose bucket has filled up again, at most
// once every sweepFull, and reports whether there is room now.
func (l *Limiter) sweep(now time.Time) bool {
	if now.Sub(l.lastSweep) < sweepFull {
		return false
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	return len(l.buckets) < l.maxNetworks
}

// networkBytes is addr's Network as the limiter's HMAC input: the
// network's address and its length, without allocating.
func networkBytes(addr netip.Addr) [17]byte {
	var in [17]byte
	if p := Network(addr); p.IsValid() {
		a := p.Addr().As16()
		copy(in[:16], a[:])
		in[16] = byte(p.Bits())
	}
	return in
}

// Package ratelimit limits how often a network may do something, without
// keeping its address.
//
// A network is an IPv4 /24 or an IPv6 /48, the blocks one household,
// office or hosting customer usually holds, so that hopping between the
// addresses of one block gains nothing. It is known only by an HMAC under a
// random key held in memory and replaced every UTC day: the limiter never
// holds an address, and yesterday's entries cannot be linked to today's.
// When the key changes, every network starts afresh with a full bucket.
package ratelimit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"hash"
	"net/netip"
	"sync"
	"time"
)

// DefaultMaxNetworks bounds the networks a Limiter tracks when New is given
// no bound: about 10 MB of memory.
const DefaultMaxNetworks = 100_000

// sweepEvery bounds how often a full Limiter looks for entries to forget.
const sweepEvery = time.Second

// Limiter is a token bucket per network: each network may spend burst
// tokens at once, and earns rate tokens a second back up to burst. It is
// safe for concurrent use.
//
// Its memory is bounded: once it tracks maxNetworks networks it forgets
// those whose bucket is full again, and while it still has no room it lets
// new networks through untracked rather than refuse people it cannot tell
// apart from an attacker. Whatever sits behind the limiter must therefore
// have a bound of its own (a queue, a pool) for floods from very many
// networks.
type Limiter struct {
	rate        float64 // tokens a second
	burst       float64
	maxNetworks int

	mu        sync.Mutex
	date      string
	mac       hash.Hash
	sum       []byte
	buckets   map[[16]byte]*bucket
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
	l.turn(now)
	k := l.key(addr)
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

// turn starts a new key and forgets every network when the UTC date has
// changed.
func (l *Limiter) turn(now time.Time) {
	date := now.UTC().Format(time.DateOnly)
	if date == l.date {
		return
	}
	key := make([]byte, 32)
	rand.Read(key)
	l.date = date
	l.mac = hmac.New(sha256.New, key)
	l.buckets = make(map[[16]byte]*bucket)
}

// sweep forgets the networks whose bucket has filled up again, at most
// once every sweepEvery, and reports whether there is room now.
func (l *Limiter) sweep(now time.Time) bool {
	if now.Sub(l.lastSweep) < sweepEvery {
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

// key is the HMAC of addr's network under the day's key.
func (l *Limiter) key(addr netip.Addr) [16]byte {
	var in [17]byte
	if p, ok := Network(addr); ok {
		a := p.Addr().As16()
		copy(in[:16], a[:])
		in[16] = byte(p.Bits())
	}
	l.mac.Reset()
	l.mac.Write(in[:])
	l.sum = l.mac.Sum(l.sum[:0])
	var k [16]byte
	copy(k[:], l.sum)
	return k
}

// Network returns the block addr is counted under: its /24 for IPv4
// (IPv4-mapped IPv6 included), its /48 for IPv6. It reports false for an
// invalid address, which all count as one network.
func Network(addr netip.Addr) (netip.Prefix, bool) {
	if !addr.IsValid() {
		return netip.Prefix{}, false
	}
	addr = addr.Unmap().WithZone("")
	bits := 48
	if addr.Is4() {
		bits = 24
	}
	p, err := addr.Prefix(bits)
	return p, err == nil
}

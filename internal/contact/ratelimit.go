package contact

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net/netip"
	"sync"
	"time"

	"github.com/noren-web/noren/internal/server"
)

// limiter counts submissions per network (the /24 of an IPv4 address, the
// /48 of an IPv6 one) over a sliding window. It never holds an address:
// a network is known only by an HMAC under a random key of the day, held in
// memory and dropped the day after, and a network's entry goes once its last
// submission is older than the window.
type limiter struct {
	limit  int
	window time.Duration

	mu sync.Mutex
	// days holds today's key and counts, then yesterday's: a window that
	// spans midnight counts under both.
	days      [2]limiterDay
	lastSweep time.Time
}

type limiterDay struct {
	date string
	key  []byte
	hits map[[16]byte][]time.Time
}

func newLimiter(limit int, window time.Duration) *limiter {
	return &limiter{limit: limit, window: window}
}

// full reports whether addr's network has reached the limit at now.
func (l *limiter) full(addr netip.Addr, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.turn(now)
	network := server.MaskAddr(addr)
	n := 0
	for i := range l.days {
		d := &l.days[i]
		if d.key == nil {
			continue
		}
		k := d.entry(network)
		d.hits[k] = recent(d.hits[k], now.Add(-l.window))
		if len(d.hits[k]) == 0 {
			delete(d.hits, k)
		}
		n += len(d.hits[k])
	}
	return n >= l.limit
}

// add counts one submission from addr's network at now.
func (l *limiter) add(addr netip.Addr, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.turn(now)
	d := &l.days[0]
	k := d.entry(server.MaskAddr(addr))
	d.hits[k] = append(d.hits[k], now)
}

// turn starts a new day's key when the date has changed, forgetting the
// day before yesterday's, and drops entries older than the window.
func (l *limiter) turn(now time.Time) {
	date := now.UTC().Format(time.DateOnly)
	if l.days[0].date != date {
		key := make([]byte, 32)
		rand.Read(key)
		l.days[1] = l.days[0]
		l.days[0] = limiterDay{date: date, key: key, hits: make(map[[16]byte][]time.Time)}
	}
	if now.Sub(l.lastSweep) < l.window {
		return
	}
	l.lastSweep = now
	since := now.Add(-l.window)
	for i := range l.days {
		for k, times := range l.days[i].hits {
			if times = recent(times, since); len(times) == 0 {
				delete(l.days[i].hits, k)
			} else {
				l.days[i].hits[k] = times
			}
		}
	}
}

// entry is the key a network is counted under on this day.
func (d *limiterDay) entry(network string) [16]byte {
	h := hmac.New(sha256.New, d.key)
	h.Write([]byte(network))
	var k [16]byte
	copy(k[:], h.Sum(nil))
	return k
}

// recent returns the times after since; times is in order.
func recent(times []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(times) && !times[i].After(since) {
		i++
	}
	return times[i:]
}

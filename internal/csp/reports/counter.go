package reports

import (
	"sync"
	"time"
)

// DefaultMaxKeys is how many distinct keys a Counter holds between two
// flushes.
const DefaultMaxKeys = 5000

// Count is how often one key was reported in a period, and when first
// and last.
type Count struct {
	N           int64
	First, Last time.Time
}

// Counter counts reports in memory between flushes. It holds at most its
// cap of distinct keys; reports under further keys add to one overflow
// count, so that a flood of forged hosts or paths costs a fixed amount of
// memory. It is safe for concurrent use.
type Counter struct {
	max int

	mu       sync.Mutex
	counts   map[Key]*Count
	overflow Count
}

// NewCounter returns a counter of at most maxKeys keys between flushes;
// maxKeys <= 0 means DefaultMaxKeys.
func NewCounter(maxKeys int) *Counter {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	return &Counter{max: maxKeys, counts: make(map[Key]*Count)}
}

// Add counts one report under k at now. It reports false when k was
// counted in the overflow.
func (c *Counter) Add(k Key, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.counts[k]
	if n == nil {
		if len(c.counts) >= c.max {
			add(&c.overflow, now)
			return false
		}
		n = &Count{}
		c.counts[k] = n
	}
	add(n, now)
	return true
}

func add(n *Count, now time.Time) {
	if n.N == 0 || now.Before(n.First) {
		n.First = now
	}
	if now.After(n.Last) {
		n.Last = now
	}
	n.N++
}

// Len returns the number of distinct keys held.
func (c *Counter) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.counts)
}

// Take empties the counter and returns what it held. Only the swap is
// done under the lock, so reports keep being counted while the caller
// writes what it took.
func (c *Counter) Take() (counts map[Key]*Count, overflow Count) {
	fresh := make(map[Key]*Count, 64)
	c.mu.Lock()
	counts, overflow = c.counts, c.overflow
	c.counts, c.overflow = fresh, Count{}
	c.mu.Unlock()
	return counts, overflow
}

// Package clocktest gives tests a clock that moves only when they move it,
// to hand to code that takes its time from a func() time.Time.
package clocktest

import (
	"sync"
	"time"
)

// Clock is a settable time, safe for concurrent use: the code under test
// may read it from its own goroutines while the test moves it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a Clock reading t.
func New(t time.Time) *Clock {
	return &Clock{t: t}
}

// Now returns the clock's time; pass the method value c.Now as the clock
// of the code under test.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t, forwards or back.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

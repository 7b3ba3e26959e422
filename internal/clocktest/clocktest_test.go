package clocktest

import (
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	c := New(start)
	now := c.Now
	if got := now(); !got.Equal(start) {
		t.Fatalf("Now = %v, want %v", got, start)
	}
	c.Advance(90 * time.Second)
	if got, want := now(), start.Add(90*time.Second); !got.Equal(want) {
		t.Errorf("after Advance, Now = %v, want %v", got, want)
	}
	c.Set(start.Add(-time.Hour))
	if got, want := now(), start.Add(-time.Hour); !got.Equal(want) {
		t.Errorf("after Set, Now = %v, want %v", got, want)
	}
}

// TestClockConcurrent is for the race detector: the code under test reads
// the clock from its goroutines while the test moves it.
func TestClockConcurrent(t *testing.T) {
	c := New(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				c.Now()
			}
		})
	}
	for range 100 {
		c.Advance(time.Second)
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(time.Unix(100, 0)) {
		t.Errorf("Now = %v after 100 seconds, want %v", got, time.Unix(100, 0))
	}
}

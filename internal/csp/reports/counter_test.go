package reports

import (
	"fmt"
	"testing"
	"time"
)

// TestCounterBounded counts 100,000 distinct keys into a counter of 5,000:
// it holds 5,000 keys, the rest land in the overflow, and taking empties it.
func TestCounterBounded(t *testing.T) {
	c := NewCounter(DefaultMaxKeys)
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	const distinct = 100_000
	for i := range distinct {
		c.Add(Key{Host: fmt.Sprintf("h%d.example", i), Directive: "img-src", Path: "/"}, start.Add(time.Duration(i)*time.Millisecond))
	}
	// Keys already held still count in full once the table is full.
	k0 := Key{Host: "h0.example", Directive: "img-src", Path: "/"}
	if !c.Add(k0, start) {
		t.Error("a key already held was counted in the overflow")
	}
	if n := c.Len(); n != DefaultMaxKeys {
		t.Fatalf("%d keys held, want %d", n, DefaultMaxKeys)
	}
	counts, overflow := c.Take()
	if len(counts) != DefaultMaxKeys || overflow.N != distinct-DefaultMaxKeys {
		t.Errorf("took %d keys and an overflow of %d", len(counts), overflow.N)
	}
	if counts[k0].N != 2 {
		t.Errorf("first key counted %d times, want 2", counts[k0].N)
	}
	if !overflow.First.Equal(start.Add(DefaultMaxKeys*time.Millisecond)) || !overflow.Last.Equal(start.Add((distinct-1)*time.Millisecond)) {
		t.Errorf("overflow from %v to %v", overflow.First, overflow.Last)
	}
	if c.Len() != 0 {
		t.Errorf("%d keys left after Take", c.Len())
	}
}

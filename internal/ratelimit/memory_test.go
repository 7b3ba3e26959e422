package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestMemoryBounded(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	const bound = 100
	m := NewMemory(bound)
	w := NewWindow(2, time.Minute, m)
	subject := func(i int) string { return fmt.Sprintf("10.%d.%d.0/24", i>>8, i&0xff) }

	// Checks alone hold nothing.
	for i := range 1000 {
		if _, err := w.Check(t.Context(), subject(i), t0); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(m.entries); n != 0 {
		t.Fatalf("checks made %d entries", n)
	}

	for i := range 1000 {
		if _, err := w.Add(t.Context(), subject(i), t0); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(m.entries); n > bound {
		t.Fatalf("holds %d keys, bound %d", n, bound)
	}
	// An untracked subject is let through, event after event.
	for range 3 {
		if v, _ := w.Add(t.Context(), subject(999), t0); v.Full {
			t.Fatal("an untracked subject refused")
		}
	}
	// A tracked one still is limited.
	if v, _ := w.Add(t.Context(), subject(0), t0); !v.Full {
		t.Error("a tracked subject not limited while the store is full")
	}

	// Once their windows have ended, the old keys go and new ones are held.
	later := t0.Add(2 * time.Minute)
	for i := 1000; i < 1000+bound; i++ {
		if _, err := w.Add(t.Context(), subject(i), later); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := w.Add(t.Context(), subject(1050), later); !v.Full {
		t.Error("a subject held after the sweep is not limited")
	}
	if n := len(m.entries); n > bound {
		t.Errorf("holds %d keys, bound %d", n, bound)
	}
}

func TestMemorySweepsEnded(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	m := NewMemory(0)
	w := NewWindow(5, time.Second, m)
	for i := range 50 {
		w.Add(t.Context(), fmt.Sprint(i), t0)
	}
	// Short of full, the store forgets ended windows every sweepEvery.
	w.Add(t.Context(), "last", t0.Add(sweepEvery))
	if n := len(m.entries); n != 1 {
		t.Errorf("holds %d keys after the sweep, want only the new one", n)
	}
}

func TestCountsAt(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	c := Counts{Start: t0, Current: 4, Previous: 2}
	for _, tt := range []struct {
		at   time.Duration
		want Counts
	}{
		{0, c},
		{59 * time.Second, c},
		{time.Minute, Counts{Start: t0.Add(time.Minute), Previous: 4}},
		{119 * time.Second, Counts{Start: t0.Add(time.Minute), Previous: 4}},
		{2 * time.Minute, Counts{}},
		{-time.Second, c},
	} {
		if got := c.At(t0.Add(tt.at), time.Minute); got != tt.want {
			t.Errorf("At(+%v) = %+v, want %+v", tt.at, got, tt.want)
		}
	}
	if got := (Counts{}).At(t0, time.Minute); got != (Counts{}) {
		t.Errorf("zero Counts moved to %+v", got)
	}
}

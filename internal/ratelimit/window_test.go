package ratelimit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// step is one call on a Window and the verdict it must give.
type step struct {
	at      time.Duration // after the scenario's start
	add     bool
	subject string
	full    bool
	reached bool
	retry   time.Duration
}

// scenario is a sequence of calls on a fresh Window of limit per window.
type scenario struct {
	name   string
	start  time.Time
	limit  int
	window time.Duration
	steps  []step
}

// windowScenarios are the behaviour every Window must show, whatever keeps
// its counts.
func windowScenarios() []scenario {
	noon := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	lateEvening := time.Date(2026, 12, 7, 23, 58, 0, 0, time.UTC)
	const a, b = "203.0.113.0/24", "198.51.100.0/24"
	return []scenario{
		{"limit within the window", noon, 3, 10 * time.Minute, []step{
			{at: 0, subject: a},
			{at: 0, add: true, subject: a},
			{at: time.Minute, add: true, subject: a},
			{at: 2 * time.Minute, add: true, subject: a, full: true, reached: true, retry: 8 * time.Minute},
			{at: 2 * time.Minute, subject: a, full: true, retry: 8 * time.Minute},
			{at: 2 * time.Minute, subject: b},
			{at: 9 * time.Minute, subject: a, full: true, retry: time.Minute},
		}},
		{"the window before counts for its share", noon, 3, 10 * time.Minute, []step{
			{at: 0, add: true, subject: a},
			{at: 0, add: true, subject: a},
			{at: 0, add: true, subject: a, full: true, reached: true, retry: 10 * time.Minute},
			// A window on, all three are still within one window.
			{at: 10 * time.Minute, subject: a, full: true},
			// A minute more, 2.7 are: one more is allowed, and then the
			// count falls below 3 once 2 of the 3 are: 13m20s.
			{at: 11 * time.Minute, subject: a},
			{at: 11 * time.Minute, add: true, subject: a, full: true, reached: true, retry: 2*time.Minute + 20*time.Second},
			{at: 13*time.Minute + 21*time.Second, subject: a},
		}},
		{"past the limit, the wait runs into the next window", noon, 2, time.Hour, []step{
			{at: 0, add: true, subject: a},
			{at: 0, add: true, subject: a, full: true, reached: true, retry: time.Hour},
			{at: 0, add: true, subject: a, full: true, retry: time.Hour + 20*time.Minute},
		}},
		{"two windows without events start afresh", noon, 1, time.Minute, []step{
			{at: 0, add: true, subject: a, full: true, reached: true, retry: time.Minute},
			{at: 2 * time.Minute, subject: a},
			{at: 2 * time.Minute, add: true, subject: a, full: true, reached: true, retry: time.Minute},
		}},
		{"a window spanning midnight counts on both days", lateEvening, 3, 10 * time.Minute, []step{
			{at: 0, add: true, subject: a},
			{at: 0, add: true, subject: a},
			{at: 0, add: true, subject: a, full: true, reached: true, retry: 10 * time.Minute},
			{at: 3 * time.Minute, subject: a, full: true, retry: 7 * time.Minute},
			{at: 3 * time.Minute, add: true, subject: b},
			{at: 11 * time.Minute, subject: a},
		}},
	}
}

func TestWindow(t *testing.T) {
	for _, sc := range windowScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			sc.run(t, NewWindow(sc.limit, sc.window, NewMemory(0)))
		})
	}
}

// run makes the scenario's calls on w, which must be fresh.
func (sc scenario) run(t *testing.T, w *Window) {
	t.Helper()
	for i, s := range sc.steps {
		call := w.Check
		if s.add {
			call = w.Add
		}
		v, err := call(t.Context(), s.subject, sc.start.Add(s.at))
		if err != nil {
			t.Fatal(err)
		}
		want := Verdict{Full: s.full, Reached: s.reached, Retry: s.retry}
		if v != want {
			t.Errorf("step %d (add %v at %v): %+v, want %+v", i+1, s.add, s.at, v, want)
		}
	}
}

type brokenStore struct{}

var errBroken = errors.New("store unreachable")

func (brokenStore) Count(context.Context, Key, time.Time, time.Duration) (Counts, error) {
	return Counts{}, errBroken
}

func (brokenStore) Add(context.Context, Key, time.Time, time.Duration) (Counts, error) {
	return Counts{}, errBroken
}

func TestWindowStoreError(t *testing.T) {
	w := NewWindow(1, time.Minute, brokenStore{})
	for _, call := range []func(context.Context, string, time.Time) (Verdict, error){w.Check, w.Add} {
		v, err := call(t.Context(), "subject", time.Now())
		if !errors.Is(err, errBroken) || v.Full {
			t.Errorf("verdict %+v, error %v: want not full and the store's error", v, err)
		}
	}
}

func TestWindowConcurrent(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	w := NewWindow(1000, time.Hour, NewMemory(0))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if _, err := w.Add(t.Context(), "subject", now); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	v, err := w.Add(t.Context(), "subject", now)
	if err != nil || v.Full {
		t.Fatalf("801st event: %+v, %v; want room", v, err)
	}
	for range 199 {
		v, _ = w.Add(t.Context(), "subject", now)
	}
	if !v.Reached {
		t.Errorf("the 1000th event did not reach the limit: %+v", v)
	}
}

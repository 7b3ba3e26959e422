package ratelimit

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Store keeps the counts of a Window. Memory is the one in the process; a
// Store shared by several processes lets them count together, provided
// they also share the secret of the day.
type Store interface {
	// Count returns key's Counts for windows of length window as they
	// stand at now (see Counts.At), without counting anything.
	Count(ctx context.Context, key Key, now time.Time, window time.Duration) (Counts, error)
	// Add counts one event of key at now and returns key's Counts with
	// it: a key whose Counts are zero at now starts its windows at now.
	Add(ctx context.Context, key Key, now time.Time, window time.Duration) (Counts, error)
}

// Counts are the events of a key in its current fixed window and in the
// window before.
type Counts struct {
	// Start is when the current window began: at the key's first event,
	// then one window after another while events keep coming.
	Start             time.Time
	Current, Previous int
}

// At returns c as they stand at now: moved on by one window when the
// current one has ended, and zero when the next one has ended too, so that
// the key's next event starts its windows afresh.
func (c Counts) At(now time.Time, window time.Duration) Counts {
	switch ended := now.Sub(c.Start) / window; {
	case c.Current == 0 && c.Previous == 0:
		return Counts{}
	case ended < 1:
		return c
	case ended == 1 && c.Current > 0:
		return Counts{Start: c.Start.Add(window), Previous: c.Current}
	default:
		return Counts{}
	}
}

// estimate is how many of the events c counts fall within the window
// ending at now, taking those of the previous window as spread evenly
// over it.
func (c Counts) estimate(now time.Time, window time.Duration) float64 {
	elapsed := min(max(now.Sub(c.Start), 0), window)
	return float64(c.Previous)*float64(window-elapsed)/float64(window) + float64(c.Current)
}

// Window allows each subject limit events in any window of time. It is
// safe for concurrent use.
//
// It counts with the sliding-window counter: a subject's events fall into
// fixed windows that start at its first event, and its count at a moment
// is that of the current window plus that of the window before, weighted
// by the share of it still within one window of the moment. Two numbers
// per subject suffice whatever its rate, at the price of an estimate:
// events bunched at the end of one window and the start of the next may
// reach up to twice limit within one window's time when each was checked
// first, never more.
//
// Subjects are counted under HMAC keys of the day (see the package doc),
// so a window longer than a day counts only the events of the last day or
// two.
type Window struct {
	limit  int
	window time.Duration
	store  Store
	keys   *keyer
	// local, when set, is a Window of the same limit in memory that every
	// event meets first (see the package doc, Shared).
	local *Window
}

// NewWindow returns a Window of limit events per window whose counts are
// kept in store, under secrets of the day drawn in memory.
func NewWindow(limit int, window time.Duration, store Store) *Window {
	return &Window{limit: limit, window: window, store: store, keys: &keyer{}}
}

// Verdict is what a Window says of a subject at a moment.
type Verdict struct {
	// Full reports that the subject has used its events: one more would
	// be past the limit.
	Full bool
	// Reached reports, from Add, that the event just counted made the
	// subject Full.
	Reached bool
	// Retry is how long a Full subject has to wait, counting nothing
	// more, before it has room again: it has from just after then.
	Retry time.Duration
}

// Check returns the verdict on subject at now, counting nothing.
//
// When the store fails, the error comes with the verdict of the Window in
// memory in front of it, if there is one, and else with a verdict of not
// Full.
func (w *Window) Check(ctx context.Context, subject string, now time.Time) (Verdict, error) {
	var local Verdict
	if w.local != nil {
		var err error
		if local, err = w.local.Check(ctx, subject, now); err != nil || local.Full {
			return local, err
		}
	}
	counts, err := w.counts(ctx, subject, now, false)
	if err != nil {
		return local, err
	}
	return w.verdict(counts, now, false), nil
}

// Add counts one event of subject at now, whether or not it is Full, and
// returns the verdict with it. An event the Window in memory in front of
// the store already refused is counted there alone.
//
// When the store fails, the error comes with the verdict as Check's does.
func (w *Window) Add(ctx context.Context, subject string, now time.Time) (Verdict, error) {
	var local Verdict
	if w.local != nil {
		var err error
		local, err = w.local.Add(ctx, subject, now)
		if err != nil || (local.Full && !local.Reached) {
			return local, err
		}
	}
	counts, err := w.counts(ctx, subject, now, true)
	if err != nil {
		return local, err
	}
	return w.verdict(counts, now, true), nil
}

// counts returns subject's Counts under the keys of today and, while it is
// kept, of the day before, adding an event under today's when add is set.
func (w *Window) counts(ctx context.Context, subject string, now time.Time, add bool) ([]Counts, error) {
	today, yesterday, ok, err := w.keys.keys(ctx, now, []byte(subject))
	if err != nil {
		return nil, err
	}
	count := w.store.Count
	if add {
		count = w.store.Add
	}
	c, err := count(ctx, today, now, w.window)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: count events: %w", err)
	}
	counts := []Counts{c}
	if ok {
		c, err := w.store.Count(ctx, yesterday, now, w.window)
		if err != nil {
			return nil, fmt.Errorf("ratelimit: count events of the day before: %w", err)
		}
		counts = append(counts, c)
	}
	return counts, nil
}

func (w *Window) verdict(counts []Counts, now time.Time, added bool) Verdict {
	limit := float64(w.limit)
	n := w.estimate(counts, now)
	v := Verdict{Full: n >= limit}
	v.Reached = added && v.Full && n-1 < limit
	if v.Full {
		v.Retry = w.retry(counts, now, n)
	}
	return v
}

func (w *Window) estimate(counts []Counts, at time.Time) float64 {
	n := 0.0
	for _, c := range counts {
		n += c.At(at, w.window).estimate(at, w.window)
	}
	return n
}

// retry returns how long after now the estimate n falls below the limit
// with no more events. The estimate falls linearly between the ends of the
// windows of counts and is zero after the last, so the moment lies on the
// first stretch that ends below the limit.
func (w *Window) retry(counts []Counts, now time.Time, n float64) time.Duration {
	limit := float64(w.limit)
	var ends []time.Time
	for _, c := range counts {
		for _, end := range []time.Time{c.Start.Add(w.window), c.Start.Add(2 * w.window)} {
			if !c.Start.IsZero() && end.After(now) {
				ends = append(ends, end)
			}
		}
	}
	slices.SortFunc(ends, time.Time.Compare)
	from, fromN := now, n
	for _, end := range ends {
		endN := w.estimate(counts, end)
		if endN < limit {
			share := (fromN - limit) / (fromN - endN)
			return from.Add(time.Duration(share * float64(end.Sub(from)))).Sub(now)
		}
		from, fromN = end, endN
	}
	return from.Sub(now)
}

package ratelimit

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxKeys bounds the keys a Memory holds when NewMemory is given no
// bound: about 10 MB.
const DefaultMaxKeys = 100_000

// sweepEvery bounds how often a Memory that is not full forgets the keys
// whose windows have ended, so that its size follows recent traffic.
const sweepEvery = time.Minute

// Memory is a Store in the memory of the process: its counts end with the
// process and are not shared with others. It is safe for concurrent use.
//
// Its memory is bounded: once it holds maxKeys keys it forgets those whose
// windows have ended, and while it still has no room it counts the event
// of a new key without keeping it. That key is then let through as if each
// of its events were its first, rather than refused for the traffic of
// others. Checking a key it does not hold adds nothing.
type Memory struct {
	maxKeys int

	mu        sync.Mutex
	entries   map[Key]entry
	lastSweep time.Time
}

type entry struct {
	counts Counts
	window time.Duration
}

// NewMemory returns an empty Memory holding at most maxKeys keys; 0 means
// DefaultMaxKeys.
func NewMemory(maxKeys int) *Memory {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	return &Memory{maxKeys: maxKeys, entries: make(map[Key]entry)}
}

// Count returns key's Counts at now.
func (m *Memory) Count(_ context.Context, key Key, now time.Time, window time.Duration) (Counts, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.entries[key].counts.At(now, window), nil
}

// Add counts an event of key at now and returns key's Counts with it.
func (m *Memory) Add(_ context.Context, key Key, now time.Time, window time.Duration) (Counts, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	e, held := m.entries[key]
	c := e.counts.At(now, window)
	if c.Start.IsZero() {
		c.Start = now
	}
	c.Current++
	if held || len(m.entries) < m.maxKeys {
		m.entries[key] = entry{counts: c, window: window}
	}
	return c, nil
}

// sweep forgets the keys whose windows have all ended, at most once every
// sweepEvery, or every sweepFull while m is full. m.mu must be held.
func (m *Memory) sweep(now time.Time) {
	since := now.Sub(m.lastSweep)
	if since < sweepFull || (len(m.entries) < m.maxKeys && since < sweepEvery) {
		return
	}
	m.lastSweep = now
	for k, e := range m.entries {
		if e.counts.At(now, e.window).Start.IsZero() {
			delete(m.entries, k)
		}
	}
}

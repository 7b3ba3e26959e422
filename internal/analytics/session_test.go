package analytics

import (
	"net/netip"
	"testing"
	"time"
)

func mustAddr(t testing.TB, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSessions(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := newSessions(100, sessionIdle)
	first := s.session(1, start)
	if got := s.session(1, start.Add(29*time.Minute)); got != first {
		t.Errorf("an event 29 minutes on started a new visit")
	}
	// 29 minutes after the previous event, 58 after the first: still the
	// same visit, as the idle time counts from the last event.
	if got := s.session(1, start.Add(58*time.Minute)); got != first {
		t.Errorf("an event 29 minutes after the last started a new visit")
	}
	second := s.session(1, start.Add(58*time.Minute+sessionIdle+time.Second))
	if second == first {
		t.Errorf("an event over 30 minutes after the last kept the visit")
	}
	if other := s.session(2, start.Add(2*time.Hour)); other == second || other == first {
		t.Errorf("another visitor joined a visit")
	}
	// Visitor 1's entry has expired by now: only visitor 2 is left.
	if n := s.len(); n != 1 {
		t.Errorf("%d visitors remembered, want 1", n)
	}
}

// TestSessionsBounded fills the table past its bound: the visitors seen
// longest ago are forgotten first, and the table never grows past it.
func TestSessionsBounded(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := newSessions(3, sessionIdle)
	ids := make(map[uint64]uint64)
	for v := uint64(1); v <= 3; v++ {
		ids[v] = s.session(v, start)
	}
	s.session(1, start.Add(time.Second)) // 1 is now the most recent
	s.session(4, start.Add(2*time.Second))
	if n := s.len(); n != 3 {
		t.Fatalf("%d visitors remembered, want the bound of 3", n)
	}
	if got := s.session(1, start.Add(3*time.Second)); got != ids[1] {
		t.Errorf("visitor 1, seen recently, lost its visit")
	}
	if got := s.session(3, start.Add(4*time.Second)); got != ids[3] {
		t.Errorf("visitor 3 lost its visit; visitor 2 was the one seen longest ago")
	}
	if got := s.session(2, start.Add(5*time.Second)); got == ids[2] {
		t.Errorf("visitor 2 kept its visit though it was forgotten")
	}
	if n := s.len(); n != 3 {
		t.Errorf("%d visitors remembered, want 3", n)
	}
}

// TestSessionsReuseNodes runs many short visits through a small table:
// freed entries are reused, so memory stays at the table's high-water mark.
func TestSessionsReuseNodes(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := newSessions(1000, sessionIdle)
	for i := range 10_000 {
		s.session(uint64(i), start.Add(time.Duration(i)*time.Minute))
	}
	if n := s.len(); n > 31 {
		t.Errorf("%d visitors remembered, want at most the last 30 minutes' 31", n)
	}
	if n := len(s.nodes); n > 32 {
		t.Errorf("%d nodes allocated for at most 31 visitors at once", n)
	}
}

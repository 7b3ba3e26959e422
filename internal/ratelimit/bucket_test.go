package ratelimit

import (
	"net/netip"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	a := netip.MustParseAddr("203.0.113.7")
	neighbour := netip.MustParseAddr("203.0.113.200")
	other := netip.MustParseAddr("198.51.100.1")
	v6 := netip.MustParseAddr("2001:db8:1:2::1")
	v6neighbour := netip.MustParseAddr("2001:db8:1:ffff::9")
	mapped := netip.MustParseAddr("::ffff:203.0.113.9")

	l := New(1, 3, 0)
	for i := range 3 {
		if !l.Allow(a, t0) {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	for _, addr := range []netip.Addr{a, neighbour, mapped} {
		if l.Allow(addr, t0) {
			t.Errorf("%s: allowed past the burst of its /24", addr)
		}
	}
	if !l.Allow(other, t0) {
		t.Error("another network refused")
	}
	if !l.Allow(a, t0.Add(time.Second)) {
		t.Error("no token earned back after a second")
	}
	if l.Allow(a, t0.Add(time.Second)) {
		t.Error("more than one token earned in a second")
	}
	if !l.Allow(a, t0.Add(time.Hour)) {
		t.Error("refused an hour later")
	}
	for range 3 {
		l.Allow(v6, t0)
	}
	if l.Allow(v6neighbour, t0) {
		t.Error("IPv6 address of the same /48 allowed past the burst")
	}
	// A new UTC day forgets everything.
	for range 5 {
		l.Allow(a, t0.Add(2*time.Hour))
	}
	if !l.Allow(a, time.Date(2026, 12, 8, 0, 0, 1, 0, time.UTC)) {
		t.Error("refused after the key of a new day")
	}
}

func TestSpentTake(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	a := netip.MustParseAddr("192.0.2.1")
	l := New(Per(2, time.Hour), 2, 0)
	for i := range 2 {
		if l.Spent(a, t0) {
			t.Fatalf("spent after %d takes", i)
		}
		l.Take(a, t0)
	}
	if !l.Spent(a, t0) {
		t.Fatal("not spent after the burst")
	}
	l.Take(a, t0) // never goes below zero
	if l.Spent(a, t0.Add(30*time.Minute)) {
		t.Error("still spent once a token is earned back")
	}
}

func TestBoundedMemory(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	l := New(1, 1, 100)
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1}) }
	for i := range 1000 {
		l.Allow(addr(i), t0)
	}
	if n := l.Len(); n > 100 {
		t.Fatalf("tracks %d networks, bound 100", n)
	}
	// Untracked networks are let through rather than refused.
	if !l.Allow(addr(999), t0) {
		t.Error("untracked network refused")
	}
	// Once their buckets have filled up again, the old entries go.
	for i := 1000; i < 1100; i++ {
		l.Allow(addr(i), t0.Add(time.Minute))
	}
	if l.Allow(addr(1050), t0.Add(time.Minute)) {
		t.Error("a network tracked after the sweep is not limited")
	}
}

func BenchmarkAllow(b *testing.B) {
	l := New(50, 500, 0)
	t0 := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		l.Allow(netip.AddrFrom4([4]byte{203, 0, byte(i >> 8), byte(i)}), t0)
	}
}

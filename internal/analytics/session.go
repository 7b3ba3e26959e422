package analytics

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Session defaults.
const (
	// sessionIdle is how long a visit lasts without an event.
	sessionIdle = 30 * time.Minute
	// defaultMaxSessions bounds the session table: about 48 bytes an
	// entry, so some 50 MB at the bound.
	defaultMaxSessions = 1_000_000
)

// sessions groups each visitor's events into visits: an event more than
// sessionIdle after the visitor's previous one starts a new visit with a
// new random id. The table lives in memory only and forgets a visitor
// sessionIdle after their last event; when full, it forgets the visitor
// seen longest ago, whose next event then starts a new visit.
//
// The table is per process. Several collector instances behind a load
// balancer should route by source address, so that one visitor's events
// reach one instance; otherwise a visit spread over instances is counted
// once on each, and visit counts come out somewhat high (visitor counts
// are unaffected, as the salt is shared).
//
// Entries sit in a slice linked in order of last use, with a map from
// visitor to index: neither holds a pointer, so a full table costs the
// garbage collector nothing to scan.
type sessions struct {
	mu    sync.Mutex
	idx   map[uint64]int32
	nodes []sessionNode
	head  int32 // least recently seen, or none
	tail  int32 // most recently seen, or none
	free  int32 // first unused node, or none
	max   int
	idle  time.Duration
}

// none marks the end of a list of session nodes.
const none int32 = -1

type sessionNode struct {
	visitor    uint64
	session    uint64
	last       int64 // Unix nanoseconds of the visitor's last event
	prev, next int32
}

func newSessions(maxEntries int, idle time.Duration) *sessions {
	if maxEntries <= 0 {
		maxEntries = defaultMaxSessions
	}
	return &sessions{
		idx:  make(map[uint64]int32),
		head: none, tail: none, free: none,
		max:  maxEntries,
		idle: idle,
	}
}

// session returns the id of the visit that visitor's event at now belongs
// to, starting a visit when the last one has ended.
func (s *sessions) session(visitor uint64, now time.Time) uint64 {
	t := now.UnixNano()
	idle := int64(s.idle)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(t - idle)
	if i, ok := s.idx[visitor]; ok {
		n := &s.nodes[i]
		if t-n.last > idle {
			n.session = rand.Uint64()
		}
		// Events handled out of order must not move a visit back.
		n.last = max(n.last, t)
		s.unlink(i)
		s.pushBack(i)
		return n.session
	}
	if len(s.idx) >= s.max {
		s.remove(s.head)
	}
	i := s.alloc()
	s.nodes[i] = sessionNode{visitor: visitor, session: rand.Uint64(), last: t}
	s.idx[visitor] = i
	s.pushBack(i)
	return s.nodes[i].session
}

// len returns the number of visitors remembered.
func (s *sessions) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.idx)
}

// expire forgets the visitors last seen at or before cutoff. The list is
// in order of last use, which is the order of last event but for events
// handled concurrently, so it stops at the first visitor still active.
func (s *sessions) expire(cutoff int64) {
	for s.head != none && s.nodes[s.head].last <= cutoff {
		s.remove(s.head)
	}
}

func (s *sessions) remove(i int32) {
	delete(s.idx, s.nodes[i].visitor)
	s.unlink(i)
	s.nodes[i] = sessionNode{prev: none, next: s.free}
	s.free = i
}

func (s *sessions) alloc() int32 {
	if s.free != none {
		i := s.free
		s.free = s.nodes[i].next
		return i
	}
	s.nodes = append(s.nodes, sessionNode{})
	return int32(len(s.nodes) - 1)
}

func (s *sessions) unlink(i int32) {
	n := &s.nodes[i]
	if n.prev != none {
		s.nodes[n.prev].next = n.next
	} else if s.head == i {
		s.head = n.next
	}
	if n.next != none {
		s.nodes[n.next].prev = n.prev
	} else if s.tail == i {
		s.tail = n.prev
	}
	n.prev, n.next = none, none
}

func (s *sessions) pushBack(i int32) {
	n := &s.nodes[i]
	n.prev, n.next = s.tail, none
	if s.tail != none {
		s.nodes[s.tail].next = i
	} else {
		s.head = i
	}
	s.tail = i
}

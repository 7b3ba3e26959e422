package site

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
)

// TestHeldPagesShareABound checks that the pages waiting for their headers
// together keep no more than their shared bound: a page that finds it
// reached gets its headers at once and streams, and what a page held is
// given back once its headers are out.
func TestHeldPagesShareABound(t *testing.T) {
	var total atomic.Int64
	var pool sync.Pool
	newHold := func(out *bytes.Buffer, sent *bool) *headerHold {
		return &headerHold{
			w: out, limit: 1 << 20, pool: &pool,
			total: &total, totalLimit: 100,
			send:  func() { *sent = true },
			flush: func() {},
		}
	}
	var outA, outB bytes.Buffer
	var sentA, sentB bool
	a, b := newHold(&outA, &sentA), newHold(&outB, &sentB)

	if _, err := a.Write(bytes.Repeat([]byte("a"), 80)); err != nil {
		t.Fatal(err)
	}
	if sentA || outA.Len() != 0 || total.Load() != 80 {
		t.Fatalf("the first page is not held: sent %v, out %d bytes, total %d", sentA, outA.Len(), total.Load())
	}
	if _, err := b.Write(bytes.Repeat([]byte("b"), 40)); err != nil {
		t.Fatal(err)
	}
	if !sentB || outB.Len() != 40 {
		t.Errorf("the page past the shared bound is held: sent %v, out %d bytes", sentB, outB.Len())
	}
	if total.Load() != 80 {
		t.Errorf("total %d after the second page streamed, want 80", total.Load())
	}
	if err := a.close(); err != nil {
		t.Fatal(err)
	}
	if !sentA || outA.Len() != 80 || total.Load() != 0 {
		t.Errorf("after close: sent %v, out %d bytes, total %d, want the page out and 0 held", sentA, outA.Len(), total.Load())
	}
	if err := b.close(); err != nil {
		t.Fatal(err)
	}
}

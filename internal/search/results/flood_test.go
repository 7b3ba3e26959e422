package results

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestFloodLeavesCPUs floods the API with searches that hold on, as
// costly queries do, from more visitors than there are slots: the
// searches running at once never take every CPU, so that the rest of the
// server, consent choices and contact forms among it, keeps one.
func TestFloodLeavesCPUs(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	if procs < 2 {
		t.Skip("with one CPU, searches share it with everything else")
	}
	s := newTestServer(t, testDocs, nil)
	s.ix.block = make(chan struct{})
	var wg sync.WaitGroup
	for range 4 * procs {
		wg.Go(func() { s.get(t, "/api/search?q=grant") })
	}
	// Searches that found no slot give up after queueWait; those running
	// are all there by then.
	time.Sleep(queueWait / 2)
	s.ix.mu.Lock()
	running := s.ix.calls
	s.ix.mu.Unlock()
	close(s.ix.block)
	wg.Wait()
	if running >= procs {
		t.Errorf("%d searches ran at once on %d CPUs, want fewer", running, procs)
	}
}

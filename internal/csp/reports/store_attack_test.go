package reports

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestWriteSparesTheWriter writes a flood's flush, a full day of
// distinct keys, while another writer makes small transactions, as
// consent records do: none of them waits long for the flush, which on
// SQLite holds the database's one writer while its transaction lasts.
func TestWriteSparesTheWriter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		ctx := t.Context()
		t0 := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
		counts := make(map[Key]*Count)
		for i := range DefaultMaxKeys {
			counts[Key{Host: fmt.Sprintf("h%04d.flood.example", i), Directive: "script-src-elem", Path: fmt.Sprintf("/p%d", i)}] = &Count{N: 1, First: t0, Last: t0}
		}
		done := make(chan struct{})
		var worst time.Duration
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				start := time.Now()
				err := db.Tx(ctx, func(tx *store.Tx) error {
					_, err := tx.ExecContext(ctx, "DELETE FROM csp_reports WHERE day = '1999-01-01'")
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				worst = max(worst, time.Since(start))
				time.Sleep(time.Millisecond)
			}
		})
		start := time.Now()
		err := s.Write(ctx, counts, Count{}, tokyo)
		took := time.Since(start)
		close(done)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d keys written in %v; the other writer waited at most %v", len(counts), took, worst)
		// Relative to the flush, so that a slow machine fails no more
		// than a fast one: a batch is a small part of the whole.
		if worst > took/4 {
			t.Errorf("another writer waited %v for a flush of %v: the flush holds the writer too long at once", worst, took)
		}
	})
}

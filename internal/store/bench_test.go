package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// BenchmarkInsertSelect measures one policy_versions row written and read
// back, outside and inside a transaction.
func BenchmarkInsertSelect(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(d.String(), func(b *testing.B) {
			db := storetest.Open(b, d)
			ctx := context.Background()
			n := 0
			roundTrip := func(q store.Querier) error {
				n++
				v := testVersion(n, time.Now())
				if err := insert(ctx, q, v); err != nil {
					return err
				}
				_, err := get(ctx, q, v.hash)
				return err
			}
			b.Run("autocommit", func(b *testing.B) {
				for b.Loop() {
					if err := roundTrip(db); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("tx", func(b *testing.B) {
				for b.Loop() {
					err := db.Tx(ctx, func(tx *store.Tx) error { return roundTrip(tx) })
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkParallelReads measures concurrent primary-key lookups, which on
// SQLite spread over the read-only pool.
func BenchmarkParallelReads(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(d.String(), func(b *testing.B) {
			db := storetest.Open(b, d)
			ctx := context.Background()
			v := testVersion(1, time.Now())
			if err := insert(ctx, db, v); err != nil {
				b.Fatal(err)
			}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := get(ctx, db, v.hash); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

package audit_test

import (
	"context"
	"testing"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/store/storetest"
)

// BenchmarkAppend measures appending one entry to a trail on SQLite, each
// in a transaction of its own, as the console does.
func BenchmarkAppend(b *testing.B) {
	trail := audit.New(storetest.SQLite(b))
	ctx := context.Background()
	e := sample(1)
	for b.Loop() {
		if _, err := trail.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

package dashboard

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/analytics/clickhouse"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// testSite is the site the dashboard shows by default, and testZone the
// zone it counts days in.
const testSite = admintest.Site

var testZone = admintest.Zone

// consoleManifest is the console's test manifest, shared with the
// console's own tests.
const consoleManifest = "../../admin/testdata/manifest.yaml"

// harness is a console serving the dashboard, with the store it reads
// when that is a real one.
type harness struct {
	*admintest.Harness
	events analytics.Store
}

// serve starts a console whose dashboard reads r (nil: analytics not
// configured) and offers the test site and a second one.
func serve(t *testing.T, r analytics.Reader) *admintest.Harness {
	t.Helper()
	return admintest.New(t, storetest.SQLite(t), admintest.Setup{
		Manifest: consoleManifest,
		Sections: func(*admintest.Harness) []admin.Capability {
			return []admin.Capability{New(Options{Reader: r, Sites: []string{testSite, "shop.example.jp"}})}
		},
	})
}

// fakeHarness is a console reading analytics from r.
func fakeHarness(t *testing.T, r analytics.Reader) *harness {
	t.Helper()
	return &harness{Harness: serve(t, r)}
}

// newHarness is a console reading the analytics store of a SQLite
// database.
func newHarness(t *testing.T) *harness {
	t.Helper()
	return storeHarness(t, sqlStore(t, storetest.SQLite(t)))
}

// storeHarness is a console reading events, after seedAnalytics has
// filled it.
func storeHarness(t *testing.T, events analytics.Store) *harness {
	t.Helper()
	h := &harness{Harness: serve(t, events), events: events}
	seedAnalytics(t, h)
	return h
}

// backends are the analytics stores the dashboard is checked against;
// PostgreSQL and ClickHouse skip the test without their servers (see
// package storetest).
var backends = []struct {
	name string
	open func(t *testing.T) analytics.Store
}{
	{"sqlite", func(t *testing.T) analytics.Store { return sqlStore(t, storetest.SQLite(t)) }},
	{"postgres", func(t *testing.T) analytics.Store { return sqlStore(t, storetest.Postgres(t)) }},
	{"clickhouse", func(t *testing.T) analytics.Store {
		s, err := clickhouse.Open(t.Context(), storetest.ClickHouse(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		return s
	}},
}

// sqlStore is the analytics store on db.
func sqlStore(t *testing.T, db *store.DB) analytics.Store {
	t.Helper()
	s, err := analytics.NewSQLStore(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// seedAnalytics stores generated traffic of the test site for the 40 days
// up to the harness's clock, rolled up to an hour ago as the background
// work would have.
func seedAnalytics(t *testing.T, h *harness) {
	t.Helper()
	ctx := context.Background()
	now := h.Clock.Now()
	var batch []analytics.Event
	err := analytics.Generate(7, testSite, now.AddDate(0, 0, -40), now.Add(-time.Minute), 6000, func(e analytics.Event) error {
		batch = append(batch, e)
		if len(batch) == 500 {
			err := h.events.WriteEvents(ctx, batch)
			batch = batch[:0]
			return err
		}
		return nil
	})
	if err == nil {
		err = h.events.WriteEvents(ctx, batch)
	}
	if err == nil {
		// A store may roll a long backlog up over several runs.
		for err = h.events.Rollup(ctx, now.Add(-time.Hour)); errors.Is(err, analytics.ErrRollupUnfinished); {
			err = h.events.Rollup(ctx, now.Add(-time.Hour))
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}

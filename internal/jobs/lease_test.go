package jobs

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// fleetDBs runs fn once per backend with two handles on one fresh,
// migrated database, as two instances of a fleet have.
func fleetDBs(t *testing.T, fn func(t *testing.T, a, b *store.DB)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			dsn := storetest.FreshDSN(t, d)
			var dbs [2]*store.DB
			for i := range dbs {
				db, err := store.Open(t.Context(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := db.Migrate(t.Context()); err != nil {
					t.Fatal(err)
				}
				dbs[i] = db
			}
			fn(t, dbs[0], dbs[1])
		})
	}
}

func leases(t *testing.T, db *store.DB) *DBLeases {
	t.Helper()
	l, err := NewDBLeases(db)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLeases(t *testing.T) {
	fleetDBs(t, func(t *testing.T, dbA, dbB *store.DB) {
		ctx := t.Context()
		a, b := leases(t, dbA), leases(t, dbB)
		try := func(l *DBLeases, holder string, hold time.Duration, want bool) {
			t.Helper()
			got, err := l.Acquire(ctx, "rollup", holder, hold)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("%s acquires: %v, want %v", holder, got, want)
			}
		}
		try(a, "one", time.Hour, true)
		try(b, "two", time.Hour, false)
		try(a, "one", time.Hour, true) // a renewal
		if got, err := b.Acquire(ctx, "retention", "two", time.Hour); err != nil || !got {
			t.Fatalf("another job's lease: %v, %v", got, err)
		}

		// Another holder's release leaves the lease as it is.
		if err := b.Release(ctx, "rollup", "two"); err != nil {
			t.Fatal(err)
		}
		try(b, "two", time.Hour, false)
		if err := a.Release(ctx, "rollup", "one"); err != nil {
			t.Fatal(err)
		}
		try(b, "two", time.Hour, true)

		// A lease that ran out, as a crashed holder's does, is taken.
		try(b, "two", 50*time.Millisecond, true)
		time.Sleep(100 * time.Millisecond)
		try(a, "one", time.Hour, true)
		try(b, "two", time.Hour, false)

		// Only the holder's success is recorded.
		if err := b.Succeeded(ctx, "rollup", "two"); err != nil {
			t.Fatal(err)
		}
		if err := a.Succeeded(ctx, "rollup", "one"); err != nil {
			t.Fatal(err)
		}
		list, err := b.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Job != "retention" || list[0].Holder != "two" || !list[0].Succeeded.IsZero() ||
			list[1].Job != "rollup" || list[1].Holder != "one" || list[1].Succeeded.IsZero() || time.Until(list[1].Until) < 50*time.Minute {
			t.Errorf("leases %+v", list)
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(b.Collector())
		if got := value(t, reg, "noren_job_fleet_last_success_timestamp_seconds", "rollup"); got != float64(list[1].Succeeded.UnixNano())/1e9 {
			t.Errorf("fleet's last success of rollup: %v, want %v", got, list[1].Succeeded)
		}
	})
}

// instance is one process's runner of one table of jobs.
type instance struct {
	runner *Runner
	reg    *prometheus.Registry
	stop   func()
}

func startInstance(t *testing.T, db *store.DB, holder string, table []Job) *instance {
	t.Helper()
	reg := prometheus.NewRegistry()
	r, err := New(table, slog.New(slog.DiscardHandler), reg, Fleet{Leases: leases(t, db), Holder: holder})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	r.Start(ctx)
	stopped := false
	in := &instance{runner: r, reg: reg, stop: func() {
		if !stopped {
			stopped = true
			cancel()
			r.Wait()
		}
	}}
	t.Cleanup(in.stop)
	return in
}

// attempts is how many times in has tried job: its runs and its skips.
func (in *instance) attempts(t *testing.T, job string) float64 {
	return value(t, in.reg, "noren_job_skipped_total", job) + runsTimed(t, in.reg, job)
}

// runsTimed is how many runs of job reg's histogram has timed; it has no
// series before the first.
func runsTimed(t *testing.T, reg *prometheus.Registry, job string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if f.GetName() == "noren_job_duration_seconds" && m.GetLabel()[0].GetValue() == job {
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

// waitFor polls cond until it holds; the test's own deadline bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if t.Context().Err() != nil {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Two instances started together run a fleet job once between them, and
// a per-instance job each; when the holder stops it gives the lease up,
// and an instance started after runs the job at once.
func TestFleetJobRunsOnce(t *testing.T) {
	fleetDBs(t, func(t *testing.T, dbA, dbB *store.DB) {
		var fleetRuns, localRuns atomic.Int64
		table := []Job{
			{Name: "retention", Period: time.Hour, RunAtStart: true, Fleet: true,
				Run: func(context.Context) error { fleetRuns.Add(1); return nil }},
			{Name: "flush", Period: time.Hour, RunAtStart: true,
				Run: func(context.Context) error { localRuns.Add(1); return nil }},
		}
		a := startInstance(t, dbA, "a", table)
		b := startInstance(t, dbB, "b", table)
		waitFor(t, "both instances tried both jobs", func() bool {
			return a.attempts(t, "retention") == 1 && b.attempts(t, "retention") == 1 && localRuns.Load() == 2
		})
		if got := fleetRuns.Load(); got != 1 {
			t.Fatalf("the fleet job ran %d times at start, want once", got)
		}
		holder, other := a, b
		if value(t, b.reg, "noren_job_lease_held", "retention") == 1 {
			holder, other = b, a
		}
		if value(t, holder.reg, "noren_job_lease_held", "retention") != 1 || value(t, other.reg, "noren_job_skipped_total", "retention") != 1 {
			t.Error("the lease gauge and the skip counter do not say which instance ran the job")
		}

		holder.stop()
		other.stop()
		c := startInstance(t, dbA, "c", table)
		waitFor(t, "the new instance tried the job", func() bool { return c.attempts(t, "retention") == 1 })
		if got := fleetRuns.Load(); got != 2 {
			t.Errorf("after the holder stopped, the fleet job ran %d times in all, want 2", got)
		}
	})
}

// Over several periods the fleet job runs about once per period in all,
// not once per instance: the holder renews the lease at each of its
// ticks, and the other instance skips.
func TestFleetJobOncePerPeriod(t *testing.T) {
	fleetDBs(t, func(t *testing.T, dbA, dbB *store.DB) {
		const period = 300 * time.Millisecond
		var runs atomic.Int64
		table := []Job{{Name: "rollup", Period: period, RunAtStart: true, Fleet: true,
			Run: func(context.Context) error { runs.Add(1); return nil }}}
		a := startInstance(t, dbA, "a", table)
		b := startInstance(t, dbB, "b", table)
		const ticks = 4
		waitFor(t, "both instances ticked", func() bool {
			return a.attempts(t, "rollup") >= ticks && b.attempts(t, "rollup") >= ticks
		})
		a.stop()
		b.stop()
		most := max(a.attempts(t, "rollup"), b.attempts(t, "rollup"))
		// One run per tick of the instance that ticked most, and one more
		// when the lease passed between them as a late tick let it run out.
		if got := float64(runs.Load()); got < ticks || got > most+1 {
			t.Errorf("%v runs in %v ticks of each instance, want one per tick in all", got, most)
		}
	})
}

// A run that lasts longer than the period keeps its lease: the other
// instance does not start the job meanwhile.
func TestFleetLeaseRenewedDuringRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for several seconds")
	}
	fleetDBs(t, func(t *testing.T, dbA, dbB *store.DB) {
		const period = time.Second
		var running, most, runs atomic.Int64
		slow := func(ctx context.Context) error {
			n := running.Add(1)
			if n > most.Load() {
				most.Store(n)
			}
			defer running.Add(-1)
			runs.Add(1)
			select {
			case <-time.After(5 * period / 2):
			case <-ctx.Done():
			}
			return nil
		}
		table := []Job{{Name: "shred", Period: period, RunAtStart: true, Fleet: true, Run: slow}}
		a := startInstance(t, dbA, "a", table)
		b := startInstance(t, dbB, "b", table)
		waitFor(t, "the first run ended and another began", func() bool { return runs.Load() >= 2 })
		a.stop()
		b.stop()
		if most.Load() != 1 {
			t.Errorf("%d runs of the fleet job at once", most.Load())
		}
	})
}

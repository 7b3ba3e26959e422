package jobs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// counter is a job that counts its runs and fails those fail says.
type counter struct {
	runs atomic.Int64
	fail func(run int64) bool
}

func (c *counter) run(context.Context) error {
	n := c.runs.Add(1)
	if c.fail != nil && c.fail(n) {
		return errors.New("the disk is full")
	}
	return nil
}

// start starts a runner of jobs in a synctest bubble and stops it at the
// end of the test.
func start(t *testing.T, jobs []Job) (*Runner, *prometheus.Registry, *syncBuffer) {
	t.Helper()
	reg := prometheus.NewRegistry()
	logs := &syncBuffer{}
	r, err := New(jobs, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), reg, Fleet{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(func() {
		cancel()
		r.Wait()
	})
	r.Start(ctx)
	return r, reg, logs
}

func TestPeriods(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var atStart, later counter
		start(t, []Job{
			{Name: "at-start", Period: time.Hour, RunAtStart: true, Run: atStart.run},
			{Name: "later", Period: 10 * time.Minute, Run: later.run},
		})
		for _, step := range []struct {
			wait           time.Duration
			atStart, later int64
		}{
			{0, 1, 0},
			{10 * time.Minute, 1, 1},
			{49 * time.Minute, 1, 5},
			{time.Minute, 2, 6},
		} {
			time.Sleep(step.wait)
			synctest.Wait()
			if got, got2 := atStart.runs.Load(), later.runs.Load(); got != step.atStart || got2 != step.later {
				t.Fatalf("after %v more: runs %d and %d, want %d and %d", step.wait, got, got2, step.atStart, step.later)
			}
		}
	})
}

func TestFailureRetriedAtNextPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := counter{fail: func(n int64) bool { return n == 1 }}
		_, reg, logs := start(t, []Job{{Name: "shred", Period: time.Hour, RunAtStart: true, Run: c.run}})
		synctest.Wait()
		if got := value(t, reg, "noren_job_failures_total", "shred"); got != 1 {
			t.Errorf("failures after the failed run: %v, want 1", got)
		}
		if !strings.Contains(logs.String(), `level=ERROR msg="job failed; it runs again at its next period" job=shred`) ||
			!strings.Contains(logs.String(), "the disk is full") {
			t.Errorf("the failure is not logged by name:\n%s", logs)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if got := c.runs.Load(); got != 2 {
			t.Fatalf("runs: %d, want 2", got)
		}
		if got := value(t, reg, "noren_job_failures_total", "shred"); got != 1 {
			t.Errorf("failures after the second run: %v, want 1", got)
		}
		if got := value(t, reg, "noren_job_duration_seconds", "shred"); got != 2 {
			t.Errorf("runs timed: %v, want 2", got)
		}
		if got, want := value(t, reg, "noren_job_last_run_timestamp_seconds", "shred"), float64(time.Now().Unix()); got != want {
			t.Errorf("last run at %v, want %v", got, want)
		}
	})
}

func TestNeverOverlaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var running, most, runs atomic.Int64
		slow := func(context.Context) error {
			n := running.Add(1)
			if n > most.Load() {
				most.Store(n)
			}
			time.Sleep(150 * time.Second)
			running.Add(-1)
			runs.Add(1)
			return nil
		}
		start(t, []Job{{Name: "slow", Period: time.Minute, RunAtStart: true, Run: slow}})
		time.Sleep(10*time.Minute + time.Second)
		synctest.Wait()
		if most.Load() != 1 {
			t.Errorf("%d runs at once", most.Load())
		}
		// The first run ends at 2:30, the next starts at the tick of 3:30,
		// and of the ticks missed while it runs one is kept, which starts
		// the third at once: 0:00-2:30, 3:30-6:00, 6:00-8:30, and the
		// fourth is still running.
		if got := runs.Load(); got != 3 {
			t.Errorf("runs done in 10 minutes: %d, want 3", got)
		}
	})
}

func TestWaitLetsRunningJobsFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var finished atomic.Bool
		started := make(chan struct{})
		reg := prometheus.NewRegistry()
		r, err := New([]Job{{Name: "rollup", Period: time.Hour, RunAtStart: true, Run: func(ctx context.Context) error {
			close(started)
			<-ctx.Done()
			// The part of the work that ends it cleanly still runs.
			time.Sleep(time.Second)
			finished.Store(true)
			return ctx.Err()
		}}}, slog.New(slog.DiscardHandler), reg, Fleet{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		r.Start(ctx)
		<-started
		cancel()
		r.Wait()
		if !finished.Load() {
			t.Error("Wait returned before the running job did")
		}
		if got := value(t, reg, "noren_job_failures_total", "rollup"); got != 0 {
			t.Errorf("a run stopped by shutdown counted as %v failures", got)
		}
	})
}

func TestNoRunAfterShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c counter
		reg := prometheus.NewRegistry()
		r, err := New([]Job{{Name: "reload", Period: time.Minute, RunAtStart: true, Run: c.run}}, slog.New(slog.DiscardHandler), reg, Fleet{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		r.Start(ctx)
		r.Wait()
		if got := c.runs.Load(); got != 0 {
			t.Errorf("runs after shutdown: %d", got)
		}
	})
}

func TestNewRefuses(t *testing.T) {
	run := func(context.Context) error { return nil }
	for _, tc := range []struct {
		name string
		jobs []Job
		want string
	}{
		{"no name", []Job{{Period: time.Minute, Run: run}}, "no name"},
		{"twice", []Job{{Name: "a", Period: time.Minute, Run: run}, {Name: "a", Period: time.Hour, Run: run}}, `"a" is listed twice`},
		{"no period", []Job{{Name: "a", Run: run}}, "not positive"},
		{"nothing to run", []Job{{Name: "a", Period: time.Minute}}, "nothing to run"},
		{"fleet without leases", []Job{{Name: "a", Period: time.Minute, Run: run, Fleet: true}}, "no leases"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.jobs, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), Fleet{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
	reg := prometheus.NewRegistry()
	if _, err := New(nil, slog.New(slog.DiscardHandler), reg, Fleet{}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(nil, slog.New(slog.DiscardHandler), reg, Fleet{}); err == nil {
		t.Error("a second runner registered its metrics on the same registry")
	}
}

func TestJobs(t *testing.T) {
	run := func(context.Context) error { return nil }
	table := []Job{{Name: "a", Period: time.Minute, Run: run}, {Name: "b", Period: time.Hour, RunAtStart: true, Run: run}}
	r, err := New(table, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), Fleet{})
	if err != nil {
		t.Fatal(err)
	}
	got := r.Jobs()
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" || got[1].Period != time.Hour || !got[1].RunAtStart {
		t.Errorf("Jobs() = %+v", got)
	}
	got[0].Name = "changed"
	if r.Jobs()[0].Name != "a" {
		t.Error("Jobs() shares the runner's table")
	}
}

// value returns the job's value of the named metric: a counter's or
// gauge's value, or a histogram's count of observations.
func value(t *testing.T, reg *prometheus.Registry, name, job string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) != 1 || m.GetLabel()[0].GetValue() != job {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
	}
	t.Fatalf("no %s{job=%q}", name, job)
	return 0
}

// syncBuffer is a log destination that jobs may write to concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

package publicstats

import (
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"testing"
	"testing/iotest"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestLaplaceDistribution checks the sampler against the moments of the
// Laplace distribution: mean 0, mean absolute value b, variance 2b².
func TestLaplaceDistribution(t *testing.T) {
	for _, scale := range []float64{0.5, 2, 10} {
		src := rand.NewChaCha8([32]byte{byte(scale * 10)})
		const n = 200_000
		var sum, abs, sq float64
		for range n {
			x, err := laplace(src, scale)
			if err != nil {
				t.Fatal(err)
			}
			if math.IsInf(x, 0) || math.IsNaN(x) {
				t.Fatalf("sample %v", x)
			}
			sum += x
			abs += math.Abs(x)
			sq += x * x
		}
		mean, meanAbs, variance := sum/n, abs/n, sq/n-(sum/n)*(sum/n)
		// The standard error of the mean is sqrt(2)b/sqrt(n), about 0.003b.
		if math.Abs(mean) > 0.02*scale {
			t.Errorf("scale %v: mean %v, want near 0", scale, mean)
		}
		if math.Abs(meanAbs/scale-1) > 0.02 {
			t.Errorf("scale %v: mean absolute value %v, want near %v", scale, meanAbs, scale)
		}
		if math.Abs(variance/(2*scale*scale)-1) > 0.05 {
			t.Errorf("scale %v: variance %v, want near %v", scale, variance, 2*scale*scale)
		}
	}
}

func TestLaplaceReadError(t *testing.T) {
	if _, err := laplace(iotest.ErrReader(iotest.ErrTimeout), 1); err == nil {
		t.Error("no error from a failing source")
	}
}

// TestNoiseIsAdded checks that with epsilon above zero the published
// counts differ from the true ones by noise of the right size, stay at
// least k, and that without it they are exact.
func TestNoiseIsAdded(t *testing.T) {
	r := sampleReader()
	exact := computeFor(t, r, last30Days, 10, nil)
	noisy := computeFor(t, r, last30Days, 10, testNoise(t, last30Days, 0.5, rand.NewChaCha8([32]byte{7})))
	var differ, n int
	var sum float64
	for i := range exact.Buckets {
		e, x := exact.Buckets[i].counts(), noisy.Buckets[i].counts()
		for j := range e {
			if e[j].state != x[j].state {
				t.Errorf("bucket %d %s: state %v with noise, %v without", i, metricNames[j], x[j].state, e[j].state)
			}
			if e[j].state != shown {
				continue
			}
			if e[j].published != e[j].actual {
				t.Errorf("without noise, bucket %d %s shows %d of %d", i, metricNames[j], e[j].published, e[j].actual)
			}
			if x[j].published < 10 {
				t.Errorf("bucket %d %s shows %d, below k", i, metricNames[j], x[j].published)
			}
			if x[j].published != x[j].actual {
				differ++
			}
			n++
			sum += math.Abs(float64(x[j].published - x[j].actual))
		}
	}
	if differ == 0 {
		t.Fatal("no count carries noise")
	}
	// Rounded noise of scale 2 moves a count by about 2 on average.
	if mean := sum / float64(n); mean < 1 || mean > 3.5 {
		t.Errorf("mean absolute noise %.2f over %d counts, want about 2", mean, n)
	}
}

// TestNoiseIsDrawnOnce checks that reloading the page shows the same
// figures, that a day keeps its noise on the next day's page, that draws
// no page can show any more are forgotten, and that a new epsilon draws
// afresh.
func TestNoiseIsDrawnOnce(t *testing.T) {
	r := sampleReader()
	noisy := manifest.Statistics{Publish: true, MinCount: 10, Epsilon: 0.2}
	hs := newHarness(t, r, noisy, rand.NewChaCha8([32]byte{3}))
	first, second := hs.get(t, Path("en")), hs.get(t, Path("en"))
	if first.status != http.StatusOK || first.body != second.body {
		t.Error("two requests on one day show different pages")
	}

	today := hs.h.latest[last30Days]
	tomorrow := clock.Add(24 * time.Hour)
	hs.now.Store(&tomorrow)
	hs.get(t, Path("en"))
	next := hs.h.latest[last30Days]
	if next == today {
		t.Fatal("the next day's figures were not computed")
	}
	shared := 0
	for _, b := range today.Buckets {
		for _, c := range next.Buckets {
			if b.Start.Equal(c.Start) && b.Visitors.state == shown && c.Visitors.state == shown {
				shared++
				if b.Visitors.published != c.Visitors.published {
					t.Errorf("%s: %d visitors one day, %d the next", b.Start.Format(time.DateOnly), b.Visitors.published, c.Visitors.published)
				}
			}
		}
	}
	if shared < 20 {
		t.Errorf("only %d days compared", shared)
	}

	// Two days on, neither the first day's page nor the day that has left
	// every page since can be shown: their draws are gone. The day
	// before's are kept, for an instance whose clock lags.
	later := clock.Add(48 * time.Hour)
	hs.now.Store(&later)
	hs.get(t, Path("en"))
	for _, tt := range []struct {
		figures string
		kept    bool
	}{
		{"30d/" + today.To.Format(time.DateOnly) + "/%", false},
		{"day/" + today.From.Format(time.DateOnly) + "/%", false},
		{"30d/" + next.To.Format(time.DateOnly) + "/%", true},
		{"day/" + next.From.Format(time.DateOnly) + "/%", true},
	} {
		if n := countNoise(t, hs.db, tt.figures); (n > 0) != tt.kept {
			t.Errorf("%d draws of %s kept, want them kept: %v", n, tt.figures, tt.kept)
		}
	}

	hs.setStatistics(t, manifest.Statistics{Publish: true, MinCount: 10, Epsilon: 0.1})
	before := hs.h.latest[last30Days]
	hs.get(t, Path("en"))
	var redrawn int
	if err := hs.db.QueryRowContext(t.Context(), "SELECT count(*) FROM public_statistics_noise WHERE epsilon = 0.1").Scan(&redrawn); err != nil {
		t.Fatal(err)
	}
	if redrawn == 0 || hs.h.latest[last30Days] == before {
		t.Error("a new epsilon kept the old draws")
	}
}

// TestNoiseIsShared serves one period from two handlers on one database,
// as two instances, each with randomness of its own, then from a handler
// started anew on it: all show the same noisy figures.
func TestNoiseIsShared(t *testing.T) {
	noisy := manifest.Statistics{Publish: true, MinCount: 10, Epsilon: 0.2}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			dsn := storetest.FreshDSN(t, d)
			instance := func(seed byte) *harness {
				return newHarnessOn(t, openShared(t, dsn), sampleReader(), noisy, rand.NewChaCha8([32]byte{seed}))
			}
			a, b := instance(1), instance(2)
			first := a.get(t, Path("en"))
			if first.status != http.StatusOK {
				t.Fatalf("A: status %d", first.status)
			}
			if other := b.get(t, Path("en")); other.body != first.body {
				t.Error("B shows other figures than A")
			}
			if restarted := instance(3).get(t, Path("en")); restarted.body != first.body {
				t.Error("a restarted instance shows other figures")
			}
			if alone := newHarness(t, sampleReader(), noisy, rand.NewChaCha8([32]byte{2})).get(t, Path("en")); alone.body == first.body {
				t.Error("the figures of a database of its own are the same: no noise to compare")
			}
		})
	}
}

// openShared opens the database at dsn as one more instance would.
func openShared(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// testNoise returns the noise of a computation of p at clock, kept in a
// database of its own.
func testNoise(t *testing.T, p period, epsilon float64, random io.Reader) *noiseSource {
	t.Helper()
	s, err := newNoiseStore(storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	_, to, _ := p.bounds(clock, jst)
	n, err := s.source(t.Context(), testSite, p, epsilon, to, random)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// countNoise returns how many draws are stored for the figures that match
// the LIKE pattern.
func countNoise(t *testing.T, db *store.DB, figures string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM public_statistics_noise WHERE figure LIKE $1", figures).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

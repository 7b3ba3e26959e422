package publicstats

import (
	"math"
	"math/rand/v2"
	"net/http"
	"testing"
	"testing/iotest"
	"time"

	"github.com/noren-web/noren/internal/manifest"
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
	noisy := computeFor(t, r, last30Days, 10, newNoiseSource(0.5, rand.NewChaCha8([32]byte{7})))
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
// figures, that a day keeps its noise on the next day's page, and that a
// new epsilon draws afresh.
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
	if n := len(hs.h.noise[last30Days].draws); n > 3*31+3+3*6*maxRows {
		t.Errorf("%d draws kept: the noise of days past is not forgotten", n)
	}

	hs.setStatistics(t, manifest.Statistics{Publish: true, MinCount: 10, Epsilon: 0.1})
	hs.get(t, Path("en"))
	if hs.h.noise[last30Days].epsilon != 0.1 {
		t.Error("a new epsilon kept the old draws")
	}
}

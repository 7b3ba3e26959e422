package searchbench

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Latency is the distribution of a query set's times.
type Latency struct {
	Runs          int
	P50, P95, P99 time.Duration
	Max           time.Duration
}

// String formats the percentiles in milliseconds.
func (l Latency) String() string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }
	return fmt.Sprintf("p50 %s ms, p95 %s ms, p99 %s ms, max %s ms (%d queries)", ms(l.P50), ms(l.P95), ms(l.P99), ms(l.Max), l.Runs)
}

// Measure runs every query rounds times, cycling through the list, and
// returns the distribution of the times together with each query's median.
func Measure(ctx context.Context, queries []string, rounds int, run func(ctx context.Context, q string) error) (Latency, map[string]time.Duration, error) {
	var all []time.Duration
	per := map[string][]time.Duration{}
	for range rounds {
		for _, q := range queries {
			start := time.Now()
			if err := run(ctx, q); err != nil {
				return Latency{}, nil, fmt.Errorf("query %q: %w", q, err)
			}
			d := time.Since(start)
			all = append(all, d)
			per[q] = append(per[q], d)
		}
	}
	medians := map[string]time.Duration{}
	for q, ds := range per {
		slices.Sort(ds)
		medians[q] = ds[len(ds)/2]
	}
	return Distribution(all), medians, nil
}

// Distribution sorts ds and reads its percentiles.
func Distribution(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.5) - 1
		return ds[max(0, min(i, len(ds)-1))]
	}
	return Latency{Runs: len(ds), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ds[len(ds)-1]}
}

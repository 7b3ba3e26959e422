package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/config"
)

const analyticsUsage = `Usage: noren analytics generate|query|bench [flags]

Works on the stored analytics events.

  generate  store sample events, as a busy site would send them, and roll
            them up; prints how fast they were stored
  query     print the dashboard's figures for the last days
  bench     time the dashboard's queries over the stored events (after
            generating them with -events), printing p50 and p95

Run 'noren analytics generate -h' and so on for their flags.
`

func runAnalytics(ctx context.Context, env *environment, args []string) error {
	return subcommands(ctx, env, "analytics", analyticsUsage, args, map[string]func(context.Context, *environment, []string) error{
		"generate": runAnalyticsGenerate,
		"query":    runAnalyticsQuery,
		"bench":    runAnalyticsBench,
	})
}

// generateFlags are the flags that say what sample events to make.
type generateFlags struct {
	events, days, batch int
	site                string
	seed                int64
}

func registerGenerateFlags(fset *flag.FlagSet, events int) *generateFlags {
	g := &generateFlags{}
	fset.IntVar(&g.events, "events", events, "number of events to generate")
	fset.IntVar(&g.days, "days", 30, "spread the events over this many `days` up to now")
	fset.StringVar(&g.site, "site", "demo.localhost", "the site's domain")
	fset.Int64Var(&g.seed, "seed", 1, "seed of the generator: the same seed gives the same events")
	fset.IntVar(&g.batch, "batch", 1000, "events per write, as the collector batches them")
	return g
}

func runAnalyticsGenerate(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "analytics generate", "[flags]",
		"Stores -events sample events of -site spread over the last -days, in batches\n"+
			"through the same writer the collector uses, then rolls them up. Prints the\n"+
			"rate at which events were stored and how long the rollup took.")
	flags := config.RegisterFlags(fset)
	g := registerGenerateFlags(fset, 100_000)
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 || g.days < 1 || g.batch < 1 {
		fset.Usage()
		return errUsage
	}
	s, closeDB, err := openAnalytics(ctx, env, flags)
	if err != nil {
		return err
	}
	defer closeDB()
	return generateEvents(ctx, env, s, g, time.Now())
}

// generateEvents stores g's events up to now and rolls them up, reporting
// progress and rates on env's output.
func generateEvents(ctx context.Context, env *environment, s *analytics.SQLStore, g *generateFlags, now time.Time) error {
	start := time.Now()
	lastReport := start
	written, err := writeGenerated(ctx, s, g.seed, g.site, now.AddDate(0, 0, -g.days), now, g.events, g.batch, func(written int) {
		if time.Since(lastReport) >= 10*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(env.stderr, "%d events stored (%.0f events/s)\n", written, float64(written)/time.Since(start).Seconds())
		}
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(env.stdout, "stored %d events of %s in %s: %.0f events/s\n", written, g.site, took.Round(time.Millisecond), float64(written)/took.Seconds())

	start = time.Now()
	// Each run stops at its time budget; this one goes on until done.
	for {
		err := s.Rollup(ctx, now)
		if errors.Is(err, analytics.ErrRollupUnfinished) {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	fmt.Fprintf(env.stdout, "rolled up in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// writeGenerated stores n generated events of site between from and to in
// batches, calling progress with the count written after each, and returns
// that count.
func writeGenerated(ctx context.Context, w analytics.Writer, seed int64, site string, from, to time.Time, n, batchSize int, progress func(written int)) (int, error) {
	batch := make([]analytics.Event, 0, batchSize)
	written := 0
	flush := func() error {
		if err := w.WriteEvents(ctx, batch); err != nil {
			return err
		}
		written += len(batch)
		batch = batch[:0]
		progress(written)
		return ctx.Err()
	}
	err := analytics.Generate(seed, site, from, to, n, func(e analytics.Event) error {
		batch = append(batch, e)
		if len(batch) == batchSize {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	return written, err
}

// openAnalytics opens the configured analytics database (see analyticsDSN)
// and its store.
func openAnalytics(ctx context.Context, env *environment, flags *config.Flags) (*analytics.SQLStore, func(), error) {
	cfg, main, err := openConfigured(ctx, env, flags)
	if err != nil {
		return nil, nil, err
	}
	db, closeDB, err := openAnalyticsDB(ctx, cfg, main, slog.New(slog.DiscardHandler))
	if err != nil {
		main.Close()
		return nil, nil, err
	}
	s, err := analytics.NewSQLStore(db)
	if err != nil {
		closeDB()
		main.Close()
		return nil, nil, err
	}
	return s, func() { closeDB(); main.Close() }, nil
}

// rangeFlags are the flags that choose the dashboard's range and filter.
type rangeFlags struct {
	site, zone string
	days       int
	where      whereFlag
}

// whereFlag collects -where DIMENSION=VALUE flags.
type whereFlag map[string]string

func (w whereFlag) String() string {
	parts := make([]string, 0, len(w))
	for k, v := range w {
		parts = append(parts, k+"="+v)
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

func (w whereFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return errors.New("want DIMENSION=VALUE")
	}
	w[k] = v
	return nil
}

// registerRangeFlags defines the range flags, and -site unless another
// set of flags already has.
func registerRangeFlags(fset *flag.FlagSet, withSite bool) *rangeFlags {
	r := &rangeFlags{where: whereFlag{}}
	if withSite {
		fset.StringVar(&r.site, "site", "demo.localhost", "the site's domain")
	}
	fset.StringVar(&r.zone, "zone", "Asia/Tokyo", "the site's time `zone` (IANA name)")
	fset.IntVar(&r.days, "range", 30, "the range: this many `days` up to and including today")
	fset.Var(r.where, "where", "filter `DIMENSION=VALUE` (repeatable); dimensions: "+strings.Join(analytics.Dimensions(), ", "))
	return r
}

// filter returns the filter for the last r.days days of the zone, up to
// now.
func (r *rangeFlags) filter(now time.Time) (analytics.Filter, error) {
	loc, err := time.LoadLocation(r.zone)
	if err != nil {
		return analytics.Filter{}, fmt.Errorf("-zone: %w", err)
	}
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	return analytics.Filter{Site: r.site, From: today.AddDate(0, 0, 1-r.days), To: now, Location: loc, Where: r.where}, nil
}

func runAnalyticsQuery(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "analytics query", "[flags]",
		"Prints the totals of the last -range days, with the change from the period\n"+
			"before, the visitors of each day, and the top values of -top dimensions.")
	flags := config.RegisterFlags(fset)
	r := registerRangeFlags(fset, true)
	top := fset.String("top", "path,source,country", "comma-separated `dimensions` to list the top values of")
	limit := fset.Int("limit", 10, "values listed per dimension")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errUsage
	}
	f, err := r.filter(time.Now())
	if err != nil {
		return err
	}
	s, closeDB, err := openAnalytics(ctx, env, flags)
	if err != nil {
		return err
	}
	defer closeDB()

	cur, err := s.Totals(ctx, f)
	if err != nil {
		return err
	}
	prev, err := s.Totals(ctx, f.Previous())
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "%s %s – %s\t now\t before\t\n", f.Site, f.From.Format(time.DateOnly), f.To.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "visitors\t %d\t %d\t\n", cur.Visitors, prev.Visitors)
	fmt.Fprintf(w, "visits\t %d\t %d\t\n", cur.Visits, prev.Visits)
	fmt.Fprintf(w, "pageviews\t %d\t %d\t\n", cur.Pageviews, prev.Pageviews)
	fmt.Fprintf(w, "bounce rate\t %.0f%%\t %.0f%%\t\n", 100*cur.BounceRate, 100*prev.BounceRate)
	fmt.Fprintf(w, "visit duration\t %s\t %s\t\n", cur.VisitDuration.Round(time.Second), prev.VisitDuration.Round(time.Second))
	if err := w.Flush(); err != nil {
		return err
	}

	points, err := s.Series(ctx, f, "day")
	if err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, "\nvisitors by day")
	for _, p := range points {
		fmt.Fprintf(env.stdout, "  %s %7d\n", p.Start.Format("2006-01-02 Mon"), p.Visitors)
	}
	for _, dim := range strings.Split(*top, ",") {
		rows, err := s.Top(ctx, f, strings.TrimSpace(dim), *limit)
		if err != nil {
			return err
		}
		if err := printRows(env.stdout, dim, rows); err != nil {
			return err
		}
	}
	return nil
}

func printRows(out io.Writer, dim string, rows []analytics.Row) error {
	fmt.Fprintf(out, "\ntop %s\n", dim)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "  value\tvisitors\tvisits\tpageviews\tevents")
	for _, r := range rows {
		value := r.Value
		if value == "" {
			value = "(none)"
		}
		fmt.Fprintf(w, "  %s\t%d\t%d\t%d\t%d\n", value, r.Visitors, r.Visits, r.Pageviews, r.Events)
	}
	return w.Flush()
}

func runAnalyticsBench(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "analytics bench", "[flags]",
		"Times the dashboard's queries for the last -range days: totals, the daily\n"+
			"series, the top pages, sources and countries, each -runs times, and prints\n"+
			"p50, p95 and the slowest run. With -events it first generates and stores\n"+
			"that many events, as 'noren analytics generate' does. Use a database of its\n"+
			"own (-database sqlite:PATH), not one that matters.")
	flags := config.RegisterFlags(fset)
	g := registerGenerateFlags(fset, 0)
	r := registerRangeFlags(fset, false)
	runs := fset.Int("runs", 50, "times each query runs")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 || *runs < 1 || g.days < 1 || g.batch < 1 {
		fset.Usage()
		return errUsage
	}
	r.site = g.site
	s, closeDB, err := openAnalytics(ctx, env, flags)
	if err != nil {
		return err
	}
	defer closeDB()
	now := time.Now()
	if g.events > 0 {
		if err := generateEvents(ctx, env, s, g, now); err != nil {
			return err
		}
	}
	f, err := r.filter(now)
	if err != nil {
		return err
	}
	jp := f
	jp.Where = map[string]string{"country": "JP"}
	queries := []struct {
		name string
		run  func() error
	}{
		{"totals", func() error { _, err := s.Totals(ctx, f); return err }},
		{"series by day", func() error { _, err := s.Series(ctx, f, "day"); return err }},
		{"top path", func() error { _, err := s.Top(ctx, f, "path", 10); return err }},
		{"top source", func() error { _, err := s.Top(ctx, f, "source", 10); return err }},
		{"top country", func() error { _, err := s.Top(ctx, f, "country", 10); return err }},
		{"totals, previous period", func() error { _, err := s.Totals(ctx, f.Previous()); return err }},
		{"totals where country=JP", func() error { _, err := s.Totals(ctx, jp); return err }},
		{"realtime", func() error { _, err := s.Realtime(ctx, f.Site, now); return err }},
		// Two dimensions at once are not rolled up: this one reads every
		// raw event of the range, so it runs three times at most.
		{"top path where country=JP (raw)", func() error { _, err := s.Top(ctx, jp, "path", 10); return err }},
	}
	fmt.Fprintf(env.stdout, "%d runs each over %s – %s (%s)\n", *runs, f.From.Format(time.DateOnly), f.To.Format("2006-01-02 15:04"), r.zone)
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "query\t p50\t p95\t max\t")
	for _, q := range queries {
		n := *runs
		if strings.HasSuffix(q.name, "(raw)") {
			n = min(n, 3)
		}
		times := make([]time.Duration, n)
		for i := range times {
			start := time.Now()
			if err := q.run(); err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			times[i] = time.Since(start)
		}
		slices.Sort(times)
		fmt.Fprintf(w, "%s\t %s\t %s\t %s\t\n", q.name, ms(percentile(times, 50)), ms(percentile(times, 95)), ms(times[len(times)-1]))
	}
	return w.Flush()
}

// percentile returns the p-th percentile of sorted, by the nearest-rank
// method.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

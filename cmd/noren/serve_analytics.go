package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/analytics/enrich"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/store"
)

// analyticsJournalDir is the folder under data_dir where accepted events
// wait until they are stored: each instance of a fleet has its own.
const analyticsJournalDir = "analytics-journal"

// collectorCloseTimeout bounds how long stopping waits for the accepted
// events to be written.
const collectorCloseTimeout = 30 * time.Second

// liveAnalytics is the analytics of a running Noren: its store, its
// collector and the sites they count.
type liveAnalytics struct {
	store     analytics.Store
	collector *analytics.Collector
	sites     []string
	location  *time.Location
	// local counts visits to loopback and localhost addresses, as the
	// demo's are.
	local   bool
	closers []func() error
}

// startAnalytics opens the configured analytics store and starts the
// collector; the store's rollups and retention are jobs (see startJobs).
// It returns nil when analytics is off or no site domain is configured.
func startAnalytics(ctx context.Context, cfg *config.Config, db *store.DB, current *manifest.Current, local bool, reg prometheus.Registerer, logger *slog.Logger) (*liveAnalytics, error) {
	if !cfg.Analytics.Enabled {
		return nil, nil
	}
	sites := analyticsSites(cfg, current.Get())
	if len(sites) == 0 {
		logger.Warn("analytics is off: no site.domain in noren.yaml or the manifest to count visits for")
		return nil, nil
	}
	loc, err := time.LoadLocation(cfg.Analytics.Timezone)
	if err != nil {
		return nil, fmt.Errorf("analytics.timezone: %w", err)
	}
	live := &liveAnalytics{sites: sites, location: loc, local: local}
	ok := false
	defer func() {
		if !ok {
			live.close()
		}
	}()
	st, closeStore, err := openAnalyticsStore(ctx, cfg, db, logger)
	if err != nil {
		return nil, err
	}
	live.store = st
	live.closers = append(live.closers, closeStore)

	opt := analytics.CollectorOptions{
		Sites:        sites,
		Writer:       st,
		DB:           db,
		Logger:       logger,
		Registerer:   reg,
		QueueSize:    cfg.Analytics.QueueSize,
		JournalDir:   filepath.Join(cfg.DataDir, analyticsJournalDir),
		AllowOrigins: cfg.Analytics.AllowOrigins,
		Limiter:      analyticsLimiter(cfg),
		// The manifest decides: without a declaration of Noren's own
		// analytics nothing is kept, and with one that needs consent,
		// only the events of visitors who gave it.
		Allow: func(r *http.Request) bool {
			return consent.AnalyticsAllowed(current.Get(), r, time.Now())
		},
	}
	if path := cfg.Analytics.CountriesDB; path != "" {
		countries, err := enrich.OpenCountries(path)
		if err != nil {
			return nil, fmt.Errorf("analytics.countries_db: %w", err)
		}
		opt.Countries = countries
		live.closers = append(live.closers, countries.Close)
	}
	if cfg.Analytics.ReverseDNS {
		opt.Networks = enrich.NewNetworks(net.DefaultResolver, 24*time.Hour, 100_000)
	}
	collector, err := analytics.NewCollector(ctx, opt)
	if err != nil {
		return nil, err
	}
	live.collector = collector
	ok = true
	return live, nil
}

// analyticsSites are the domains the collector counts: site.domain of
// noren.yaml, or else the manifest's, then analytics.sites.
func analyticsSites(cfg *config.Config, m *manifest.Manifest) []string {
	var sites []string
	switch {
	case cfg.Site.Domain != "":
		sites = append(sites, cfg.Site.Domain)
	case m != nil && m.Site.Domain != "":
		sites = append(sites, m.Site.Domain)
	}
	return append(sites, cfg.Analytics.Sites...)
}

// analyticsMaxConns caps the PostgreSQL connections of the analytics
// store, so that dashboards and rollups cannot take the connections that
// consent, contact and the console need.
const analyticsMaxConns = 4

// analyticsLimiter is the collector's per-network limit, or nil when
// analytics.rate_limit is 0.
func analyticsLimiter(cfg *config.Config) *ratelimit.Limiter {
	if cfg.Analytics.RateLimit <= 0 {
		return nil
	}
	return ratelimit.New(float64(cfg.Analytics.RateLimit), cfg.Analytics.RateBurst, 0)
}

// analyticsDSN is the database the analytics events are kept in:
// analytics.database, or a file beside Noren's SQLite database named after
// it (noren.db, noren-analytics.db), or Noren's own PostgreSQL database.
// main is Noren's database once open.
func analyticsDSN(cfg *config.Config, main *store.DB) string {
	switch {
	case cfg.Analytics.Database != "":
		return cfg.Analytics.Database
	case main.Dialect() == store.SQLite && main.Path() != "":
		return "sqlite:" + analyticsFile(main.Path())
	}
	return cfg.Database
}

// analyticsFile is the analytics database beside the SQLite file main:
// named after it, so that two databases in one folder never share one.
func analyticsFile(main string) string {
	ext := filepath.Ext(main)
	return strings.TrimSuffix(main, ext) + "-analytics.db"
}

// openAnalyticsDB opens the analytics database and brings its schema up to
// date, or checks that it is when migrate_on_start is off. An in-memory
// SQLite database (tests) shares main.
func openAnalyticsDB(ctx context.Context, cfg *config.Config, main *store.DB, logger *slog.Logger) (*store.DB, func() error, error) {
	if main.Dialect() == store.SQLite && main.Path() == "" && cfg.Analytics.Database == "" {
		if _, err := analytics.Migrate(ctx, main); err != nil {
			return nil, nil, err
		}
		return main, func() error { return nil }, nil
	}
	db, err := store.Open(ctx, analyticsDSN(cfg, main))
	if err != nil {
		return nil, nil, fmt.Errorf("analytics database: %w", err)
	}
	db.LimitConns(analyticsMaxConns)
	ok := false
	defer func() {
		if !ok {
			db.Close()
		}
	}()
	// A SQLite file of its own is Noren's to create and keep up to date.
	if cfg.MigrateOnStart || db.Dialect() == store.SQLite {
		applied, err := analytics.Migrate(ctx, db)
		if err != nil {
			return nil, nil, err
		}
		for _, name := range applied {
			logger.Info("applied analytics migration", "name", name)
		}
	} else if pending, err := analytics.PendingMigrations(ctx, db); err != nil {
		return nil, nil, err
	} else if len(pending) > 0 {
		return nil, nil, fmt.Errorf("the analytics database lacks %d migration(s) (%s); run noren migrate first", len(pending), strings.Join(pending, ", "))
	}
	if moved, err := analytics.MoveFromSQLite(ctx, db, main.Path()); err != nil {
		return nil, nil, err
	} else if moved > 0 {
		logger.Info("moved analytics events into their own database", "events", moved, "file", db.Path())
	}
	ok = true
	return db, db.Close, nil
}

// openAnalyticsStore opens the store analytics.backend names: a database
// of its own (see analyticsDSN), or ClickHouse.
func openAnalyticsStore(ctx context.Context, cfg *config.Config, main *store.DB, logger *slog.Logger) (analytics.Store, func() error, error) {
	switch cfg.Analytics.Backend {
	case "clickhouse":
		s, err := openClickHouse(ctx, cfg.Analytics)
		if err != nil {
			return nil, nil, fmt.Errorf("analytics: %w", err)
		}
		return s, s.Close, nil
	default:
		db, closeDB, err := openAnalyticsDB(ctx, cfg, main, logger)
		if err != nil {
			return nil, nil, err
		}
		s, err := analytics.NewSQLStore(db)
		if err != nil {
			closeDB()
			return nil, nil, err
		}
		return s, closeDB, nil
	}
}

// rollup brings the store's rollups up to now; it is run every minute.
// A rollup that stopped at its time budget is not a failure: the next run
// goes on from there.
func (l *liveAnalytics) rollup(ctx context.Context, logger *slog.Logger) error {
	err := l.store.Rollup(ctx, time.Now())
	if errors.Is(err, analytics.ErrRollupUnfinished) {
		logger.Info("analytics rollup is behind; it goes on at the next run")
		return nil
	}
	return err
}

// retain deletes the raw events older than keep; it is run hourly.
func (l *liveAnalytics) retain(ctx context.Context, keep time.Duration, logger *slog.Logger) error {
	n, err := l.store.Retain(ctx, time.Now().Add(-keep))
	if err != nil {
		return err
	}
	if n > 0 {
		logger.Info("analytics raw events past retention deleted", "events", n)
	}
	return nil
}

// close writes every accepted event, then closes the store. It is called
// once the server has stopped taking requests.
func (l *liveAnalytics) close() error {
	if l == nil {
		return nil
	}
	var errs []error
	if l.collector != nil {
		ctx, cancel := context.WithTimeout(context.Background(), collectorCloseTimeout)
		errs = append(errs, l.collector.Close(ctx))
		cancel()
	}
	for i := len(l.closers) - 1; i >= 0; i-- {
		errs = append(errs, l.closers[i]())
	}
	return errors.Join(errs...)
}

// trackerHead is the tracker's tag for a page's head, or "" when the
// manifest does not declare Noren's analytics.
func (l *liveAnalytics) trackerHead(m *manifest.Manifest, nonce string) string {
	if l == nil {
		return ""
	}
	t := analytics.Tool(m)
	if t == nil {
		return ""
	}
	return analytics.TrackerTag(t, l.sites[0], consent.Gated(m, t.ID), l.local, nonce)
}

// pixel is the no-JavaScript pixel for the end of a page, or "" when the
// visitor's choices do not allow analytics.
func (l *liveAnalytics) pixel(m *manifest.Manifest, r *http.Request) string {
	if !l.counts(m, r) {
		return ""
	}
	return analytics.PixelTag(l.sites[0])
}

// counts reports whether the visitor making r is counted.
func (l *liveAnalytics) counts(m *manifest.Manifest, r *http.Request) bool {
	return l != nil && consent.AnalyticsAllowed(m, r, time.Now())
}

// sample stores n generated events of the last 60 days for the first site
// when it has none in that time, as the demo does so that its dashboard
// and statistics have something to show.
func (l *liveAnalytics) sample(ctx context.Context, n int, logger *slog.Logger) error {
	now := time.Now()
	from := now.AddDate(0, 0, -60)
	t, err := l.store.Totals(ctx, analytics.Filter{Site: l.sites[0], From: from, To: now, Location: l.location})
	if err != nil {
		return fmt.Errorf("analytics: sample events: %w", err)
	}
	if t.Pageviews > 0 {
		return nil
	}
	written, err := writeGenerated(ctx, l.store, 1, l.sites[0], from, now, n, 5000, func(int) {})
	if err != nil {
		return fmt.Errorf("analytics: sample events: %w", err)
	}
	logger.Info("stored generated sample analytics events", "events", written, "site", l.sites[0])
	return nil
}

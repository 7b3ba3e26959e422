package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/analytics/enrich"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store"
)

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

// startAnalytics opens the configured analytics store, starts its
// maintenance and retention, and the collector. It returns nil when
// analytics is off or no site domain is configured.
func startAnalytics(ctx context.Context, cfg *config.Config, db *store.DB, current *manifest.Current, local bool, reg prometheus.Registerer, logger *slog.Logger) (*liveAnalytics, error) {
	if !cfg.Analytics.Enabled {
		return nil, nil
	}
	sites := analyticsSites(cfg)
	if len(sites) == 0 {
		logger.Warn("analytics is off: no site.domain to count visits for")
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
	st, closeStore, err := openAnalyticsStore(ctx, cfg, db)
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
		AllowOrigins: cfg.Analytics.AllowOrigins,
		// The manifest decides: without a declaration of Noren's own
		// analytics nothing is kept, and with one that needs consent,
		// only the events of visitors who gave it.
		Allow: func(r *http.Request) bool {
			m := current.Get()
			t := analytics.Tool(m)
			return t != nil && consent.AllowedFor(m, r, t.ID, time.Now())
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

	go st.Maintain(ctx, time.Minute, logger)
	if keep := cfg.Analytics.RawRetention; keep > 0 {
		go retainEvents(ctx, st, keep, logger)
	}
	ok = true
	return live, nil
}

// analyticsSites are the domains the collector counts: site.domain, then
// analytics.sites.
func analyticsSites(cfg *config.Config) []string {
	var sites []string
	if cfg.Site.Domain != "" {
		sites = append(sites, cfg.Site.Domain)
	}
	return append(sites, cfg.Analytics.Sites...)
}

// openAnalyticsStore opens the store analytics.backend names: Noren's own
// database, or ClickHouse.
func openAnalyticsStore(ctx context.Context, cfg *config.Config, db *store.DB) (analytics.Store, func() error, error) {
	switch cfg.Analytics.Backend {
	case "clickhouse":
		s, err := analytics.NewClickHouseStore(ctx, cfg.Analytics.ClickHouseURL)
		if err != nil {
			return nil, nil, fmt.Errorf("analytics: %w", err)
		}
		return s, s.Close, nil
	default:
		s, err := analytics.NewSQLStore(db)
		if err != nil {
			return nil, nil, err
		}
		return s, func() error { return nil }, nil
	}
}

// retainEvents deletes raw events older than keep, at start and then
// hourly.
func retainEvents(ctx context.Context, st analytics.Store, keep time.Duration, logger *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		n, err := st.Retain(ctx, time.Now().Add(-keep))
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("analytics retention failed", "err", err)
		case n > 0:
			logger.Info("analytics raw events past retention deleted", "events", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
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
	if l == nil {
		return false
	}
	t := analytics.Tool(m)
	return t != nil && consent.AllowedFor(m, r, t.ID, time.Now())
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

// Package publicstats serves a site's aggregate statistics to the
// public at /{lang}/stats, when the manifest says to publish them: the
// visitors, pageviews and visits of the last 30 complete days or the last
// 12 complete months, day by day or month by month, with the top pages,
// sources, devices, browsers, languages and countries.
//
// Every count of a group smaller than k (statistics.min_count) is
// suppressed, and counts that would let a reader work a suppressed one out
// by subtraction are withheld too; with statistics.epsilon above zero,
// every published count also carries Laplace noise. docs/statistics.md
// describes the protection and its limits.
package publicstats

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/store"
)

// computeTimeout bounds one computation of a period's figures.
const computeTimeout = time.Minute

// Options configures a Handler.
type Options struct {
	// Reader answers the analytics queries.
	Reader analytics.Reader
	// DB keeps the noise drawn for each figure, so that every instance
	// on it, and this one after a restart, shows the same figures.
	DB *store.DB
	// Site is the site's domain as the analytics store knows it.
	Site string
	// Location is the site's time zone, where its days begin; nil means
	// UTC.
	Location *time.Location
	// Manifest returns the manifest in force; its statistics section is
	// read on every request, so a reload takes effect at once.
	Manifest func() *manifest.Manifest
	// Chrome is the layout of the page; its template tree holds
	// templates/stats/, as web.Templates does.
	Chrome *page.Chrome
	// Logger receives the errors of failed requests; nil discards them.
	Logger *slog.Logger
	// Now tells the time; nil means time.Now.
	Now func() time.Time
	// Noise is where the Laplace noise's randomness comes from; nil means
	// crypto/rand.
	Noise io.Reader
	// Unpublished answers the requests for the page while the manifest
	// does not publish statistics, so that a site's own page at the same
	// address, or its 404 page, still serves; nil means http.NotFound.
	Unpublished http.Handler
}

// Handler serves the statistics pages.
type Handler struct {
	opt  Options
	log  *slog.Logger
	now  func() time.Time
	loc  *time.Location
	page *page.Template

	// mu serialises computations and guards the caches below.
	mu sync.Mutex
	// latest holds each period's figures as last computed.
	latest map[period]*stats
	// noise keeps the noise draws.
	noise *noiseStore
}

// New returns a Handler configured by opt; Reader, DB, Site, Manifest and
// Chrome are required.
func New(opt Options) (*Handler, error) {
	if opt.Reader == nil || opt.DB == nil || opt.Site == "" || opt.Manifest == nil || opt.Chrome == nil {
		return nil, errors.New("publicstats: Reader, DB, Site, Manifest and Chrome are required")
	}
	noise, err := newNoiseStore(opt.DB)
	if err != nil {
		return nil, err
	}
	h := &Handler{opt: opt, log: opt.Logger, now: opt.Now, loc: opt.Location,
		latest: map[period]*stats{}, noise: noise}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.loc == nil {
		h.loc = time.UTC
	}
	if h.opt.Noise == nil {
		h.opt.Noise = rand.Reader
	}
	if h.opt.Unpublished == nil {
		h.opt.Unpublished = http.NotFoundHandler()
	}
	if h.page, err = opt.Chrome.Page("templates/stats/stats.html"); err != nil {
		return nil, fmt.Errorf("publicstats: parse templates: %w", err)
	}
	return h, nil
}

// Path is the address of the statistics page in lang.
func Path(lang string) string { return "/" + lang + "/stats" }

// Register adds GET /{lang}/stats for every supported language to mux.
// The languages are spelled out, as the policy pages do, rather than
// matched by a wildcard that would capture a site's own pages.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, lang := range manifest.SupportedLanguages {
		mux.Handle("GET "+Path(lang), h.serve(lang))
	}
}

func (h *Handler) serve(lang string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := h.opt.Manifest()
		if !m.Statistics.Publish || !slices.Contains(m.Languages, lang) {
			h.opt.Unpublished.ServeHTTP(w, r)
			return
		}
		p, err := parseQuery(r.URL.RawQuery)
		if err != nil {
			http.Error(w, "unknown period: use ?period=30d or ?period=12m", http.StatusBadRequest)
			return
		}
		// The figures do not depend on the request, so a visitor who
		// leaves does not waste a computation others are waiting for.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), computeTimeout)
		defer cancel()
		s, err := h.figures(ctx, p, m.Statistics)
		if err != nil {
			h.log.Error("statistics page", "period", p, "err", err)
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
			return
		}
		var body bytes.Buffer
		if err := h.page.Execute(&body, newPageView(m, lang, s, h.loc)); err != nil {
			h.log.Error("statistics page", "path", r.URL.Path, "err", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		sum := sha256.Sum256(body.Bytes())
		hdr := w.Header()
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Content-Language", lang)
		hdr.Set("Cache-Control", "public, max-age=3600")
		hdr.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body.Bytes()))
	})
}

// figures returns the protected figures of p under the manifest's
// statistics settings. They are computed once per period, day (month for
// the 12 months), k and epsilon, and kept in memory: the range holds
// complete days only, so its figures cannot change until the next day.
// Their noise is kept in the database, where it outlives this process.
func (h *Handler) figures(ctx context.Context, p period, cfg manifest.Statistics) (*stats, error) {
	// The manifest's validation keeps k at 2 or more; a manifest built in
	// code is held to the same floor, as k = 1 would suppress nothing.
	cfg.MinCount = max(cfg.MinCount, 2)
	now := h.now()
	_, to, _ := p.bounds(now, h.loc)
	h.mu.Lock()
	defer h.mu.Unlock()
	if s := h.latest[p]; s != nil && s.To.Equal(to) && s.K == cfg.MinCount && s.Epsilon == cfg.Epsilon {
		return s, nil
	}
	var noise *noiseSource
	if cfg.Epsilon > 0 {
		var err error
		if noise, err = h.noise.source(ctx, h.opt.Site, p, cfg.Epsilon, to, h.opt.Noise); err != nil {
			return nil, err
		}
	}
	s, err := compute(ctx, h.opt.Reader, h.opt.Site, h.loc, p, now, cfg.MinCount, noise)
	if err != nil {
		return nil, err
	}
	// The draws of the range before are kept too, for an instance whose
	// clock is a little behind this one's: it would otherwise draw them
	// again, and publish a second sample of the same figures.
	if err := h.noise.prune(ctx, h.opt.Site, p, p.previous(to)); err != nil {
		h.log.Error("statistics page", "period", p, "err", err)
	}
	h.latest[p] = s
	return s, nil
}

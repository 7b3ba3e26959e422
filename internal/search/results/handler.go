// Package results serves the site search to visitors: the search page
// /{lang}/search, rendered on the server in Noren's layout and complete
// without JavaScript, the JSON API /api/search that /noren/search.js
// reads to show results as a visitor types, and the search box, both as a
// template partial and as a form inserted into the site's own pages.
//
// What a visitor types is never logged. A search is counted in the site's
// analytics only through Options.Record, once per search: for the first
// page of results, and for the API only when the script asks for it.
package results

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/search"
	"github.com/noren-web/noren/internal/server"
)

// Defaults of Options.
const (
	// DefaultTimeout bounds one search.
	DefaultTimeout = 2 * time.Second
	// DefaultRate and DefaultBurst are the searches a network may make:
	// a burst as long as typing a few queries letter by letter, then a
	// steady two a second.
	DefaultRate  = 2.0
	DefaultBurst = 40
	// queueWait is how long a search waits for a free slot before the
	// server answers that it is busy.
	queueWait = 250 * time.Millisecond
)

// APIPath is the address of the JSON API.
const APIPath = "/api/search"

// ScriptPath is the address of the script that shows results as a
// visitor types.
const ScriptPath = "/noren/search.js"

// StylePath is the address of the styles of the search page and box.
const StylePath = "/noren/search.css"

// Path is the address of the search page in lang.
func Path(lang string) string { return "/" + lang + "/search" }

// Options configures a Handler.
type Options struct {
	// Search answers a query: the index's Search method. Its errors that
	// wrap search.ErrBadQuery are the visitor's; the others the server's.
	Search func(ctx context.Context, q search.Query) (*search.Results, error)
	// Chrome is the layout of the page; its template tree holds
	// templates/search/, as web.Templates does.
	Chrome *page.Chrome
	// Manifest returns the manifest in force, for the layout.
	Manifest func() *manifest.Manifest
	// Languages are the site's languages: a page is served for each, and
	// results may be filtered by them.
	Languages []string
	// Record counts a finished search in the site's analytics when the
	// visitor's consent allows it; nil counts nothing. The handler calls
	// it for the first page of results of the search page, unless the
	// script already counted the search (record=0), and for /api/search
	// only with record=1.
	Record func(r *http.Request, query string, results int)
	// Logger receives the errors of failed searches, never a query; nil
	// discards them.
	Logger *slog.Logger
	// Location is the site's time zone, in which dates are written; nil
	// means UTC.
	Location *time.Location
	// Rate and Burst limit the searches of each network (see
	// ratelimit.Limiter): Burst at once, then Rate a second; 0 means
	// DefaultRate and DefaultBurst.
	Rate  float64
	Burst int
	// MaxConcurrent bounds the searches running at once, so that a flood
	// from many networks cannot take every CPU; 0 means half of
	// GOMAXPROCS, at least one.
	MaxConcurrent int
	// Timeout bounds one search; 0 means DefaultTimeout.
	Timeout time.Duration
	// Now tells the time, for the rate limit; nil means time.Now.
	Now func() time.Time
}

// Handler serves the search page and the API.
type Handler struct {
	opt   Options
	log   *slog.Logger
	page  *page.Template
	slots chan struct{}
	// limiter holds each network's tokens for searches.
	limiter *ratelimit.Limiter
}

// New returns a Handler configured by opt; Search, Chrome, Manifest and
// Languages are required.
func New(opt Options) (*Handler, error) {
	if opt.Search == nil || opt.Chrome == nil || opt.Manifest == nil || len(opt.Languages) == 0 {
		return nil, errors.New("search results: Search, Chrome, Manifest and Languages are required")
	}
	opt.Languages = slices.Clone(opt.Languages)
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.Rate <= 0 {
		opt.Rate = DefaultRate
	}
	if opt.Burst <= 0 {
		opt.Burst = DefaultBurst
	}
	if opt.MaxConcurrent <= 0 {
		opt.MaxConcurrent = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	h := &Handler{opt: opt, log: opt.Logger, slots: make(chan struct{}, opt.MaxConcurrent),
		limiter: ratelimit.New(opt.Rate, opt.Burst, 0)}
	var err error
	if h.page, err = opt.Chrome.Page("templates/search/search.html"); err != nil {
		return nil, fmt.Errorf("search results: parse templates: %w", err)
	}
	return h, nil
}

// Register adds GET /{lang}/search for each of the site's languages and
// GET /api/search to mux. The languages are spelled out rather than
// matched by a wildcard, which would capture the site's own pages.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, lang := range h.opt.Languages {
		mux.Handle("GET "+Path(lang), h.servePage(lang))
	}
	mux.HandleFunc("GET "+APIPath, h.serveAPI)
}

// refusal is why a search was not answered, with its HTTP status and, for
// 429 and 503, the seconds after which to try again.
type refusal struct {
	status int
	retry  int
	key    string // the message's key in the catalogue
	err    error  // the error a bad query got
}

// run answers q for r, within the limits: the network's rate, the free
// slots, and the timeout.
func (h *Handler) run(r *http.Request, q search.Query) (*search.Results, *refusal) {
	if !h.limiter.Allow(server.ClientAddr(r), h.opt.Now()) {
		return nil, &refusal{status: http.StatusTooManyRequests, retry: h.retryAfter(), key: "search.error.rate"}
	}
	if !h.acquire(r.Context()) {
		return nil, &refusal{status: http.StatusServiceUnavailable, retry: 1, key: "search.error.busy"}
	}
	defer h.release()
	ctx, cancel := context.WithTimeout(r.Context(), h.opt.Timeout)
	defer cancel()
	res, err := h.opt.Search(ctx, q)
	switch {
	case err == nil && res == nil:
		res = &search.Results{Query: q}
	case errors.Is(err, search.ErrBadQuery):
		return nil, &refusal{status: http.StatusBadRequest, key: "search.error.bad_query", err: err}
	case errors.Is(err, context.DeadlineExceeded) && r.Context().Err() == nil:
		h.log.Warn("search timed out", "timeout", h.opt.Timeout)
		return nil, &refusal{status: http.StatusServiceUnavailable, retry: 1, key: "search.error.busy"}
	case err != nil:
		if r.Context().Err() == nil {
			// The query stays out of the log: it is the visitor's.
			h.log.Error("search", "lang", q.Lang, "section", q.Section, "type", q.Type, "page", q.Page, "err", err)
		}
		return nil, &refusal{status: http.StatusInternalServerError, key: "search.error.failed"}
	}
	return res, nil
}

// acquire takes a slot for a search, waiting a moment for one to free up;
// it reports false when none did.
func (h *Handler) acquire(ctx context.Context) bool {
	select {
	case h.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(queueWait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (h *Handler) release() { <-h.slots }

// retryAfter is the whole seconds until a network with no token left
// earns one back.
func (h *Handler) retryAfter() int {
	return max(1, int(math.Ceil(1/h.opt.Rate)))
}

// setRetry sets Retry-After for a refusal that has one.
func setRetry(w http.ResponseWriter, ref *refusal) {
	if ref.retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ref.retry))
	}
}

// servePage serves the search page in lang.
func (h *Handler) servePage(lang string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := h.opt.Manifest()
		req, err := parseRequest(r.URL.Query(), h.opt.Languages)
		status := http.StatusOK
		var res *search.Results
		var ref *refusal
		switch {
		case err != nil:
			ref = &refusal{status: http.StatusBadRequest, key: "search.error.bad_query", err: err}
		case req.query.Text != "":
			res, ref = h.run(r, req.query)
		}
		if ref != nil {
			status = ref.status
			setRetry(w, ref)
		} else if res != nil && h.opt.Record != nil && req.query.Page == 1 && req.record != "0" {
			h.opt.Record(r, req.query.Text, res.Total)
		}
		var body bytes.Buffer
		if err := h.page.Execute(&body, h.newPageView(m, lang, server.Nonce(r), req.query, res, ref)); err != nil {
			h.log.Error("search page", "lang", lang, "err", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		hdr := w.Header()
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Content-Language", lang)
		// Results name what a visitor looked for: no cache keeps them.
		hdr.Set("Cache-Control", "no-store")
		// Pages of results are not pages of the site for search engines.
		hdr.Set("X-Robots-Tag", "noindex")
		w.WriteHeader(status)
		w.Write(body.Bytes())
	})
}

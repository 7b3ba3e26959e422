// Package probe scans a site end to end: it crawls the site for its pages,
// visits them in a headless browser in each consent state, and judges what
// the browser saw against the privacy manifest and a cookie database. The
// scan command and the server's scheduled scans both run it.
package probe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan"
	"github.com/noren-web/noren/internal/scan/cookiedb"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/scan/visit"
)

// Options say what to scan and how.
type Options struct {
	// URL is the start page: the crawl starts there, and the banner is
	// pressed there.
	URL string
	// Pages bounds the pages visited, in each state; 0 means DefaultPages.
	Pages int
	// Depth bounds how many links away from the start page the crawl
	// goes, the pages the sitemaps list being one link away; 0 means no
	// bound (scan.CrawlOptions.Depth).
	Depth int
	// Manifest is the manifest judged against; nil judges by the cookie
	// database alone.
	Manifest *manifest.Manifest
	// CookieDB classifies what the manifest does not declare; nil for
	// none.
	CookieDB *cookiedb.DB
	// Visit are the browser's options; its Pages and Progress are the
	// scan's own. Its NorenCookie, when nil and a manifest is given, is
	// the manifest's consent cookie accepting or refusing everything.
	Visit visit.Options
	// Client makes the crawl's requests; nil means one with a 20-second
	// timeout that resolves names under .localhost to loopback. Give one
	// that reaches the site as the browser does (the same resolver rules
	// and certificates).
	Client *http.Client
	// Version is Noren's version, written into the report.
	Version string
	// Progress, when set, is called as the scan goes with the stage
	// (StageCrawl, StageVisit), the work done and the total, 0 while
	// unknown. The visit stage counts page visits: pages × states. It is
	// called from any goroutine, one call at a time.
	Progress func(stage string, done, total int)
	// Logger receives the pages the crawl could not read; nil discards
	// them.
	Logger *slog.Logger
	// Now is the clock of the consent cookie written for a choice; nil
	// means time.Now.
	Now func() time.Time
}

// Stages reported to Options.Progress.
const (
	StageCrawl = "crawl"
	StageVisit = "visit"
)

// DefaultPages is the pages a scan visits when Options.Pages is 0: enough
// for every template of a small site, in four states, within a minute.
const DefaultPages = 50

// ErrNoPages is wrapped by Run's error when the crawl found no page to
// visit.
var ErrNoPages = errors.New("the crawl found no page")

// ErrNothingLoaded is wrapped by Run's error when the browser could load
// none of the pages in any state, such as a host name the browser cannot
// resolve: a report of nothing seen would otherwise pass as clean.
var ErrNothingLoaded = errors.New("the browser loaded no page")

// Run scans the site at opt.URL: it finds the browser first, so that a
// machine without one fails before crawling, then crawls the site over
// HTTP for its pages (the start page first), visits them in every state
// asked, and judges what the browser saw. Its error is for a scan that
// could not be made: no browser, a start URL that is not an http(s) URL,
// no page found, a browser that failed or loaded no page, or ctx ending.
func Run(ctx context.Context, opt Options) (*verdict.Report, error) {
	browser, err := visit.FindBrowser(opt.Visit.Browser)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", opt.URL, err)
	}
	progress := serialized(opt.Progress)
	logger := opt.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	progress(StageCrawl, 0, 0)
	pages, truncated, err := crawl(ctx, opt, logger)
	if err != nil {
		return nil, err
	}
	progress(StageCrawl, len(pages), len(pages))

	vo := opt.Visit
	vo.Browser = browser
	vo.Pages = pages
	vo.Progress = func(done, total int) { progress(StageVisit, done, total) }
	if vo.NorenCookie == nil && opt.Manifest != nil {
		now := opt.Now
		if now == nil {
			now = time.Now
		}
		vo.NorenCookie = func(s visit.State) string { return verdict.NorenCookie(opt.Manifest, s, now()) }
	}
	result, err := visit.Run(ctx, vo)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", opt.URL, err)
	}
	if err := loadedAny(result); err != nil {
		return nil, fmt.Errorf("scan %s: %w", opt.URL, err)
	}
	return verdict.Judge(verdict.Input{
		Manifest:  opt.Manifest,
		DB:        opt.CookieDB,
		Result:    result,
		Pages:     pages,
		Truncated: truncated,
		Version:   opt.Version,
	}), nil
}

// loadedAny returns ErrNothingLoaded, with the first page's error, when
// pages were visited and every one of them failed. States not reached
// visit no page and are reported as such, not as a failed scan.
func loadedAny(r *visit.Result) error {
	var first *visit.Page
	for _, s := range r.States {
		for i := range s.Pages {
			if s.Pages[i].Error == "" {
				return nil
			}
			if first == nil {
				first = &s.Pages[i]
			}
		}
	}
	if first == nil {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrNothingLoaded, first.Error)
}

// crawl returns the absolute URLs of the site's pages, the start page
// first and the others by path, and whether the crawl stopped at a limit.
func crawl(ctx context.Context, opt Options, logger *slog.Logger) ([]string, bool, error) {
	limit := opt.Pages
	if limit <= 0 {
		limit = DefaultPages
	}
	client := opt.Client
	if client == nil {
		client = defaultClient()
	}
	r, err := scan.Crawl(ctx, opt.URL, scan.CrawlOptions{Client: client, MaxPages: limit, Depth: opt.Depth})
	if err != nil {
		return nil, false, fmt.Errorf("scan %s: %w", opt.URL, err)
	}
	for _, p := range r.Problems {
		logger.Warn("page not scanned", "page", p.Path, "err", p.Err)
	}
	if len(r.Pages) == 0 {
		if len(r.Problems) > 0 {
			return nil, false, fmt.Errorf("scan %s: %w (%s: %s)", opt.URL, ErrNoPages, r.Problems[0].Path, r.Problems[0].Err)
		}
		return nil, false, fmt.Errorf("scan %s: %w", opt.URL, ErrNoPages)
	}
	return pageURLs(opt.URL, r), r.Truncated, nil
}

// pageURLs turns the crawl's page paths into absolute URLs on the start
// URL's origin, the start page first: the browser presses the banner on
// the first page, which should be the one the operator named.
func pageURLs(start string, r *scan.Report) []string {
	u, err := url.Parse(start)
	if err != nil {
		return nil
	}
	if u.Path == "" {
		u.Path = "/"
	}
	first := u.RequestURI()
	origin := &url.URL{Scheme: u.Scheme, Host: u.Host}
	out := make([]string, 0, len(r.Pages))
	for _, p := range r.Pages {
		if p.Path == first {
			out = append([]string{origin.String() + p.Path}, out...)
			continue
		}
		out = append(out, origin.String()+p.Path)
	}
	return out
}

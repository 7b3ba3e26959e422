// Package crawl lists the pages and PDFs of an upstream server for the
// site search in proxy mode. It reads the upstream directly, as a polite
// crawler: robots.txt first, then the sitemaps, then the links of every
// page, on the upstream's own origin only.
package crawl

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/noren-web/noren/internal/robots"
	"github.com/noren-web/noren/internal/search"
)

// Agent is the product token the crawler looks for in robots.txt; groups
// for it win over the groups for "*".
const Agent = "noren"

// DefaultUserAgent is the User-Agent header the crawler sends unless told
// otherwise; its first word is the token robots.txt groups name.
const DefaultUserAgent = "Noren-search (+site search)"

// DefaultMaxPages bounds a crawl when Options.MaxPages is 0, so that a
// site generating endless pages (calendars, search results) ends.
const DefaultMaxPages = 50_000

// Options configure a Crawler.
type Options struct {
	// Base is the upstream's URL; pages outside its scheme, host, port
	// and path are never fetched.
	Base *url.URL
	// Client makes the requests; nil means one with timeouts for dialling
	// (10 s), the response header (30 s) and the whole request (60 s).
	// Its redirect policy is replaced by the crawler's own.
	Client *http.Client
	// Concurrency is the number of requests in flight at once; 0 means 2.
	Concurrency int
	// Delay is the pause each worker takes between two of its requests,
	// so Concurrency workers send up to Concurrency requests per Delay. A
	// robots.txt Crawl-delay is the site's own bound and applies to the
	// whole crawl instead: one request at a time, each starting at least
	// the Crawl-delay after the one before.
	Delay time.Duration
	// MaxPages bounds the documents a walk gives; 0 means DefaultMaxPages.
	MaxPages int
	// Exclude are site path patterns ("*" matches any characters, the
	// whole path must match) that are never fetched.
	Exclude []string
	// UserAgent is the User-Agent header; "" means DefaultUserAgent.
	UserAgent string
	// Logger receives why documents were skipped; nil discards.
	Logger *slog.Logger
}

// Crawler is a search.Source that crawls an upstream server.
type Crawler struct {
	opt    Options
	scope  scope
	client *http.Client
	log    *slog.Logger
	// requestTime bounds one request, its body included, when the
	// client sets no Timeout of its own.
	requestTime time.Duration
}

var _ search.Source = (*Crawler)(nil)

// New returns a crawler of the upstream at opt.Base.
func New(opt Options) (*Crawler, error) {
	if opt.Base == nil || (opt.Base.Scheme != "http" && opt.Base.Scheme != "https") || opt.Base.Host == "" {
		return nil, fmt.Errorf("new crawler: upstream %v is not an absolute http(s) URL", opt.Base)
	}
	if opt.Concurrency < 0 || opt.Delay < 0 || opt.MaxPages < 0 {
		return nil, fmt.Errorf("new crawler %s: negative concurrency, delay or page limit", opt.Base.Redacted())
	}
	if opt.Concurrency == 0 {
		opt.Concurrency = 2
	}
	if opt.MaxPages == 0 {
		opt.MaxPages = DefaultMaxPages
	}
	opt.UserAgent = cmp.Or(opt.UserAgent, DefaultUserAgent)
	base := *opt.Base
	if !strings.HasPrefix(base.Path, "/") {
		// url.JoinPath on a URL without a path leaves one without its
		// leading slash.
		base.Path, base.RawPath = "/"+base.Path, ""
	}
	base.Fragment, base.RawFragment = "", ""
	opt.Base = &base
	c := &Crawler{opt: opt, scope: newScope(opt.Base), client: opt.Client, log: opt.Logger, requestTime: maxRequestTime}
	if c.client == nil {
		c.client = defaultClient()
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// ErrRobotsUnavailable is wrapped by the error of a walk that crawled
// nothing because robots.txt could not be read (a 5xx answer or a network
// error): as RFC 9309 asks, the whole site then counts as disallowed.
var ErrRobotsUnavailable = errors.New("robots.txt unavailable")

// run is the state of one walk.
type run struct {
	c      *Crawler
	http   *http.Client
	robots *robots.Rules // set before the workers start, read-only after
	log    *slog.Logger
	pace   *pacer
}

// result is what a worker made of one URL.
type result struct {
	item  *search.Item
	links []*url.URL
	// final is the URL the document was read from after redirects.
	final *url.URL
}

// Walk crawls the upstream and calls fn for every HTML page and PDF it
// finds, one call at a time, until the site is exhausted, MaxPages
// documents were given, fn fails (its error is returned as it is) or ctx
// ends. A document the upstream failed to serve for a passing reason (a
// network error, a 5xx answer) is given too, with an Open that returns
// the failure, so that the index keeps its last copy.
func (c *Crawler) Walk(ctx context.Context, fn func(search.Item) error) error {
	r := &run{c: c, log: c.log.With("upstream", c.opt.Base.Redacted()), pace: newPacer()}
	r.http = r.client()
	start := time.Now()

	rb, err := r.fetchRobots(ctx)
	if err != nil {
		return fmt.Errorf("crawl %s: %w", c.opt.Base.Redacted(), err)
	}
	r.robots = rb
	delay, _ := rb.Delay()
	r.pace.raise(delay)

	f := &frontier{scope: c.scope, robots: rb, exclude: c.opt.Exclude, seen: map[string]bool{}, log: r.log,
		limit: 10 * c.opt.MaxPages}
	f.admit(c.opt.Base.JoinPath("/"))
	if err := r.readSitemaps(ctx, f); err != nil {
		return fmt.Errorf("crawl %s: %w", c.opt.Base.Redacted(), err)
	}

	// The workers' first requests follow the last sitemap's at once
	// otherwise.
	if err := sleep(ctx, c.opt.Delay); err != nil {
		return fmt.Errorf("crawl %s: %w", c.opt.Base.Redacted(), err)
	}
	given, err := r.crawl(ctx, f, fn)
	if err != nil {
		return err
	}
	r.log.Info("search crawl done", "documents", given, "urls", len(f.seen), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// crawl visits the frontier with Concurrency workers, feeding it the
// links they find, and gives fn the documents one at a time from this
// goroutine, which alone touches the frontier. It returns the number of
// documents given.
func (r *run) crawl(ctx context.Context, f *frontier, fn func(search.Item) error) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	jobs := make(chan *url.URL)
	results := make(chan result, r.c.opt.Concurrency)
	var wg sync.WaitGroup
	for range r.c.opt.Concurrency {
		wg.Go(func() { r.work(ctx, jobs, results) })
	}
	defer func() {
		cancel()
		close(jobs)
		wg.Wait()
	}()

	given := map[string]bool{} // site paths already given to fn, redirects may lead twice to one
	inFlight := 0
	for {
		var send chan *url.URL
		var next *url.URL
		if len(f.queue) > 0 && len(given)+inFlight < r.c.opt.MaxPages {
			send, next = jobs, f.queue[0]
		}
		if send == nil && inFlight == 0 {
			return len(given), nil
		}
		select {
		case send <- next:
			f.queue = f.queue[1:]
			inFlight++
		case res := <-results:
			inFlight--
			if res.final != nil {
				f.markSeen(res.final)
			}
			if res.item != nil && !given[res.item.Path] {
				given[res.item.Path] = true
				if err := fn(*res.item); err != nil {
					return len(given), err
				}
			}
			for _, u := range res.links {
				f.admit(u)
			}
		case <-ctx.Done():
			return len(given), fmt.Errorf("crawl %s: %w", r.c.opt.Base.Redacted(), ctx.Err())
		}
	}
}

// work visits the URLs it is given, pausing between requests, until jobs
// closes or ctx ends.
func (r *run) work(ctx context.Context, jobs <-chan *url.URL, results chan<- result) {
	for u := range jobs {
		if ctx.Err() != nil {
			continue // drain until closed, so the coordinator never blocks
		}
		res := r.visit(ctx, u)
		select {
		case results <- res:
		case <-ctx.Done():
		}
		_ = sleep(ctx, r.c.opt.Delay)
	}
}

// slowDown makes the crawl one request at a time and doubles the
// interval between them, from the rate the workers had, to at least wait
// and at most maxDelay, after the upstream asked for less traffic: a
// 429 or 503 is about the site, not one worker.
func (r *run) slowDown(wait time.Duration) {
	rate := max(r.pace.gap(), r.c.opt.Delay/time.Duration(r.c.opt.Concurrency))
	r.pace.raise(min(max(2*rate, wait, 100*time.Millisecond), maxDelay))
}

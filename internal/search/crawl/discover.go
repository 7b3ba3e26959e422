package crawl

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/noren-web/noren/internal/robots"
)

// fetchRobots reads the upstream's robots.txt. A 4xx answer (or a
// redirect off the upstream) means no rules; a 5xx or 429 answer or a
// network error means the site cannot be crawled now, as RFC 9309 asks.
func (r *run) fetchRobots(ctx context.Context) (*robots.Rules, error) {
	origin := &url.URL{Scheme: r.c.opt.Base.Scheme, Host: r.c.opt.Base.Host, Path: "/robots.txt"}
	target := origin.String()
	resp, err := r.getPolitely(ctx, target)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %s: %v; nothing is crawled this run", ErrRobotsUnavailable, target, err)
	}
	defer discard(resp)
	switch {
	case resp.StatusCode == http.StatusOK:
		// A file cut off would read as the rules before the cut, which
		// may lack the Disallow lines after it; RFC 9309 lets the crawler
		// stop reading only at a size, which the limit is.
		b, err := io.ReadAll(io.LimitReader(resp.Body, robots.MaxSize))
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w: %s: read: %v; nothing is crawled this run", ErrRobotsUnavailable, target, err)
		}
		// Operators may name the crawler by the User-Agent they see in
		// their logs as well as by its short token.
		return robots.Parse(bytes.NewReader(b), Agent, r.c.opt.UserAgent), nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, fmt.Errorf("%w: %s answered %s; nothing is crawled this run", ErrRobotsUnavailable, target, resp.Status)
	default:
		return &robots.Rules{}, nil
	}
}

// maxSitemapFiles bounds the sitemap files, indexes included, one walk
// reads.
const maxSitemapFiles = 100

// readSitemaps reads the sitemaps robots.txt names, or /sitemap.xml when
// it names none, and the sitemaps their indexes name, and admits the page
// URLs they list to f as it goes, until f is full: sitemaps naming each
// other with ever new URLs, each listing 50,000 pages, would otherwise
// be held whole. Only the error of an ending ctx is returned; a sitemap
// that cannot be read is logged and passed over.
func (r *run) readSitemaps(ctx context.Context, f *frontier) error {
	type entry struct {
		u     *url.URL
		named bool // named by robots.txt, so fetched even where it disallows
	}
	var queue []entry
	seen := map[string]bool{}
	add := func(base *url.URL, loc string, named bool) {
		u, err := base.Parse(strings.TrimSpace(loc))
		if err != nil || len(seen) >= maxSitemapFiles {
			return
		}
		u.Fragment, u.RawFragment = "", ""
		if u.Scheme != r.c.scope.scheme || canonicalHost(u.Scheme, u.Host) != r.c.scope.host || u.User != nil {
			r.log.Debug("search crawl: sitemap on another origin ignored", "sitemap", loc)
			return
		}
		if k := r.c.scope.key(u); !seen[k] {
			seen[k] = true
			queue = append(queue, entry{u, named})
		}
	}
	for _, s := range r.robots.Sitemaps() {
		add(r.c.opt.Base, s, true)
	}
	if len(queue) == 0 {
		add(r.c.opt.Base.JoinPath("/"), "sitemap.xml", false)
	}
	for i := 0; i < len(queue) && !f.full(); i++ {
		e := queue[i]
		if !e.named && !r.robots.Allowed(e.u.RequestURI()) {
			continue
		}
		if err := sleep(ctx, r.c.opt.Delay); err != nil {
			return err
		}
		sm, err := r.fetchSitemap(ctx, e.u.String())
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			// A missing /sitemap.xml is common; a named sitemap that
			// fails is worth the operator's attention.
			level := slog.LevelDebug
			if e.named {
				level = slog.LevelInfo
			}
			r.log.Log(ctx, level, "search crawl: sitemap unreadable", "sitemap", e.u.String(), "err", err)
		}
		for _, loc := range sm.sitemaps {
			add(e.u, loc, false)
		}
		for _, loc := range sm.pages {
			if u, err := e.u.Parse(loc); err == nil {
				f.admit(u)
			}
		}
	}
	return nil
}

// fetchSitemap fetches and parses one sitemap file.
func (r *run) fetchSitemap(ctx context.Context, target string) (sitemap, error) {
	resp, err := r.getPolitely(ctx, target)
	if err != nil {
		return sitemap{}, err
	}
	defer discard(resp)
	if resp.StatusCode != http.StatusOK {
		return sitemap{}, fmt.Errorf("status %s", resp.Status)
	}
	return parseSitemap(resp.Body)
}

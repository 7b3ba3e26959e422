package scan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/noren-web/noren/internal/robots"
)

// Agent is the user agent token the crawler sends and looks for in
// robots.txt.
const Agent = "Noren-scan"

// CrawlOptions bound a crawl.
type CrawlOptions struct {
	// Client makes the requests; nil means one with a 20-second timeout.
	// Redirects to another host are never followed.
	Client *http.Client
	// Self are host names that are the site's own besides the start URL's.
	Self []string
	// MaxPages stops the crawl after this many pages; 0 means 200.
	MaxPages int
	// Concurrency is how many requests run at once; 0 means 2, to stay
	// polite to the site.
	Concurrency int
	// Depth bounds how many links away from the start page the crawl
	// goes: the start page is at depth 0, the pages it links to and the
	// pages the sitemaps list at depth 1, and so on. Links of a page at
	// Depth are not followed. 0 means no bound, as a sitemap may list any
	// page anyway.
	Depth int
}

// Crawl scans the site at start over HTTP: the start page, the pages its
// sitemaps list (those robots.txt names, or /sitemap.xml), and the pages
// reachable through links, breadth first, on the start URL's scheme and
// host only. It honours robots.txt for its agent token and stops at
// MaxPages, and at Depth. Pages that fail (an error status, not HTML) are reported as
// Problems; the error is for a start URL that is not an http(s) URL or a
// context that ends.
func Crawl(ctx context.Context, start string, opt CrawlOptions) (*Report, error) {
	u, err := url.Parse(start)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("crawl %q: want an absolute http(s) URL", start)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	u.Fragment = ""
	c := &crawler{origin: &url.URL{Scheme: u.Scheme, Host: u.Host}, opt: opt, seen: map[string]bool{}, depth: map[string]int{}}
	if c.opt.MaxPages <= 0 {
		c.opt.MaxPages = 200
	}
	if c.opt.Concurrency <= 0 {
		c.opt.Concurrency = 2
	}
	c.client = sameHostClient(opt.Client, u.Host)
	c.robots = c.fetchRobots(ctx)

	frontier := c.admit(nil, 0, u.String())
	sitemaps := c.robots.Sitemaps()
	if len(sitemaps) == 0 {
		sitemaps = []string{c.origin.JoinPath("sitemap.xml").String()}
	}
	frontier = c.admit(frontier, 1, c.sitemapPages(ctx, sitemaps, sitemapPageCap(c.opt.MaxPages))...)

	r := &Report{}
	full := false // the page limit is reached
	for len(frontier) > 0 && !full {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("crawl %s: %w", start, err)
		}
		if room := c.opt.MaxPages - len(r.Pages) - len(r.Problems); len(frontier) > room {
			frontier = frontier[:room]
			r.Truncated, full = true, true
		}
		var next []string
		for _, res := range c.fetchAll(ctx, frontier) {
			if res.err != nil {
				r.Problems = append(r.Problems, Problem{Path: c.display(res.url), Err: res.err.Error()})
				continue
			}
			res.page.Path = c.display(res.url)
			r.Pages = append(r.Pages, *res.page)
			d := c.depth[res.url]
			if c.opt.Depth > 0 && d >= c.opt.Depth {
				// The links of the last level are left, and the report
				// says so when one of them leads to a page not seen.
				r.Truncated = r.Truncated || c.anyNew(res.page.links)
				continue
			}
			next = c.admit(next, d+1, res.page.links...)
		}
		frontier = next
	}
	r.sort()
	return r, nil
}

// crawler is the state of one crawl.
type crawler struct {
	origin *url.URL
	opt    CrawlOptions
	client *http.Client
	robots *robots.Rules
	seen   map[string]bool
	// depth is how many links away from the start page each URL seen
	// was first found.
	depth map[string]int
}

// fetched is the outcome of fetching one page.
type fetched struct {
	url  string
	page *Page
	err  error
}

// admit appends to frontier the URLs not seen before that are on the
// site, allowed by robots.txt and not obviously something other than a
// page, and records them at depth.
func (c *crawler) admit(frontier []string, depth int, urls ...string) []string {
	for _, raw := range urls {
		key, ok := c.admissible(raw)
		if !ok {
			continue
		}
		c.seen[key] = true
		c.depth[key] = depth
		frontier = append(frontier, key)
	}
	return frontier
}

// anyNew reports whether any of urls would be admitted.
func (c *crawler) anyNew(urls []string) bool {
	for _, raw := range urls {
		if _, ok := c.admissible(raw); ok {
			return true
		}
	}
	return false
}

// admissible returns the URL raw names, without its fragment, and whether
// it is a page of the site not seen before that robots.txt allows.
func (c *crawler) admissible(raw string) (string, bool) {
	u, err := c.origin.Parse(raw)
	if err != nil || u.Scheme != c.origin.Scheme || !strings.EqualFold(u.Host, c.origin.Host) {
		return "", false
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	key := u.String()
	if c.seen[key] || !c.robots.Allowed(u.RequestURI()) || notPage(u.Path) {
		return "", false
	}
	return key, true
}

// fetchAll fetches the pages of one breadth of the crawl, at most
// Concurrency at a time, and returns the outcomes in the order given.
func (c *crawler) fetchAll(ctx context.Context, urls []string) []fetched {
	out := make([]fetched, len(urls))
	sem := make(chan struct{}, c.opt.Concurrency)
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			page, err := c.fetchPage(ctx, u)
			out[i] = fetched{url: u, page: page, err: err}
		}()
	}
	wg.Wait()
	return out
}

// fetchPage fetches and parses one page.
func (c *crawler) fetchPage(ctx context.Context, pageURL string) (*Page, error) {
	resp, err := c.get(ctx, pageURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt != "text/html" && mt != "application/xhtml+xml" {
		return nil, fmt.Errorf("not a page (%s)", cmp.Or(ct, "no Content-Type"))
	}
	base := resp.Request.URL
	p, err := ParsePage(resp.Body, ct, base, c.opt.Self)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// fetchRobots reads the site's robots.txt; a missing or unreadable one
// allows everything.
func (c *crawler) fetchRobots(ctx context.Context) *robots.Rules {
	resp, err := c.get(ctx, c.origin.JoinPath("robots.txt").String())
	if err != nil {
		return &robots.Rules{}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &robots.Rules{}
	}
	return robots.Parse(resp.Body, Agent)
}

// maxSitemaps bounds how many sitemap files, index files included, a
// crawl reads.
const maxSitemaps = 10

// sitemapPageCap is how many page URLs a crawl of at most maxPages pages
// takes from the sitemaps: enough to fill it past the ones that turn out
// to be repeated, elsewhere or disallowed, and few enough that sitemaps
// listing millions of pages cost little memory.
func sitemapPageCap(maxPages int) int { return max(10*maxPages, 1000) }

// sitemapPages returns up to limit page URLs of the sitemaps given and of
// the sitemaps their indexes name, up to maxSitemaps files, on the site
// only.
func (c *crawler) sitemapPages(ctx context.Context, sitemaps []string, limit int) []string {
	var pages []string
	queue := slices.Clone(sitemaps)
	for read := 0; len(queue) > 0 && read < maxSitemaps && len(pages) < limit; read++ {
		loc := queue[0]
		queue = queue[1:]
		u, err := c.origin.Parse(loc)
		if err != nil || !strings.EqualFold(u.Host, c.origin.Host) {
			continue
		}
		resp, err := c.get(ctx, u.String())
		if err != nil {
			continue
		}
		if resp.StatusCode == http.StatusOK {
			p, more := parseSitemap(resp.Body)
			pages = append(pages, p[:min(len(p), limit-len(pages))]...)
			queue = append(queue, more...)
		}
		resp.Body.Close()
	}
	return pages
}

func (c *crawler) get(ctx context.Context, target string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", Agent+"/1")
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
	return c.client.Do(req)
}

// display is how a page's URL is shown: its path and query on the site.
func (c *crawler) display(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.RequestURI()
}

// sameHostClient returns a copy of client (or a new one) that follows
// redirects only on host.
func sameHostClient(client *http.Client, host string) *http.Client {
	var c http.Client
	if client != nil {
		c = *client
	} else {
		c.Timeout = 20 * time.Second
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !strings.EqualFold(req.URL.Host, host) {
			return fmt.Errorf("redirect to another host %s", req.URL.Host)
		}
		if len(via) >= 10 {
			return errors.New("too many redirects")
		}
		return nil
	}
	return &c
}

// notPage reports whether a URL path names a file that is not a page by
// its extension, which the crawl does not fetch.
func notPage(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".pdf", ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".ico", ".css", ".js", ".json",
		".xml", ".txt", ".zip", ".gz", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".csv",
		".mp3", ".mp4", ".mov", ".webm", ".woff", ".woff2", ".ttf", ".exe", ".dmg":
		return true
	}
	return false
}

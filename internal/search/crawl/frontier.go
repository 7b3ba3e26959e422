package crawl

import (
	"log/slog"
	"net/url"

	"github.com/noren-web/noren/internal/robots"
)

// frontier is the URLs a walk has yet to visit and those it has seen.
// Only the walk's coordinating goroutine touches it.
type frontier struct {
	scope   scope
	robots  *robots.Rules
	exclude []string
	seen    map[string]bool
	queue   []*url.URL
	// limit bounds the URLs remembered, so links that generate new URLs
	// forever (calendars, session ids) cannot exhaust memory.
	limit int
	log   *slog.Logger
}

// admit queues u unless it was seen before, lies outside the upstream,
// names a file that is not a document, or robots.txt or the operator's
// exclusions forbid it.
func (f *frontier) admit(u *url.URL) {
	if !f.scope.contains(u) || f.full() {
		return
	}
	key := f.scope.key(u)
	if f.seen[key] || len(key) > maxURLLength {
		return
	}
	f.seen[key] = true
	switch {
	case notDocument(u.Path):
		return
	case !f.robots.Allowed(u.RequestURI()):
		f.log.Debug("search crawl: skipped, robots.txt disallows it", "url", key)
		return
	case excluded(f.exclude, f.scope.sitePath(u)):
		f.log.Debug("search crawl: skipped, excluded", "url", key)
		return
	}
	v := *u
	v.Fragment, v.RawFragment, v.ForceQuery = "", "", false
	f.queue = append(f.queue, &v)
}

// full reports whether the frontier remembers as many URLs as it may,
// so that it admits no more.
func (f *frontier) full() bool {
	return len(f.seen) >= f.limit
}

// markSeen records a URL reached through a redirect, so that links to it
// are not fetched again.
func (f *frontier) markSeen(u *url.URL) {
	if f.scope.contains(u) {
		f.seen[f.scope.key(u)] = true
	}
}

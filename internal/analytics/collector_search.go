package analytics

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/noren-web/noren/internal/analytics/enrich"
	"github.com/noren-web/noren/internal/server"
)

// RecordSearch counts a site search the server answered itself, such as
// Noren's own search page, as a "search" event of site with the query and
// its result count: the same event the tracker sends for a search page,
// for visitors without JavaScript too. r is the visitor's request, which
// gives the page, the language and the visitor hash as a tracked page
// would. The event passes the collector's rules like any other: the
// network's rate limit, the origin rule (see crossSite), the bot filter
// and Allow (the manifest's consent rule); what it refuses is dropped
// without an answer, as the visitor's page does not wait on analytics.
// RecordSearch reports whether the event was taken in.
func (c *Collector) RecordSearch(r *http.Request, site, query string, results int) bool {
	if c.limiter != nil && !c.limiter.Allow(server.ClientAddr(r), c.now()) {
		c.outcomes.WithLabelValues(outcomeLimited).Inc()
		return false
	}
	if c.crossSite(r) {
		c.outcomes.WithLabelValues(outcomeInvalid).Inc()
		return false
	}
	agent := enrich.ParseAgent(r.UserAgent())
	if ignored := c.ignored(r, agent); ignored != "" {
		c.outcomes.WithLabelValues(ignored).Inc()
		return false
	}
	sites, refused := c.servedSites([]string{site})
	if refused != nil {
		c.outcomes.WithLabelValues(outcomeInvalid).Inc()
		return false
	}
	path := r.URL.Path
	if !validText(path, maxPath) {
		c.outcomes.WithLabelValues(outcomeInvalid).Inc()
		return false
	}
	p := payload{
		name:     "search",
		url:      "https://" + site + path,
		domains:  sites,
		path:     path,
		hostname: site,
		search:   clip(query, maxProp),
		results:  results,
	}
	return c.collect(r, p, sites, agent) == nil
}

// crossSite reports whether r was sent by another site's page without
// the visitor asking for it: an image, a fetch or a frame there, which
// could count searches of that page's choosing from each of its visitors'
// networks. The collector refuses such events by their Origin; a search
// page is fetched with GET, which browsers mark by Sec-Fetch-Site instead.
// A link a person followed from elsewhere is their search and counts.
func (c *Collector) crossSite(r *http.Request) bool {
	if origin := r.Header.Get("Origin"); origin != "" && !c.origins[origin] {
		if u, err := url.Parse(origin); err != nil || !strings.EqualFold(u.Host, r.Host) {
			return true
		}
	}
	h := r.Header
	switch h.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return false
	}
	clicked := h.Get("Sec-Fetch-Mode") == "navigate" && h.Get("Sec-Fetch-Dest") == "document" && h.Get("Sec-Fetch-User") == "?1"
	return !clicked
}

// clip shortens s to at most limit bytes without splitting a character,
// and drops what is not valid UTF-8.
func clip(s string, limit int) string {
	out := make([]rune, 0, min(len(s), limit))
	n := 0
	// Ranging over a string turns invalid bytes into U+FFFD, dropped
	// with the control characters no stored field takes.
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f {
			continue
		}
		size := utf8.RuneLen(r)
		if n+size > limit {
			break
		}
		n += size
		out = append(out, r)
	}
	return string(out)
}

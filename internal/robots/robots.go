// Package robots reads robots.txt files (RFC 9309) for Noren's crawlers:
// the Allow and Disallow rules of the group that names a crawler, the
// Crawl-delay of that group and the sitemaps the file names.
package robots

import (
	"bufio"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxSize is how much of a robots.txt is read: RFC 9309 lets a crawler
// stop after at least 500 KiB.
const MaxSize = 500 << 10

// MaxDelay bounds a Crawl-delay so that one line cannot stall a crawl for
// hours.
const MaxDelay = 10 * time.Second

// Rules is what a robots.txt says to one crawler. The zero Rules, and a
// nil *Rules, allow everything: what a missing robots.txt means.
type Rules struct {
	rules    []rule
	delay    time.Duration
	hasDelay bool
	sitemaps []string
}

// rule is one Allow or Disallow line, its pattern normalised so that it
// compares with a URL's escaped path.
type rule struct {
	allow   bool
	pattern string
}

// group is one run of User-agent lines and the lines that follow them.
type group struct {
	agents   []string
	rules    []rule
	delay    time.Duration
	hasDelay bool
}

// Parse reads a robots.txt for a crawler known by agents, each a product
// token or a whole User-Agent header ("Noren-search (+site search)" names
// "noren-search"): the rules of every group that names one of them,
// merged, or else of the groups for "*". Sitemap lines count wherever they
// stand; lines it does not understand are ignored, as the RFC asks, so
// Parse never fails. It reads at most MaxSize bytes.
func Parse(r io.Reader, agents ...string) *Rules {
	tokens := make([]string, len(agents))
	for i, a := range agents {
		tokens[i] = productToken(a)
	}
	out := &Rules{}
	var groups []*group
	var cur *group
	inRules := false // a rule line has been read, so the next User-agent starts a group
	sc := bufio.NewScanner(io.LimitReader(r, MaxSize))
	sc.Buffer(make([]byte, 0, 4096), MaxSize)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		switch key {
		case "user-agent":
			if cur == nil || inRules {
				cur = &group{}
				groups = append(groups, cur)
				inRules = false
			}
			cur.agents = append(cur.agents, productToken(value))
		case "allow", "disallow":
			if cur == nil {
				continue // rules before any User-agent belong to no group
			}
			inRules = true
			if value == "" {
				continue // an empty Disallow allows everything, which is the default
			}
			cur.rules = append(cur.rules, rule{allow: key == "allow", pattern: normalisePattern(value)})
		case "crawl-delay":
			if cur == nil {
				continue
			}
			inRules = true
			if d, ok := parseDelay(value); ok {
				cur.delay, cur.hasDelay = d, true
			}
		case "sitemap":
			if value != "" {
				out.sitemaps = append(out.sitemaps, value)
			}
		}
	}
	mine := pick(groups, tokens...)
	if !mine.matched {
		mine = pick(groups, "*")
	}
	out.rules, out.delay, out.hasDelay = mine.rules, mine.delay, mine.hasDelay
	return out
}

// Allowed reports whether the rules let the crawler fetch a URL's escaped
// path and query (url.URL.RequestURI): the longest matching pattern
// decides and Allow wins a tie, as Google and RFC 9309 do. /robots.txt
// itself is always allowed.
func (r *Rules) Allowed(requestURI string) bool {
	if r == nil || requestURI == "/robots.txt" {
		return true
	}
	target := normalisePath(requestURI)
	best, allow := -1, true
	for _, ru := range r.rules {
		if !Match(ru.pattern, target) {
			continue
		}
		if n := len(ru.pattern); n > best || n == best && ru.allow {
			best, allow = n, ru.allow
		}
	}
	return allow
}

// Sitemaps returns the values of the file's Sitemap lines, in order, as
// written: they may be relative and are not checked.
func (r *Rules) Sitemaps() []string {
	if r == nil {
		return nil
	}
	return slices.Clone(r.sitemaps)
}

// Delay returns the Crawl-delay of the group that applies, at most
// MaxDelay, and whether it states one; merged groups give the longest.
func (r *Rules) Delay() (time.Duration, bool) {
	if r == nil {
		return 0, false
	}
	return r.delay, r.hasDelay
}

// picked is the merged groups for one user agent.
type picked struct {
	matched  bool
	rules    []rule
	delay    time.Duration
	hasDelay bool
}

// pick merges the groups that name one of agents, as RFC 9309 says to
// when a robots.txt names the same agent more than once.
func pick(groups []*group, agents ...string) picked {
	var p picked
	for _, g := range groups {
		for _, a := range g.agents {
			if !slices.Contains(agents, a) {
				continue
			}
			p.matched = true
			p.rules = append(p.rules, g.rules...)
			if g.hasDelay {
				p.delay, p.hasDelay = max(p.delay, g.delay), true
			}
			break
		}
	}
	return p
}

// productToken is the part of a User-agent value that names a crawler:
// "Noren/1.0" and "noren" both name "noren". RFC 9309 matches tokens
// whole, so "noren" does not name "noren-scan".
func productToken(v string) string {
	v = strings.ToLower(v)
	if v == "*" {
		return v
	}
	end := strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r == '-' || r == '_')
	})
	if end >= 0 {
		v = v[:end]
	}
	return v
}

// parseDelay reads a Crawl-delay value in seconds, fractions allowed.
func parseDelay(v string) (time.Duration, bool) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsNaN(f) {
		return 0, false
	}
	if f > MaxDelay.Seconds() {
		return MaxDelay, true
	}
	return time.Duration(f * float64(time.Second)), true
}

package analytics

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// Generate emits n plausible events of site in [from, to), in time order,
// the same ones for the same arguments: visits of one to six pageviews
// drawn with Zipf page popularity from the demo site's pages in Japanese
// and English, arriving directly or from Google, Yahoo! JAPAN, X, other
// sites and a newsletter campaign, with site searches (some finding
// nothing), outbound clicks, downloads of the demo's PDF and requests for
// missing pages. Traffic follows the day in Japan and is lighter at
// weekends. Visitor ids change every UTC day, as the collector's do. Some
// returning visitors come back exactly VisitGap after their last event,
// which continues their visit, and some a second later, which begins a new
// one, so that every store is tested on the edge of the rule.
func Generate(seed int64, site string, from, to time.Time, n int, emit func(Event) error) error {
	if n < 0 {
		return fmt.Errorf("analytics: generate %d events: a negative count", n)
	}
	if !from.Before(to) {
		return errors.New("analytics: generate: the range is empty")
	}
	if site == "" {
		return errors.New("analytics: generate: no site")
	}
	g := &eventGenerator{
		rng:     rand.New(rand.NewPCG(uint64(seed), 0x6e6f72656e)),
		seed:    uint64(seed),
		site:    site,
		persons: max(20, n/8),
	}
	g.pages = map[string][]string{"ja": generatedPages("ja"), "en": generatedPages("en")}
	g.popularity = map[string]*rand.Zipf{
		"ja": rand.NewZipf(g.rng, 1.15, 1, uint64(len(g.pages["ja"])-1)),
		"en": rand.NewZipf(g.rng, 1.15, 1, uint64(len(g.pages["en"])-1)),
	}
	from, to = from.UTC(), to.UTC()

	// Share n among the UTC days of the range by how much of each day it
	// covers and how busy that day of the week is.
	type span struct {
		from, to time.Time
		weight   float64
		quota    int
	}
	var spans []span
	total := 0.0
	for day := UTCDay(from); day.Before(to); day = day.AddDate(0, 0, 1) {
		sp := span{from: Later(day, from), to: Earlier(day.AddDate(0, 0, 1), to)}
		for h := sp.from.Truncate(time.Hour); h.Before(sp.to); h = h.Add(time.Hour) {
			covered := Earlier(h.Add(time.Hour), sp.to).Sub(Later(h, sp.from)).Hours()
			sp.weight += covered * hourWeight(h)
		}
		total += sp.weight
		spans = append(spans, sp)
	}
	assigned := 0
	for i := range spans {
		spans[i].quota = int(float64(n) * spans[i].weight / total)
		assigned += spans[i].quota
	}
	for i := 0; assigned < n; i = (i + 1) % len(spans) {
		spans[i].quota++
		assigned++
	}

	for _, sp := range spans {
		events := g.day(sp.from, sp.to, sp.quota)
		slices.SortStableFunc(events, func(a, b Event) int { return a.Time.Compare(b.Time) })
		for _, e := range events {
			if err := emit(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// eventGenerator holds the state of one Generate call.
type eventGenerator struct {
	rng     *rand.Rand
	seed    uint64
	site    string
	persons int
	// pages lists each language's pages, most popular first, and
	// popularity draws indexes into them.
	pages      map[string][]string
	popularity map[string]*rand.Zipf
}

// genPerson is a returning visitor: the same device, language and place on
// every visit.
type genPerson struct {
	language, country                    string
	device, os, browser, version, screen string
}

// day returns exactly quota events in [from, to), all within one UTC day.
func (g *eventGenerator) day(from, to time.Time, quota int) []Event {
	events := make([]Event, 0, quota)
	last := make(map[uint64]time.Time)
	for len(events) < quota {
		id := g.rng.IntN(g.persons)
		if g.rng.IntN(5) == 0 {
			// A few regulars come back several times a day.
			id = g.rng.IntN(max(1, g.persons/50))
		}
		p := g.person(id)
		visitor := genMix(g.seed, uint64(id), uint64(from.Unix()/86400))
		start := g.visitStart(from, to)
		// A hash rather than the generator picks the visits placed on
		// the edge of VisitGap, so that the other events stay as they
		// were before such visits existed.
		if prev, ok := last[visitor]; ok {
			switch genMix(visitor, uint64(len(events)), 2) % 16 {
			case 0:
				start = prev.Add(VisitGap)
			case 1:
				start = prev.Add(VisitGap + time.Second)
			}
		}
		n := len(events)
		events = g.visit(events, quota, p, visitor, start, to)
		for _, e := range events[n:] {
			last[visitor] = Later(last[visitor], e.Time)
		}
	}
	return events
}

// visitStart draws a start in [from, to) following the hours' weights.
func (g *eventGenerator) visitStart(from, to time.Time) time.Time {
	for {
		t := from.Add(time.Duration(g.rng.Int64N(int64(to.Sub(from)))))
		if g.rng.Float64()*maxHourWeight < hourWeight(t) {
			return t.Truncate(time.Second)
		}
	}
}

// person returns the fixed traits of person id.
func (g *eventGenerator) person(id int) genPerson {
	r := rand.New(rand.NewPCG(g.seed^0x9e3779b97f4a7c15, uint64(id)))
	p := genPerson{language: "ja"}
	if r.IntN(100) < 28 {
		p.language = "en"
	}
	if p.language == "ja" {
		p.country = genPick(r, []string{"JP", "US", "TW", "KR", ""}, []int{95, 2, 1, 1, 1})
	} else {
		p.country = genPick(r, []string{"US", "JP", "GB", "SG", "AU", "IN", "DE", "FR", "KR", "CA", ""}, []int{30, 25, 10, 8, 5, 5, 5, 4, 4, 3, 1})
	}
	switch p.device = genPick(r, []string{"desktop", "mobile", "tablet"}, []int{45, 50, 5}); p.device {
	case "desktop":
		p.os = genPick(r, []string{"Windows", "macOS", "Linux", "ChromeOS"}, []int{60, 30, 5, 5})
		p.screen = genPick(r, []string{"large", "xlarge", "medium"}, []int{60, 35, 5})
		if p.os == "macOS" {
			p.browser = genPick(r, []string{"Safari", "Chrome", "Firefox", "Edge"}, []int{50, 40, 7, 3})
		} else {
			p.browser = genPick(r, []string{"Chrome", "Edge", "Firefox"}, []int{65, 25, 10})
		}
	case "mobile":
		p.os = genPick(r, []string{"iOS", "Android"}, []int{65, 35})
		p.screen = "small"
		if p.os == "iOS" {
			p.browser = genPick(r, []string{"Safari", "Chrome"}, []int{85, 15})
		} else {
			p.browser = genPick(r, []string{"Chrome", "Samsung Internet", "Firefox"}, []int{80, 17, 3})
		}
	default:
		p.os = genPick(r, []string{"iOS", "Android"}, []int{70, 30})
		p.screen = "medium"
		p.browser = map[string]string{"iOS": "Safari", "Android": "Chrome"}[p.os]
	}
	p.version = map[string]string{"Chrome": "142", "Safari": "26", "Firefox": "145", "Edge": "142", "Samsung Internet": "28"}[p.browser]
	return p
}

// visit appends the events of one visit starting at start, stopping at
// quota events in all or at end.
func (g *eventGenerator) visit(events []Event, quota int, p genPerson, visitor uint64, start, end time.Time) []Event {
	base := Event{
		Site: g.site, Visitor: visitor, Hostname: g.site,
		Browser: p.browser, BrowserVersion: p.version, OS: p.os, Device: p.device, Screen: p.screen,
		Language: p.language, Country: p.country, Results: -1,
	}
	g.source(&base)
	pageviews := genPick(g.rng, []int{1, 2, 3, 4, 5, 6}, []int{42, 20, 14, 11, 8, 5})
	t := start
	first := true
	add := func(e Event) bool {
		if len(events) == quota || !t.Before(end) {
			return false
		}
		e.Time = t
		if !first {
			e.Source, e.Referrer, e.Medium, e.Campaign = "", "", "", ""
		}
		first = false
		events = append(events, e)
		return true
	}
	pages := g.pages[p.language]
	for i := range pageviews {
		if i > 0 {
			t = t.Add(time.Duration(5+g.rng.IntN(240)) * time.Second)
		}
		view := base
		view.Name, view.Path = "pageview", pages[g.popularity[p.language].Uint64()]
		missing := g.rng.IntN(100) < 2
		if missing {
			view.Path = genPick(g.rng, []string{"/wp-login.php", "/" + p.language + "/news/old-event/", "/en/about/", "/ja/recruit/"}, []int{3, 2, 2, 1})
		}
		if !add(view) {
			return events
		}
		extra := view
		extra.Props = nil
		switch r := g.rng.IntN(1000); {
		case missing:
			extra.Name = "404"
		case r < 30:
			extra.Name = "search"
			extra.Search, extra.Results = g.search(p.language)
		case r < 65:
			extra.Name, extra.Link = "outbound", genPick(g.rng, []string{
				"https://www.metro.tokyo.lg.jp/", "https://www.jetro.go.jp/", "https://x.com/noren_demo", "https://github.com/noren-web", "https://www.startup-tokyo.jp/",
			}, []int{5, 3, 2, 1, 3})
			extra.Props = map[string]string{"url": extra.Link}
		case r < 85:
			extra.Name, extra.Link = "download", "https://"+g.site+"/files/startup-support-guide-2026.pdf"
			extra.Props = map[string]string{"url": extra.Link}
		default:
			continue
		}
		t = t.Add(time.Duration(1+g.rng.IntN(20)) * time.Second)
		if !add(extra) {
			return events
		}
	}
	return events
}

// source sets where the visit came from, which only the visit's first
// event carries: the later ones were referred by the site itself.
func (g *eventGenerator) source(e *Event) {
	switch genPick(g.rng, []string{"direct", "google", "yahoo", "x", "bing", "facebook", "newsletter", "referral"}, []int{38, 28, 12, 6, 3, 2, 5, 6}) {
	case "google":
		e.Source, e.Referrer, e.Medium = "Google", "www.google.com/", "organic"
	case "yahoo":
		e.Source, e.Referrer, e.Medium = "Yahoo! JAPAN", "search.yahoo.co.jp/", "organic"
	case "x":
		e.Source, e.Referrer, e.Medium = "X", "t.co/"+strconv.Itoa(g.rng.IntN(20)), "social"
	case "bing":
		e.Source, e.Referrer, e.Medium = "Bing", "www.bing.com/", "organic"
	case "facebook":
		e.Source, e.Referrer, e.Medium = "Facebook", "www.facebook.com/", "social"
	case "newsletter":
		e.Source, e.Medium = "Newsletter", "email"
		e.Campaign = genPick(g.rng, []string{"seed-grant-2026", "2026-spring", "office-hours"}, []int{3, 2, 1})
	case "referral":
		host := genPick(g.rng, []string{"www.metro.tokyo.lg.jp", "note.com", "qiita.com", "news.yahoo.co.jp", "www.jetro.go.jp"}, []int{4, 3, 2, 2, 1})
		e.Source, e.Referrer, e.Medium = host, host+"/"+strconv.Itoa(g.rng.IntN(50)), "referral"
	}
}

// search returns a site-search query and its result count.
func (g *eventGenerator) search(lang string) (string, int) {
	if g.rng.IntN(100) < 15 {
		return genPick(g.rng, []string{"助成金 締め切り 2027", "shibuya office rent", "visa sponser", "採用情報", "hackathon 2026"}, []int{3, 2, 2, 2, 1}), 0
	}
	queries := []string{"助成金", "ガイド", "オフィスアワー", "メンター", "応募方法", "インキュベーション"}
	if lang == "en" {
		queries = []string{"grant", "guide", "office hours", "mentor", "application", "incubation"}
	}
	return queries[g.rng.IntN(len(queries))], 1 + g.rng.IntN(20)
}

// generatedPages lists a language's pages, most popular first: the demo
// site's pages, then an archive of older news.
func generatedPages(lang string) []string {
	p := "/" + lang + "/"
	pages := []string{
		p, p + "news/", p + "news/seed-grant-2026-round-1/", p + "news/support-guide-2026/", p + "contact/",
		p + "news/mentor-office-hours/", p + "team/", p + "news/incubation-hub-expansion/", p + "news/global-programme-2025-results/",
	}
	for i := 1; i <= 120; i++ {
		pages = append(pages, fmt.Sprintf("%snews/archive-%03d/", p, i))
	}
	return pages
}

// maxHourWeight bounds hourWeight.
const maxHourWeight = 5.0

// hourWeight is how busy the UTC hour holding t is: the day in Japan, a
// little lighter at weekends.
func hourWeight(t time.Time) float64 {
	jst := t.UTC().Add(9 * time.Hour)
	w := [24]float64{1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 5, 5, 4.5, 5, 5, 5, 4.5, 4, 3.5, 3.5, 3, 2.5, 2, 1.5}[jst.Hour()]
	if d := jst.Weekday(); d == time.Saturday || d == time.Sunday {
		w *= 0.6
	}
	return w
}

// genPick draws one of values with the given relative weights.
func genPick[T any](r *rand.Rand, values []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return values[i]
		}
		n -= w
	}
	return values[len(values)-1]
}

// genMix hashes three values into one id (SplitMix64 finalising steps).
func genMix(a, b, c uint64) uint64 {
	x := a ^ b*0x9e3779b97f4a7c15 ^ c*0xbf58476d1ce4e5b9
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// Later returns the later of two times.
func Later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

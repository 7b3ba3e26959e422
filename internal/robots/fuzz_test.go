package robots

import (
	"strings"
	"testing"
)

func FuzzRobots(f *testing.F) {
	f.Add("User-agent: *\nDisallow: /private/\nAllow: /private/open$\nCrawl-delay: 1\n", "/private/x")
	f.Fuzz(func(t *testing.T, data, path string) {
		r := Parse(strings.NewReader(data), searchAgents...)
		if !r.Allowed("/robots.txt") {
			t.Error("robots.txt itself disallowed")
		}
		if d, _ := r.Delay(); d < 0 || d > MaxDelay {
			t.Errorf("delay %v out of bounds", d)
		}
		for _, s := range r.Sitemaps() {
			if s == "" {
				t.Error("empty sitemap kept")
			}
		}
		r.Allowed(path)
	})
}

package verdict

import (
	"strings"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/site"
)

// declaration is what the manifest says of a subject: the tool that
// declares it and, for a cookie or storage key, its entry.
type declaration struct {
	tool   *manifest.Tool
	cookie *manifest.Cookie
}

// declared finds the declaration of s in m, nil when none. An exact name
// or host wins over a wildcard or a "*." pattern; among equals the first
// tool of the manifest wins.
func declared(m *manifest.Manifest, s *subject) *declaration {
	var loose *declaration
	for i := range m.Tools {
		t := &m.Tools[i]
		if s.kind == SubjectRecipient {
			for _, h := range t.Hosts {
				if !site.HostMatches(h, s.name) {
					continue
				}
				if !strings.HasPrefix(h, "*.") {
					return &declaration{tool: t}
				}
				if loose == nil {
					loose = &declaration{tool: t}
				}
			}
			continue
		}
		for j := range t.Cookies {
			c := &t.Cookies[j]
			if !cookieMatches(c, s) {
				continue
			}
			if !c.Wildcard {
				return &declaration{tool: t, cookie: c}
			}
			if loose == nil {
				loose = &declaration{tool: t, cookie: c}
			}
		}
	}
	return loose
}

// cookieMatches reports whether the manifest's cookie or storage entry c
// declares the cookie or storage subject s.
func cookieMatches(c *manifest.Cookie, s *subject) bool {
	storage := c.Storage
	if storage == "" {
		storage = manifest.StorageCookie
	}
	kind := s.kind
	if kind == SubjectCookie {
		kind = manifest.StorageCookie
	}
	if storage != kind {
		return false
	}
	if c.Wildcard {
		if !strings.HasPrefix(s.name, c.Name) {
			return false
		}
	} else if s.name != c.Name {
		return false
	}
	if c.Domain == "" {
		return true
	}
	host := s.domain
	if s.kind != SubjectCookie {
		host = urlHost(s.domain)
	}
	return covers(c.Domain, host)
}

// toolSeen reports whether any subject of obs belongs to t: a request to
// one of its hosts, or one of its cookies or storage keys. Subjects that
// another tool declares too count for both: the tool is still in use.
func toolSeen(t *manifest.Tool, obs *observations) bool {
	for _, s := range obs.subjects {
		if s.kind == SubjectRecipient {
			for _, h := range t.Hosts {
				if site.HostMatches(h, s.name) {
					return true
				}
			}
			continue
		}
		for j := range t.Cookies {
			if cookieMatches(&t.Cookies[j], s) {
				return true
			}
		}
	}
	return false
}

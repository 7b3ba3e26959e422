package visit

import (
	"strings"
	"sync"
)

// setters remembers, for one state's browser profile, what first set each
// cookie and storage key: the response whose Set-Cookie header named it,
// or the script that wrote it. The profile's tabs share it, as they share
// the cookies.
type setters struct {
	mu      sync.Mutex
	cookies map[string]setter // by name and domain
	storage map[string]string // by kind, origin and key
}

type setter struct {
	url, kind string
}

// Kinds of what set a cookie, as Cookie.SetByKind says.
const (
	setByResponse = "response"
	setByScript   = "script"
)

// maxSetters bounds each map, so that a page writing endless keys cannot
// grow the scan without end.
const maxSetters = 10000

func newSetters() *setters {
	return &setters{cookies: map[string]setter{}, storage: map[string]string{}}
}

func cookieKey(name, domain string) string { return name + "\x00" + cookieDomain(domain) }

func storageKey(kind, origin, key string) string { return kind + "\x00" + origin + "\x00" + key }

// cookie notes that by set the cookie name on domain, unless something
// set it before.
func (s *setters) cookie(name, domain string, by setter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := cookieKey(name, domain)
	if _, ok := s.cookies[k]; ok || len(s.cookies) >= maxSetters {
		return
	}
	s.cookies[k] = by
}

// cookieSetter returns what set the cookie name on domain, if known.
func (s *setters) cookieSetter(name, domain string) (setter, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	by, ok := s.cookies[cookieKey(name, domain)]
	return by, ok
}

// store notes that script wrote key to storage kind of origin, unless a
// script wrote it before.
func (s *setters) store(kind, origin, key, script string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := storageKey(kind, origin, key)
	if _, ok := s.storage[k]; ok || len(s.storage) >= maxSetters {
		return
	}
	s.storage[k] = script
}

func (s *setters) storeSetter(kind, origin, key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storage[storageKey(kind, origin, key)]
}

// responseCookies notes the cookies that a response's Set-Cookie header
// lines set: each line's name, on its Domain attribute or else on the
// response's host.
func (s *setters) responseCookies(responseURL, header string) {
	host := hostOf(responseURL)
	for line := range strings.SplitSeq(header, "\n") {
		name, domain, ok := parseSetCookie(line)
		if !ok {
			continue
		}
		if domain == "" {
			domain = host
		}
		s.cookie(name, domain, setter{url: cutURL(responseURL), kind: setByResponse})
	}
}

// parseSetCookie returns the name and Domain attribute of a Set-Cookie
// header line.
func parseSetCookie(line string) (name, domain string, ok bool) {
	first, attrs, _ := strings.Cut(line, ";")
	name, _, found := strings.Cut(first, "=")
	name = strings.TrimSpace(name)
	if !found || name == "" {
		return "", "", false
	}
	for attr := range strings.SplitSeq(attrs, ";") {
		k, v, _ := strings.Cut(attr, "=")
		if strings.EqualFold(strings.TrimSpace(k), "domain") {
			domain = cookieDomain(strings.TrimSpace(v))
		}
	}
	return name, domain, true
}

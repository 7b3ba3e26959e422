package manifest

import (
	"cmp"
	_ "embed"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/noren-web/noren/internal/suggest"
)

//go:embed catalog.yaml
var catalogYAML []byte

// Service is an entry of the built-in catalogue of common third-party
// services: the tool a manifest gets by writing `use: ID`, and what tells
// the service's pieces apart in a page.
type Service struct {
	// Tool is the complete manifest tool; its ID is the catalogue id.
	Tool Tool `yaml:"tool"`
	// Paths are host/path prefixes ("www.google.com/maps") that attribute a
	// URL to this service when several services share its host. Consent
	// and the Content-Security-Policy match hosts only.
	Paths []string `yaml:"paths"`
	// InlineMarkers are strings whose presence in an inline script
	// identifies the service's own snippet ("function gtag(" for Google
	// Analytics). A tool that uses the service gets them when it waits for
	// consent, so that its snippets are held back with it.
	InlineMarkers []string `yaml:"inline_markers"`
}

// catalog is the decoded catalogue file.
type catalog struct {
	Categories []CookieCategory `yaml:"categories"`
	Services   []Service        `yaml:"services"`
}

// loadCatalog decodes the embedded catalogue once. The file is part of the
// program and its tests keep it valid, so a problem is a build defect.
var loadCatalog = sync.OnceValue(func() *catalog {
	var root yaml.Node
	if err := yaml.Unmarshal(catalogYAML, &root); err != nil {
		panic(fmt.Sprintf("manifest: catalogue: %v", err))
	}
	d := &decoder{file: "catalog.yaml", lines: map[string]int{}, langs: map[string]bool{}}
	for _, l := range SupportedLanguages {
		d.langs[l] = true
	}
	c := &catalog{}
	d.decode(&root, reflect.ValueOf(c).Elem(), "")
	if len(d.problems) > 0 {
		panic(fmt.Sprintf("manifest: catalogue: %v", d.problems))
	}
	return c
})

// Catalog returns every service of the built-in catalogue, in the
// catalogue's order. The caller may change what it gets.
func Catalog() []Service {
	c := loadCatalog()
	out := make([]Service, len(c.Services))
	for i, s := range c.Services {
		out[i] = s.clone()
	}
	return out
}

// CatalogIDs returns the ids of the catalogue's services, sorted.
func CatalogIDs() []string {
	c := loadCatalog()
	ids := make([]string, len(c.Services))
	for i, s := range c.Services {
		ids[i] = s.Tool.ID
	}
	slices.Sort(ids)
	return ids
}

// CatalogService returns the service with the given id.
func CatalogService(id string) (Service, bool) {
	for _, s := range loadCatalog().Services {
		if s.Tool.ID == id {
			return s.clone(), true
		}
	}
	return Service{}, false
}

// CatalogByHost returns the service one of whose hosts matches host, a
// lower-case host name. Where services share a host (www.google.com serves
// Maps, Custom Search and reCAPTCHA), an exact host wins over a wildcard
// and otherwise the earlier service in the catalogue; CatalogByURL tells
// them apart by path.
func CatalogByHost(host string) (Service, bool) {
	host = strings.ToLower(host)
	c := loadCatalog()
	var best *Service
	bestExact := false
	for i := range c.Services {
		s := &c.Services[i]
		for _, h := range s.Tool.Hosts {
			if !hostMatches(h, host) {
				continue
			}
			exact := !strings.HasPrefix(h, "*.")
			if best == nil || exact && !bestExact {
				best, bestExact = s, exact
			}
		}
	}
	if best == nil {
		return Service{}, false
	}
	return best.clone(), true
}

// CatalogByURL returns the service an absolute http(s) URL reaches: the one
// with the longest path prefix that matches it, or else the one its host
// alone names (see CatalogByHost).
func CatalogByURL(rawURL string) (Service, bool) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return Service{}, false
	}
	host := strings.ToLower(u.Hostname())
	target := host + u.EscapedPath()
	c := loadCatalog()
	var best *Service
	bestLen := 0
	for i := range c.Services {
		s := &c.Services[i]
		for _, p := range s.Paths {
			if len(p) > bestLen && pathPrefix(target, p) {
				best, bestLen = s, len(p)
			}
		}
	}
	if best != nil {
		return best.clone(), true
	}
	return CatalogByHost(host)
}

// pathPrefix reports whether target ("host/path") starts with prefix at a
// boundary: the host matches exactly or as a subdomain, and the path
// segment is whole or continues with "/" or ".".
func pathPrefix(target, prefix string) bool {
	ph, pp, _ := strings.Cut(prefix, "/")
	th, tp, _ := strings.Cut(target, "/")
	if th != ph && !strings.HasSuffix(th, "."+ph) {
		return false
	}
	if pp == "" {
		return true
	}
	rest, ok := strings.CutPrefix(tp, pp)
	return ok && (rest == "" || rest[0] == '/' || rest[0] == '.' || rest[0] == '?')
}

// hostMatches reports whether host matches a tool host pattern: the same
// name, or for "*.example.com" any name below example.com.
func hostMatches(pattern, host string) bool {
	if suffix, ok := strings.CutPrefix(pattern, "*"); ok && strings.HasPrefix(suffix, ".") {
		return len(host) > len(suffix) && strings.HasSuffix(host, suffix)
	}
	return host != "" && host == pattern
}

// clone returns a deep copy of s, so that callers cannot change the
// catalogue.
func (s Service) clone() Service {
	s.Tool = s.Tool.clone()
	s.Paths = slices.Clone(s.Paths)
	s.InlineMarkers = slices.Clone(s.InlineMarkers)
	return s
}

func (t Tool) clone() Tool {
	t.Name = maps.Clone(t.Name)
	t.Recipient = maps.Clone(t.Recipient)
	t.InformationSent = maps.Clone(t.InformationSent)
	t.Purpose = maps.Clone(t.Purpose)
	t.Hosts = slices.Clone(t.Hosts)
	t.InlineMarkers = slices.Clone(t.InlineMarkers)
	t.Cookies = slices.Clone(t.Cookies)
	for i := range t.Cookies {
		t.Cookies[i].Description = maps.Clone(t.Cookies[i].Description)
	}
	return t
}

// expandUses replaces every tool written as `use: ID` with the catalogue's
// tool of that id and the manifest's own keys on top: a key the manifest
// gives replaces the catalogue's, hosts are added to the catalogue's,
// cookies are added or replace the catalogue's cookie of the same name, and
// the catalogue's cookies follow the tool when its category is changed. A
// category the expanded tools need that the manifest lacks is added from
// the catalogue. It runs before defaults and validation, which then see
// complete tools.
func (m *Manifest) expandUses(d *decoder) {
	c := loadCatalog()
	needed := map[string]bool{}
	for i := range m.Tools {
		t := &m.Tools[i]
		if t.Use == "" {
			continue
		}
		path := fmt.Sprintf("tools[%d].use", i)
		s, ok := CatalogService(t.Use)
		if !ok {
			msg := fmt.Sprintf("unknown service %q", t.Use)
			if near := suggest.Closest(t.Use, CatalogIDs()); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			d.addf(d.lines[path], path, "%s; the catalogue knows %s", msg, strings.Join(CatalogIDs(), ", "))
			*t = mergeTool(standIn(t.Use), *t)
			continue
		}
		base := s.Tool
		if category := cmp.Or(t.Category, base.Category); t.Party != "first" && !m.requiredCategory(category) {
			// Markers hold snippets back until consent, so only a tool
			// that waits for it gets them.
			base.InlineMarkers = s.InlineMarkers
		}
		*t = mergeTool(base, *t)
		needed[t.Category] = true
		for _, ck := range t.Cookies {
			needed[ck.Category] = true
		}
	}
	for _, cat := range c.Categories {
		if !needed[cat.ID] || slices.ContainsFunc(m.CookieCategories, func(g CookieCategory) bool { return g.ID == cat.ID }) {
			continue
		}
		cat.Name = maps.Clone(cat.Name)
		cat.Description = maps.Clone(cat.Description)
		m.CookieCategories = append(m.CookieCategories, cat)
	}
}

// requiredCategory reports whether the cookie category id, as the manifest
// will have it once defaults apply, cannot be refused.
func (m *Manifest) requiredCategory(id string) bool {
	for _, c := range append(DefaultCookieCategories(), m.CookieCategories...) {
		if c.ID == id && c.Required {
			return true
		}
	}
	return false
}

// standIn is the tool an unknown `use` id expands to: complete enough that
// the misspelt id is the one problem reported about it, rather than a list
// of keys the catalogue would have given. The manifest is refused anyway.
func standIn(use string) Tool {
	text := Text{}
	for _, l := range SupportedLanguages {
		text[l] = use
	}
	id := use
	if !idPattern.MatchString(id) {
		id = "unknown"
	}
	return Tool{ID: id, Name: text, Kind: KindOther, Party: "first", Category: "necessary", InformationSent: text, Purpose: text}
}

// mergeTool lays the keys given, a manifest tool with `use`, over base, the
// catalogue's tool. It walks the fields by reflection so that a key added
// to Tool is merged without being listed here: texts and strings replace,
// lists of strings add, cookies merge by name.
func mergeTool(base, given Tool) Tool {
	out := base
	if given.Category != "" && given.Category != base.Category {
		for i := range out.Cookies {
			if out.Cookies[i].Category == base.Category {
				out.Cookies[i].Category = given.Category
			}
		}
	}
	ov, gv := reflect.ValueOf(&out).Elem(), reflect.ValueOf(given)
	for i := range gv.NumField() {
		g, o := gv.Field(i), ov.Field(i)
		if g.IsZero() {
			continue
		}
		switch g.Interface().(type) {
		case []string:
			merged := o.Interface().([]string)
			for _, s := range g.Interface().([]string) {
				if !slices.Contains(merged, s) {
					merged = append(merged, s)
				}
			}
			o.Set(reflect.ValueOf(merged))
		case []Cookie:
			o.Set(reflect.ValueOf(mergeCookies(o.Interface().([]Cookie), given.Cookies)))
		default:
			o.Set(g)
		}
	}
	return out
}

// mergeCookies adds the cookies given to base; one with the name and
// storage of a base cookie replaces it.
func mergeCookies(base, given []Cookie) []Cookie {
	out := slices.Clone(base)
	for _, g := range given {
		i := slices.IndexFunc(out, func(c Cookie) bool { return c.Name == g.Name && sameStorage(c.Storage, g.Storage) })
		if i >= 0 {
			out[i] = g
			continue
		}
		out = append(out, g)
	}
	return out
}

// sameStorage compares storages, an empty one being a cookie.
func sameStorage(a, b string) bool {
	if a == "" {
		a = StorageCookie
	}
	if b == "" {
		b = StorageCookie
	}
	return a == b
}

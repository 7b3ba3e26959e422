package server

import (
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
)

// CSPSources holds Content-Security-Policy sources that may change while
// the server runs, such as the hosts of the tools a privacy manifest
// declares. The SecurityHeaders middleware adds them to the policy after
// HeaderPolicy.CSPExtra, rendering the policy again once per change rather
// than on every request. The zero value holds no sources; it is safe for
// concurrent use.
type CSPSources struct {
	cur atomic.Pointer[cspSet]
}

// cspSet is one value of a CSPSources, never changed once stored: the
// middleware knows it has rendered a set by its address.
type cspSet struct {
	extra map[string][]string
}

// Set replaces the sources, by directive. They are checked as CheckCSPExtra
// checks HeaderPolicy.CSPExtra; when they fail, the sources in force stay
// and the error says why.
func (s *CSPSources) Set(extra map[string][]string) error {
	if err := CheckCSPExtra(extra); err != nil {
		return fmt.Errorf("server: csp sources: %w", err)
	}
	own := make(map[string][]string, len(extra))
	for k, v := range extra {
		own[k] = slices.Clone(v)
	}
	s.cur.Store(&cspSet{extra: own})
	return nil
}

// load returns the sources in force, nil before the first Set or for a nil
// CSPSources.
func (s *CSPSources) load() *cspSet {
	if s == nil {
		return nil
	}
	return s.cur.Load()
}

// cspPolicy is the Content-Security-Policy of a SecurityHeaders middleware:
// its fixed parts and the run-time sources, with the template rendered for
// the sources last seen.
type cspPolicy struct {
	frame   []string
	extra   map[string][]string
	tls     bool
	sources *CSPSources
	last    atomic.Pointer[renderedCSP]
}

type renderedCSP struct {
	from *cspSet
	tmpl cspTemplate
}

// template returns the policy template for the sources in force, rendering
// it only when they changed since the last call. Requests racing a change
// may render it twice; either result is right.
func (p *cspPolicy) template() cspTemplate {
	set := p.sources.load()
	if r := p.last.Load(); r != nil && r.from == set {
		return r.tmpl
	}
	extra := p.extra
	if set != nil {
		extra = mergeSources(p.extra, set.extra)
	}
	r := &renderedCSP{from: set, tmpl: newCSPTemplate(p.frame, extra, p.tls)}
	p.last.Store(r)
	return r.tmpl
}

// mergeSources returns the sources of a followed by those of b, by
// directive.
func mergeSources(a, b map[string][]string) map[string][]string {
	out := make(map[string][]string, len(a)+len(b))
	for k, v := range a {
		out[k] = slices.Clone(v)
	}
	for _, k := range slices.Sorted(maps.Keys(b)) {
		out[k] = append(out[k], b[k]...)
	}
	return out
}

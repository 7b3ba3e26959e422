package main

import (
	"cmp"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan"
	"github.com/noren-web/noren/internal/site"
)

// siteAudit is what a scan of the site's pages found that the manifest
// and the Content-Security-Policy do not account for.
type siteAudit struct {
	m *manifest.Manifest
	// undeclared are the third-party hosts no tool declares and
	// http.csp_extra does not admit, sorted by host.
	undeclared []undeclaredHost
	// snippets are known services' inline snippets whose service the
	// manifest has no tool for.
	snippets []undeclaredSnippet
	// blocked are the resources the policy would refuse, by directive.
	blocked []blockedResource
	// scriptURLs and plugins are refused whatever the sources.
	scriptURLs, plugins []pageFinding
}

type undeclaredHost struct {
	host    string
	uses    []scan.Use
	service *manifest.Service // the catalogue's, or nil
}

type undeclaredSnippet struct {
	service string
	pages   []string
}

type blockedResource struct {
	directive, url, page string
}

type pageFinding struct {
	page string
	scan.Finding
}

// siteHosts are the manifest's own host names: its domain and the host of
// its URL, whose addresses are the site's and no third party's.
func siteHosts(m *manifest.Manifest) []string {
	var hosts []string
	if m.Site.Domain != "" {
		hosts = append(hosts, strings.ToLower(m.Site.Domain))
	}
	if u, err := url.Parse(m.Site.URL); err == nil && u.Hostname() != "" {
		hosts = append(hosts, strings.ToLower(u.Hostname()))
	}
	return hosts
}

// auditSite compares what the pages reach with what the manifest declares
// and what the policy admits: the tools' hosts, the sources consent adds
// for them (consent.CSPSources) and http.csp_extra.
func auditSite(m *manifest.Manifest, cspExtra map[string][]string, r *scan.Report) *siteAudit {
	a := &siteAudit{m: m}
	var declared []string
	for _, t := range m.Tools {
		declared = append(declared, t.Hosts...)
	}
	var extra []string
	for _, sources := range cspExtra {
		extra = append(extra, sources...)
	}
	for _, h := range r.Hosts() {
		if matchesAny(declared, h.Host) || sourcesAdmit(extra, h.Host) {
			continue
		}
		u := undeclaredHost{host: h.Host, uses: h.Uses}
		for _, use := range h.Uses {
			if s, ok := manifest.CatalogByURL(use.Resource.URL); ok {
				u.service = &s
				break
			}
		}
		a.undeclared = append(a.undeclared, u)
	}

	sources := consent.CSPSources(m, slog.New(slog.DiscardHandler))
	snippetPages := map[string][]string{}
	for _, p := range r.Pages {
		for _, res := range p.Resources {
			if res.Directive == "" || res.Directive == "object-src" {
				continue // nothing governs it, or it is listed with the plugins
			}
			if !sourcesAdmit(append(slices.Clone(sources[res.Directive]), cspExtra[res.Directive]...), res.Host) {
				a.blocked = append(a.blocked, blockedResource{res.Directive, res.URL, p.Path})
			}
		}
		for _, s := range p.Snippets {
			if !hasTool(m, s.Service) && !slices.Contains(snippetPages[s.Service], p.Path) {
				snippetPages[s.Service] = append(snippetPages[s.Service], p.Path)
			}
		}
		for _, f := range p.ScriptURLs {
			a.scriptURLs = append(a.scriptURLs, pageFinding{p.Path, f})
		}
		for _, f := range p.Plugins {
			a.plugins = append(a.plugins, pageFinding{p.Path, f})
		}
	}
	for id, pages := range snippetPages {
		a.snippets = append(a.snippets, undeclaredSnippet{id, pages})
	}
	slices.SortFunc(a.snippets, func(x, y undeclaredSnippet) int { return cmp.Compare(x.service, y.service) })
	slices.SortStableFunc(a.blocked, func(x, y blockedResource) int { return cmp.Compare(x.directive, y.directive) })
	return a
}

// clean reports whether the audit found nothing to report.
func (a *siteAudit) clean() bool {
	return len(a.undeclared) == 0 && len(a.snippets) == 0 && len(a.blocked) == 0 && len(a.scriptURLs) == 0 && len(a.plugins) == 0
}

// hasTool reports whether the manifest has a tool for the catalogue
// service id: one that uses it or has its id.
func hasTool(m *manifest.Manifest, id string) bool {
	return slices.ContainsFunc(m.Tools, func(t manifest.Tool) bool { return t.Use == id || t.ID == id })
}

// matchesAny reports whether host matches one of the tool host patterns.
func matchesAny(patterns []string, host string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return site.HostMatches(strings.ToLower(p), host) })
}

// sourcesAdmit reports whether one of the CSP sources admits an https
// resource on host: a host source (with or without scheme, port or path),
// "*", or the scheme "https:". Keywords such as 'self' name no third party.
func sourcesAdmit(sources []string, host string) bool {
	for _, s := range sources {
		s = strings.ToLower(strings.TrimSpace(s))
		switch {
		case s == "*" || s == "https:":
			return true
		case strings.HasPrefix(s, "'") || strings.HasSuffix(s, ":"):
			continue
		}
		if _, rest, ok := strings.Cut(s, "://"); ok {
			s = rest
		}
		if i := strings.IndexAny(s, "/"); i >= 0 {
			s = s[:i]
		}
		if i := strings.LastIndexByte(s, ':'); i >= 0 {
			s = s[:i]
		}
		if site.HostMatches(s, host) {
			return true
		}
	}
	return false
}

// maxUsesShown bounds the places listed for one host.
const maxUsesShown = 5

// print writes the audit for people: the undeclared hosts with where they
// occur and what to add, then what the policy would block.
func (a *siteAudit) print(w io.Writer, source string, r *scan.Report) {
	fmt.Fprintf(w, "\n%s: %d page(s) read", source, len(r.Pages))
	if r.Truncated {
		fmt.Fprint(w, " (stopped at the page limit)")
	}
	fmt.Fprintln(w)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  not read: %s: %s\n", p.Path, p.Err)
	}

	if len(a.undeclared) == 0 {
		fmt.Fprintln(w, "\nEvery third-party host the pages reach is declared.")
	} else {
		fmt.Fprintf(w, "\nThird-party hosts the manifest does not declare (%d):\n", len(a.undeclared))
		for _, u := range a.undeclared {
			fmt.Fprintf(w, "\n  %s", u.host)
			if u.service != nil {
				fmt.Fprintf(w, "  (%s)", u.service.Tool.Name.In("en"))
			}
			fmt.Fprintln(w)
			for i, use := range u.uses {
				if i == maxUsesShown {
					fmt.Fprintf(w, "    … and %d more\n", len(u.uses)-i)
					break
				}
				fmt.Fprintf(w, "    %s: <%s %s=%q>\n", use.Page, use.Resource.Element, use.Resource.Attr, use.Resource.URL)
			}
		}
		fmt.Fprintln(w, "\nTo declare them, add under tools: in the manifest:")
		a.printEntries(w)
	}

	for _, s := range a.snippets {
		fmt.Fprintf(w, "\nAn inline snippet of %s is on %s, and no tool declares it: add\n    - use: %s\n", s.service, strings.Join(s.pages, ", "), s.service)
	}

	if len(a.blocked)+len(a.scriptURLs)+len(a.plugins) > 0 {
		fmt.Fprintln(w, "\nWhat the Content-Security-Policy would block on these pages:")
		for _, b := range a.blocked {
			fmt.Fprintf(w, "  %-12s %s  (%s)\n", b.directive, b.url, b.page)
		}
		for _, f := range a.scriptURLs {
			fmt.Fprintf(w, "  %-12s <%s %s=%q>  (%s): a javascript: URL never runs\n", "script-src", f.Element, f.Attr, f.Value, f.page)
		}
		for _, f := range a.plugins {
			fmt.Fprintf(w, "  %-12s <%s %s=%q>  (%s): plugins are never loaded\n", "object-src", f.Element, f.Attr, f.Value, f.page)
		}
		fmt.Fprintln(w, "A resource blocked from a declared host needs its source in http.csp_extra under that directive.")
	}
}

// printEntries writes the manifest entries that declare the undeclared
// hosts: `use:` for a service the catalogue knows, once per service, the
// hosts to add to a tool the manifest already has for it, and a skeleton
// with REPLACE placeholders for any other host.
func (a *siteAudit) printEntries(w io.Writer) {
	var services []string
	extraHosts := map[string][]string{}
	var unknown []string
	for _, u := range a.undeclared {
		switch {
		case u.service == nil:
			unknown = append(unknown, u.host)
		case hasTool(a.m, u.service.Tool.ID):
			extraHosts[u.service.Tool.ID] = append(extraHosts[u.service.Tool.ID], u.host)
		case !slices.Contains(services, u.service.Tool.ID):
			services = append(services, u.service.Tool.ID)
		}
	}
	for _, id := range services {
		fmt.Fprintf(w, "\n  - use: %s\n", id)
	}
	for _, id := range slices.Sorted(maps.Keys(extraHosts)) {
		fmt.Fprintf(w, "\n  # the tool %q lacks hosts; write it as `use: %s`, or add to its hosts:\n  #   %s\n",
			id, id, strings.Join(extraHosts[id], ", "))
	}
	for _, h := range unknown {
		fmt.Fprintf(w, `
  - id: %s
    name: {ja: "REPLACE: 名称", en: "REPLACE: name"}
    kind: other
    party: third
    recipient: {ja: "REPLACE: 送信先の事業者", en: "REPLACE: the recipient"}
    country: "REPLACE: ISO code of the recipient's country"
    category: "REPLACE: a cookie category id"
    information_sent: {ja: "REPLACE: 送信される情報", en: "REPLACE: what is sent"}
    purpose: {ja: "REPLACE: 利用目的", en: "REPLACE: why"}
    opt_out: "REPLACE: https://..."
    privacy_policy: "REPLACE: https://..."
    hosts: [%s]
`, hostID(h), h)
	}
}

// hostID makes a tool id from a host name.
func hostID(host string) string {
	id := strings.NewReplacer(".", "-", "*", "any").Replace(host)
	if len(id) > 64 {
		id = id[:64]
	}
	return strings.Trim(id, "-")
}

// Package scan finds, in the HTML pages of a site, what those pages make a
// visitor's browser contact beyond the site itself: third-party hosts, with
// the element and attribute that name each, and the inline snippets of
// known services. It reads a folder of files (Folder) or crawls a site over
// HTTP (Crawl), and never runs the pages' scripts: it reports what the
// markup names, which is what the consent rewriter and the
// Content-Security-Policy act on.
package scan

import (
	"cmp"
	"slices"
)

// Resource is one address a page makes the browser contact.
type Resource struct {
	// URL is the address, absolute.
	URL string
	// Host is its host name in lower case, without a port.
	Host string
	// Element is the lower-case name of the element that names it.
	Element string
	// Attr is the attribute that names it; "style" for a CSS url() in a
	// style attribute or element, "script" for a string in an inline
	// script of a known service.
	Attr string
	// Directive is the Content-Security-Policy directive that governs the
	// request ("script-src", "frame-src", ...), or "" when none does
	// (dns-prefetch, preconnect).
	Directive string
}

// Snippet is an inline script recognised as a known service's snippet.
type Snippet struct {
	// Service is the catalogue id of the service.
	Service string
	// Marker is the string that identified it.
	Marker string
}

// Finding is markup the Content-Security-Policy refuses whatever the
// sources: a javascript: URL or a plugin.
type Finding struct {
	Element, Attr, Value string
}

// Page is what one page names.
type Page struct {
	// Path is the page's path relative to the folder scanned, or its URL
	// path (with any query) on the site crawled.
	Path string
	// Resources are the third-party addresses, in document order.
	Resources []Resource
	// Snippets are the known services' inline snippets, in document order.
	Snippets []Snippet
	// ScriptURLs are javascript: URLs in links, frames and forms.
	ScriptURLs []Finding
	// Plugins are <object>, <embed> and <applet> elements.
	Plugins []Finding
	// Lang is the page's <html lang> attribute as written, or "".
	Lang string

	// links are the same-site pages the page links to, for crawling.
	links []string
}

// Problem is a page that could not be scanned.
type Problem struct {
	Path string
	Err  string
}

// Report is what a scan found, page by page.
type Report struct {
	// Pages are the pages scanned, sorted by path.
	Pages []Page
	// Problems are the pages that could not be read, sorted by path.
	Problems []Problem
	// Truncated is set when the scan stopped at its page limit, or left
	// out pages beyond its depth limit.
	Truncated bool
}

// Use is one place where a page reaches a host.
type Use struct {
	Page     string
	Resource Resource
}

// HostUses is a third-party host and every place the pages reach it.
type HostUses struct {
	Host string
	Uses []Use
}

// Hosts returns the third-party hosts the pages reach, sorted, each with
// the places that reach it in page order.
func (r *Report) Hosts() []HostUses {
	byHost := map[string][]Use{}
	for _, p := range r.Pages {
		for _, res := range p.Resources {
			byHost[res.Host] = append(byHost[res.Host], Use{Page: p.Path, Resource: res})
		}
	}
	out := make([]HostUses, 0, len(byHost))
	for h, uses := range byHost {
		out = append(out, HostUses{Host: h, Uses: uses})
	}
	slices.SortFunc(out, func(a, b HostUses) int { return cmp.Compare(a.Host, b.Host) })
	return out
}

func (r *Report) sort() {
	slices.SortFunc(r.Pages, func(a, b Page) int { return cmp.Compare(a.Path, b.Path) })
	slices.SortFunc(r.Problems, func(a, b Problem) int { return cmp.Compare(a.Path, b.Path) })
}

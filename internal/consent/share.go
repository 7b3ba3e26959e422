package consent

import (
	"net/http"
	"net/url"
	"strings"

	xhtml "golang.org/x/net/html"

	"github.com/noren-web/noren/internal/site"
)

// ShareRewriter returns the tag rewriter that fills every
// <noren-share url="…" title="…" networks="…"></noren-share> element of a
// page with plain share links (site.ShareHTML), so that sharing needs no
// script or button from a social network and tells it nothing until a
// visitor follows a link. Every attribute is optional:
//
//   - url, resolved against the page, defaults to the page's address: the
//     scheme and host of the request and the path of the page, without its
//     query;
//   - title defaults to the text of the page's <title>, else to the URL;
//   - networks picks and orders the networks among site.ShareNetworks,
//     all of them by default.
//
// The links go inside the element, after its start tag; an element that
// already has content keeps it after them.
func ShareRewriter() site.TagRewriter {
	return site.TagRewriter{
		Tags: []string{"noren-share"},
		Rewrite: func(p site.Page, tok *xhtml.Token) (bool, string) {
			page := sharePageURL(p.Request)
			target := page.String()
			if v, ok := tagAttr(tok, "url"); ok {
				target = shareResolve(page, v)
			}
			title, _ := tagAttr(tok, "title")
			title = strings.Join(strings.Fields(title), " ")
			if title == "" {
				title = p.Title
			}
			if title == "" {
				title = target
			}
			networks, _ := tagAttr(tok, "networks")
			return false, site.ShareHTML(p.Lang, target, title, site.ParseShareNetworks(networks))
		},
	}
}

// sharePageURL is the absolute address of the page requested by r.
func sharePageURL(r *http.Request) *url.URL {
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	if u.Host == "" {
		u.Host = r.URL.Host
	}
	return u
}

// shareResolve resolves the url attribute of <noren-share> against the
// page. Only http and https addresses are shared; anything else, such as a
// javascript: URL, gives way to the page's own address.
func shareResolve(page *url.URL, ref string) string {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return page.String()
	}
	u = page.ResolveReference(u)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return page.String()
	}
	return u.String()
}

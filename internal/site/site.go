// Package site serves the operator's website, either from a folder of static
// files or by proxying an upstream origin, and puts Noren's pieces into its
// HTML pages on the way: a head snippet, a footer with the privacy links, the
// size of linked PDF files, and what tag rewriters change, such as
// third-party tags held back until the visitor consents. It also provides
// the gzip and brotli compression middleware that Noren's own pages share.
package site

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// Options configure NewStatic, NewProxy and NewInjector.
type Options struct {
	// Languages are the site's languages as URL path prefixes, such as
	// "ja" and "en". At least one is required.
	Languages []string
	// DefaultLanguage is the language of pages whose path and <html lang>
	// name none of Languages; it must be one of them.
	DefaultLanguage string
	// Injection is what goes into every HTML page.
	Injection Injection
	// Nonce returns the CSP nonce of the response to r, or "" without one.
	// It may be nil.
	Nonce func(r *http.Request) string
	// BlockInlineCode leaves the page's own inline scripts and styles
	// without the nonce, and the code of its attributes unhashed, so that
	// the Content-Security-Policy blocks them: for sites with no inline
	// code, where markup injected into a page must not run either.
	// Without it they are fitted to the policy (see rewriteConfig.fit).
	BlockInlineCode bool
	// Logger receives upstream failures and rewrite errors; nil means
	// slog.Default().
	Logger *slog.Logger
	// CacheBytes bounds the memory holding compressed copies of static
	// files, and as much again the rewritten pages NewStatic keeps; 0
	// means 32 MiB.
	CacheBytes int64
	// Proxy configures NewProxy.
	Proxy ProxyOptions
	// Homes tells where the site keeps each language's home page; nil
	// means NewStatic and NewProxy find out for themselves.
	Homes *Homes
	// RedirectRoot sends visitors of the site root to the home page of
	// their language whenever the site has it in a folder (/ja/, /en/),
	// even when the site has a root page of its own. Unset, a root page is
	// served, and only a site without one redirects.
	RedirectRoot bool
}

// Injection says what Noren adds to the HTML pages it serves.
type Injection struct {
	// HeadStart returns HTML placed before the first script of the page's
	// head (or before </head> when it has none), for what must run before
	// the page's scripts; nonce is the response's CSP nonce.
	HeadStart func(r *http.Request, lang, nonce string) string
	// Head returns HTML placed before </head>; nonce is the response's CSP nonce.
	Head func(r *http.Request, lang, nonce string) string
	// Footer returns HTML placed before </body>.
	Footer func(r *http.Request, lang string) string
	// Fingerprint identifies what Head, Footer and StartTags produce for r,
	// nonce aside: for example Noren's version, the manifest's hash and the
	// visitor's consent choices. It is part of the ETag of injected pages,
	// so a client's cached copy is only confirmed while it would come out
	// the same, and of the key under which NewStatic keeps rewritten
	// pages. It may be nil when the injection is the same for every
	// request.
	Fingerprint func(r *http.Request) string
	// StartTags rewrite the start tags of every page, in order.
	StartTags []TagRewriter
}

// TagRewriter may change the start tags of some elements of a page, such as
// the src of a script, insert HTML right after them, and insert HTML before
// the end of the elements they start.
type TagRewriter struct {
	// Tags are the names of the elements whose start tags Rewrite sees.
	// Other start tags are copied without their attributes being parsed.
	Tags []string
	// Maybe, when not nil, tells from a start tag's source bytes whether
	// Rewrite could change it; tags it rules out are copied unparsed, so
	// that pages without candidates stream as fast as with no rewriter.
	Maybe func(raw []byte) bool
	// Rewrite is called with each start tag named in Tags (and accepted by
	// Maybe), in page order, including those inside <template> and
	// <noscript>. It reports whether it changed tok (an unchanged tag is
	// copied from the source byte for byte, a changed one is re-serialized)
	// and returns HTML to insert right after the tag, or "". Inserted HTML
	// becomes the first content of the element, or its next sibling for a
	// void element such as <img>; after a tag whose content is raw text,
	// such as <script>, it is part of that text.
	Rewrite func(p Page, tok *html.Token) (changed bool, after string)
	// Inline, when not nil, sees each <script> start tag without src of
	// the page (not those inside <noscript>), after Rewrite, with the
	// script's text, which the rewrite reads before it writes the tag. It
	// may change tok as Rewrite does, to hold the script back for example,
	// and reports whether it did.
	Inline func(p Page, tok *html.Token, text string) (changed bool)
	// End, when not nil, is called once for each element whose start tag
	// Rewrite saw with p.Inert false, unless it is a void element such as
	// <img>, and returns HTML to insert as the last content of that
	// element, or "". The call comes at the end tag that closes the
	// element: same-named elements nested in it are counted, and an end
	// tag closing an element opened before it closes, as a browser does,
	// the elements opened since. An element left open ends at </body>, at
	// </html> or at the end of the document. Calls pair with Rewrite's in
	// last-opened, first-ended order, so a rewriter can keep a stack in
	// its per-page state to know which element ends.
	End func(p Page) string
	// NewState, when not nil, makes the rewriter's state for one page,
	// handed to Rewrite and End as Page.State: what the rewriter
	// must remember from one tag to the next of the same page, such as
	// whether it already inserted something. It is called at most once per
	// page, when the rewriter first sees one of its tags there.
	NewState func() any
}

// Page is what a TagRewriter knows about the page it rewrites.
type Page struct {
	// Request is the request for the page.
	Request *http.Request
	// Lang is the page language.
	Lang string
	// Title is the text of the page's <title>, once the rewrite has passed
	// it in the head; "" before that or for a page without one.
	Title string
	// Nonce is the response's CSP nonce, or "" without one. A rewriter can
	// mark the elements it changed with it, since the page's own content
	// cannot know it.
	Nonce string
	// Inert reports that the tag is inside <template> content or the
	// markup of a <noscript>, which a browser running scripts does not
	// show as part of the page; End is not called for its element.
	Inert bool
	// State is what the rewriter's NewState made for this page, given to
	// Rewrite and End; nil without NewState.
	State any
}

// ProxyOptions configure the connection to the upstream origin. Zero
// durations take the defaults given.
type ProxyOptions struct {
	// DialTimeout bounds connecting to the upstream; default 10s.
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake; default 10s.
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the response headers after
	// the request is sent; default 30s. Bodies may stream for longer.
	ResponseHeaderTimeout time.Duration
	// IdleConnTimeout closes idle keep-alive connections; default 90s.
	IdleConnTimeout time.Duration
	// PreserveHost sends the client's Host header upstream instead of the
	// upstream's own host name.
	PreserveHost bool
}

const defaultCacheBytes = 32 << 20

// check validates opt and fills in defaults.
func (opt Options) check() (Options, error) {
	rewriters := make([]TagRewriter, len(opt.Injection.StartTags))
	for i, tr := range opt.Injection.StartTags {
		if tr.Rewrite == nil || len(tr.Tags) == 0 {
			return opt, fmt.Errorf("site: tag rewriter %d needs tags and a Rewrite function", i)
		}
		// The rewriter compares them with lower-cased tag names.
		tags := make([]string, len(tr.Tags))
		for j, t := range tr.Tags {
			tags[j] = strings.ToLower(t)
		}
		tr.Tags = tags
		rewriters[i] = tr
	}
	opt.Injection.StartTags = rewriters
	if len(opt.Languages) == 0 {
		return opt, errors.New("site: no languages configured")
	}
	if !slices.Contains(opt.Languages, opt.DefaultLanguage) {
		return opt, fmt.Errorf("site: default language %q is not one of %q", opt.DefaultLanguage, opt.Languages)
	}
	opt.Languages = slices.Clone(opt.Languages)
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.CacheBytes == 0 {
		opt.CacheBytes = defaultCacheBytes
	}
	if opt.CacheBytes < 0 {
		return opt, fmt.Errorf("site: negative cache size %d", opt.CacheBytes)
	}
	p := &opt.Proxy
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&p.DialTimeout, 10 * time.Second},
		{&p.TLSHandshakeTimeout, 10 * time.Second},
		{&p.ResponseHeaderTimeout, 30 * time.Second},
		{&p.IdleConnTimeout, 90 * time.Second},
	} {
		if *d.v < 0 {
			return opt, fmt.Errorf("site: negative proxy timeout %v", *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	return opt, nil
}

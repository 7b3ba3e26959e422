package page

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/noren-web/noren/internal/csp"
	"github.com/noren-web/noren/internal/entitytag"
)

// LayoutSource reads the site's page whose layout Noren's pages take: from
// the site's folder or from its upstream.
type LayoutSource interface {
	// LayoutPage reads the HTML page at urlPath, decoded to UTF-8. Given
	// the version of the copy held as known, it may answer NotModified
	// instead of the page.
	LayoutPage(ctx context.Context, urlPath, known string) (LayoutPage, error)
	// LayoutRefresh is how long a copy read is used before the page is
	// looked at again.
	LayoutRefresh() time.Duration
}

// LayoutPage is a layout page as a LayoutSource read it.
type LayoutPage struct {
	// Body is the page in UTF-8; empty when NotModified.
	Body []byte
	// Version identifies this copy of the page.
	Version string
	// NotModified reports that the page is still the version asked about.
	NotModified bool
}

// SiteLayoutOptions configure NewSiteLayout.
type SiteLayoutOptions struct {
	// Source reads the layout page; required.
	Source LayoutSource
	// Home returns the address of the site's home page in lang; required.
	Home func(ctx context.Context, lang string) string
	// Languages are the languages Noren's pages come in.
	Languages []string
	// Page is the path of the site's page whose layout Noren's pages take,
	// such as /{lang}/about/, where {lang} stands for the language of
	// Noren's page. Empty keeps Noren's own layout.
	Page string
	// Main selects the element of that page whose content Noren's page
	// content replaces (see parseSelector); empty means "main".
	Main string
	// Nonce returns the CSP nonce of the response to r; it may be nil.
	Nonce func(r *http.Request) string
	// Logger receives failures to read the layout page; nil means
	// slog.Default().
	Logger *slog.Logger
}

// SiteLayout dresses the pages Noren renders itself (the policies, the
// privacy choices, contact forms, requests, statistics) in the site's own
// layout: its head's stylesheets, header, navigation and footer, with the
// content of one element replaced by Noren's page. The layout page is read
// through the LayoutSource, and looked at again once its LayoutRefresh has
// passed; until it can be read, and for a page it cannot be made from,
// Noren's pages keep their own layout and the failure is logged once.
//
// What Noren takes from the layout page, and what it leaves out, is
// described in docs/serving.md: scripts other than the site's own external
// ones, frames, embeds and <noscript> are dropped, as they would load
// third parties that the visitor has not agreed to on pages that hold none
// back; links and sources are made absolute so that they work from any
// address; the site's own scripts and <style> elements get the response's
// CSP nonce, and its style attributes are admitted by hash.
type SiteLayout struct {
	opt    SiteLayoutOptions
	main   selector
	now    func() time.Time
	copies map[string]*layoutCopy
}

// NewSiteLayout returns the SiteLayout of opt.
func NewSiteLayout(opt SiteLayoutOptions) (*SiteLayout, error) {
	if opt.Source == nil || opt.Home == nil {
		return nil, errors.New("page: a site layout needs the site's layout source and home pages")
	}
	if err := CheckLayoutPage(opt.Page); err != nil {
		return nil, err
	}
	if opt.Main == "" {
		opt.Main = "main"
	}
	sel, err := parseSelector(opt.Main)
	if err != nil {
		return nil, fmt.Errorf("page: layout main: %w", err)
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	l := &SiteLayout{opt: opt, main: sel, now: time.Now, copies: map[string]*layoutCopy{}}
	for _, lang := range opt.Languages {
		l.copies[lang] = &layoutCopy{}
	}
	return l, nil
}

// CheckLayoutPage reports whether p can be a layout page path: empty, or
// a path on the site starting with "/", optionally with {lang}.
func CheckLayoutPage(p string) error {
	if p == "" {
		return nil
	}
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "?#\\ \t\r\n") {
		return fmt.Errorf("page: layout page %q: want a path on the site such as /{lang}/about/", p)
	}
	rest := strings.ReplaceAll(p, "{lang}", "")
	if strings.ContainsAny(rest, "{}") {
		return fmt.Errorf("page: layout page %q: {lang} is the only placeholder", p)
	}
	return nil
}

// CheckLayoutMain reports whether sel is a selector SiteLayoutOptions.Main
// accepts: type, #id, .class, [attr] and [attr=value] selectors joined by
// descendant and child combinators, and grouped with commas.
func CheckLayoutMain(sel string) error {
	if sel == "" {
		return nil
	}
	if _, err := parseSelector(sel); err != nil {
		return fmt.Errorf("page: layout main: %w", err)
	}
	return nil
}

// layoutCopy is the prepared layout of one language.
type layoutCopy struct {
	mu      sync.Mutex
	d       *dressing // nil until a layout page could be prepared
	version string    // the origin's version of the page d was made from
	checked time.Time
	looking bool
	failed  bool // the last look failed; logged once until one succeeds
}

// Wrap returns a handler that serves next, Noren's page handlers, with
// their HTML pages (status 200) dressed in the site's layout, or with
// their home link leading to a page the site has. Other responses pass
// unchanged. Conditional requests are answered here, from an ETag that
// covers the layout, so that a change of layout is not hidden by a 304.
func (l *SiteLayout) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		inner := r.Clone(r.Context())
		inner.Method = http.MethodGet
		for _, k := range []string{"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range"} {
			inner.Header.Del(k)
		}
		cw := &captureWriter{rw: w}
		next.ServeHTTP(cw, inner)
		if !cw.capturing {
			return
		}
		l.send(w, r, cw.status, cw.buf.Bytes())
	})
}

// send writes a captured page, dressed when it is one of Noren's.
func (l *SiteLayout) send(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	if InChrome(body) {
		dressed, variant := l.dress(h, r, body)
		body = dressed
		if etag := h.Get("ETag"); etag != "" && variant != "" {
			sum := sha256.Sum256([]byte(etag + "\x00" + variant))
			h.Set("ETag", `"`+base64.RawURLEncoding.EncodeToString(sum[:18])+`"`)
		}
	}
	if etag := h.Get("ETag"); etag != "" {
		if inm := r.Header.Get("If-None-Match"); inm != "" && entitytag.WeakMatch(inm, etag) {
			h.Del("Content-Length")
			h.Del("Content-Type")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// dress returns Noren's page body in the site's layout, or with its home
// link fixed, and what the change depends on ("" for no change). The
// policy in h gets the sources the layout needs.
func (l *SiteLayout) dress(h http.Header, r *http.Request, body []byte) ([]byte, string) {
	np, err := ReadParts(body)
	if err != nil {
		l.opt.Logger.Warn("site layout: read Noren's page", "path", r.URL.Path, "error", err)
		return body, ""
	}
	if l.opt.Page != "" {
		if d := l.dressing(r.Context(), np.Lang); d != nil {
			nonce := ""
			if l.opt.Nonce != nil {
				nonce = l.opt.Nonce(r)
			}
			csp.AddSources(h, nonce, d.csp)
			return d.render(np, nonce), d.version
		}
	}
	home := l.opt.Home(r.Context(), np.Lang)
	if home == np.Home {
		return body, ""
	}
	return np.WithHome(body, home), "home " + home
}

// dressing returns the prepared layout for lang, reading the layout page
// again when it may have changed. The first look for a language is
// awaited; later ones are made by one request while the others use the
// copy they have.
func (l *SiteLayout) dressing(ctx context.Context, lang string) *dressing {
	c := l.copies[lang]
	if c == nil {
		return nil
	}
	c.mu.Lock()
	if !c.checked.IsZero() && (c.looking || l.now().Sub(c.checked) < l.opt.Source.LayoutRefresh()) {
		d := c.d
		c.mu.Unlock()
		return d
	}
	if c.checked.IsZero() {
		defer c.mu.Unlock()
		l.look(ctx, c, lang, true)
		return c.d
	}
	c.looking = true
	c.mu.Unlock()
	l.look(ctx, c, lang, false)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.looking = false
	return c.d
}

// look reads and prepares lang's layout page into c; locked tells whether
// the caller holds c.mu.
func (l *SiteLayout) look(ctx context.Context, c *layoutCopy, lang string, locked bool) {
	// The look serves every request for lang, not only the one making it.
	ctx = context.WithoutCancel(ctx)
	pagePath := strings.ReplaceAll(l.opt.Page, "{lang}", lang)
	if !locked {
		c.mu.Lock()
	}
	known := c.version
	if !locked {
		c.mu.Unlock()
	}
	p, err := l.opt.Source.LayoutPage(ctx, pagePath, known)
	var d *dressing
	if err == nil && !p.NotModified {
		d, err = prepareLayout(p.Body, pagePath, lang, l.main)
	}
	// The outcome is recorded under the lock whoever holds it.
	record := func() {
		c.checked = l.now()
		switch {
		case err != nil:
			if !c.failed {
				how := "Noren's own layout is used"
				if c.d != nil {
					how = "the copy read before is used"
				}
				l.opt.Logger.Warn("site layout: cannot use the layout page; "+how, "page", pagePath, "error", err)
			}
			c.failed = true
		case p.NotModified:
			c.failed = false
		default:
			if c.failed {
				l.opt.Logger.Info("site layout: the layout page can be used again", "page", pagePath)
			}
			c.d, c.version, c.failed = d, p.Version, false
		}
	}
	if !locked {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	record()
}

// captureWriter holds a wrapped handler's HTML page (status 200) to be
// dressed, and passes anything else straight through.
type captureWriter struct {
	rw          http.ResponseWriter
	wroteHeader bool
	capturing   bool
	status      int
	buf         bytes.Buffer
}

func (cw *captureWriter) Header() http.Header { return cw.rw.Header() }

// Unwrap lets http.ResponseController reach the underlying writer.
func (cw *captureWriter) Unwrap() http.ResponseWriter { return cw.rw }

func (cw *captureWriter) WriteHeader(code int) {
	if cw.wroteHeader || code < 200 {
		if !cw.capturing {
			cw.rw.WriteHeader(code)
		}
		return
	}
	cw.wroteHeader = true
	mt, _, _ := mime.ParseMediaType(cw.rw.Header().Get("Content-Type"))
	if code == http.StatusOK && mt == "text/html" && cw.rw.Header().Get("Content-Encoding") == "" {
		cw.capturing, cw.status = true, code
		return
	}
	cw.rw.WriteHeader(code)
}

func (cw *captureWriter) Write(p []byte) (int, error) {
	if !cw.wroteHeader {
		cw.WriteHeader(http.StatusOK)
	}
	if cw.capturing {
		return cw.buf.Write(p)
	}
	return cw.rw.Write(p)
}

// Flush passes on flushes of responses that are not held.
func (cw *captureWriter) Flush() {
	if !cw.capturing {
		_ = http.NewResponseController(cw.rw).Flush()
	}
}

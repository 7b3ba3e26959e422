package site

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/noren-web/noren/internal/htmlsyntax"
	"golang.org/x/net/html"
)

// Homes finds out where a site keeps the home page of each language, a
// folder of its own (/ja/, /en/) or its root page, whose language is its
// <html lang> or else the default language, and remembers the answer for a
// while. The site root, Noren's error pages and its links to other
// languages use it, so that they lead to pages that exist.
type Homes struct {
	origin *Origin
	langs  []string
	def    string
	// ttl is how long an answer is trusted; retry how soon a failed look
	// is tried again.
	ttl, retry time.Duration
	now        func() time.Time

	mu      sync.Mutex
	cur     homeLayout
	known   bool
	looking bool // one request is looking again; the others use cur
	expires time.Time
}

// Folders are looked at again every two seconds: a few file lookups. An
// upstream is asked every five minutes, or a minute after it failed.
const (
	folderHomesTTL   = 2 * time.Second
	upstreamHomesTTL = 5 * time.Minute
	homesRetry       = time.Minute
)

// NewHomes returns the Homes of the site origin reads, among the languages
// langs with def the default.
func NewHomes(origin *Origin, langs []string, def string) *Homes {
	ttl := upstreamHomesTTL
	if origin.fsys != nil {
		ttl = folderHomesTTL
	}
	return &Homes{origin: origin, langs: slices.Clone(langs), def: def, ttl: ttl, retry: homesRetry, now: time.Now}
}

// homeLayout is how a site arranges its languages.
type homeLayout struct {
	folders []string // languages with a home page of their own, /{lang}/
	// root is the language of the root page: its <html lang>, or the
	// default language; "" when the site has no root page, or an upstream
	// redirects it elsewhere itself.
	root string
}

func (l homeLayout) hasFolder(lang string) bool { return slices.Contains(l.folders, lang) }

// Home returns the path of lang's home page: /{lang}/ when the site has
// that folder, else the root.
func (h *Homes) Home(ctx context.Context, lang string) string {
	if h.layout(ctx).hasFolder(lang) {
		return "/" + lang + "/"
	}
	return "/"
}

// knownHome is Home without waiting: until the site has been looked at,
// every language's home is the root.
func (h *Homes) knownHome(_ context.Context, lang string) string {
	h.mu.Lock()
	known, folder := h.known, h.cur.hasFolder(lang)
	h.mu.Unlock()
	if known && folder {
		return "/" + lang + "/"
	}
	return "/"
}

// otherLanguage returns the page in language to that matches the page at
// urlPath, as footers link to it: the same path under to's folder when the
// page is in a language folder and to has one too, else to's home page;
// false when the site has no page in to.
func (h *Homes) otherLanguage(ctx context.Context, urlPath, to string) (string, bool) {
	l := h.layout(ctx)
	switch {
	case l.hasFolder(to) && pathLanguage(urlPath, h.langs) != "":
		return samePageIn(urlPath, to, h.langs), true
	case l.hasFolder(to):
		return "/" + to + "/", true
	case l.root == to:
		return "/", true
	}
	return "", false
}

// rootRedirect returns the language folder the site root sends a visitor
// with this Accept-Language header to, or false when the root page is
// served. A folder wins over a root page in the same language; with
// always unset, a root page is served to everyone.
func (l homeLayout) rootRedirect(acceptLanguage string, langs []string, def string, always bool) (string, bool) {
	if len(l.folders) == 0 || !always && l.root != "" {
		return "", false
	}
	var candidates []string
	for _, lang := range langs {
		if l.hasFolder(lang) || lang == l.root {
			candidates = append(candidates, lang)
		}
	}
	switch {
	case slices.Contains(candidates, def):
	case l.root != "":
		def = l.root
	default:
		def = candidates[0]
	}
	lang := NegotiateLanguage(acceptLanguage, candidates, def)
	return lang, l.hasFolder(lang)
}

// layout returns the site's current arrangement, looking again when the
// last answer has expired. The first look is awaited by every request;
// later ones are made by one request while the others keep the last answer.
func (h *Homes) layout(ctx context.Context) homeLayout {
	h.mu.Lock()
	if h.known && (h.looking || h.now().Before(h.expires)) {
		l := h.cur
		h.mu.Unlock()
		return l
	}
	if !h.known {
		defer h.mu.Unlock()
		h.update(h.look(ctx))
		return h.cur
	}
	h.looking = true
	h.mu.Unlock()
	l, err := h.look(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.looking = false
	h.update(l, err)
	return h.cur
}

// update records the result of a look; h.mu is held. A failed look keeps
// the last answer and is tried again sooner.
func (h *Homes) update(l homeLayout, err error) {
	if err != nil {
		h.expires = h.now().Add(min(h.retry, h.ttl))
		if !h.known {
			h.cur, h.known = l, true
		}
		return
	}
	h.cur, h.known = l, true
	h.expires = h.now().Add(h.ttl)
}

// look asks the site where its home pages are. A client that leaves does
// not cut the look short, since its answer serves everyone.
func (h *Homes) look(ctx context.Context) (homeLayout, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*originTimeout)
	defer cancel()
	var l homeLayout
	var errs []error
	// An upstream that answers every path with a page, as a single-page
	// application's server does, seems to have every language's folder;
	// asking first for a folder no site has tells it apart.
	anyPath, err := h.origin.exists(ctx, "/"+unlikelyFolder()+"/")
	if err != nil {
		errs = append(errs, err)
	}
	for _, lang := range h.langs {
		if anyPath {
			break
		}
		ok, err := h.origin.exists(ctx, "/"+lang+"/")
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			l.folders = append(l.folders, lang)
		}
	}
	p, err := h.origin.page(ctx, "/", "", false)
	switch {
	case err == nil:
		l.root = h.def
		if lang := matchLanguage(htmlLang(p.body), h.langs); lang != "" {
			l.root = lang
		}
	case errors.Is(err, errNoPage), isRedirect(err):
	default:
		errs = append(errs, err)
	}
	return l, errors.Join(errs...)
}

// isRedirect reports whether an upstream answered a page with a redirect,
// which Noren passes on rather than serves.
func isRedirect(err error) bool {
	var re redirectError
	return errors.As(err, &re)
}

// htmlLang returns the lang attribute of a page's <html> element, or "".
func htmlLang(page []byte) string {
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			if string(name) != "html" {
				return ""
			}
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				if string(k) == "lang" {
					return string(v)
				}
			}
			return ""
		case html.TextToken:
			if !htmlsyntax.Space(z.Raw()) {
				return ""
			}
		}
	}
}

// rootHandler answers the site root: a redirect to the home page of the
// visitor's language when the site has it in a folder (see rootRedirect),
// else the site's own root page from next.
func rootHandler(homes *Homes, langs []string, def string, always bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" || r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		// Whether / redirects, and where, depends on the browser's languages.
		addVary(w.Header(), "Accept-Language")
		lang, ok := homes.layout(r.Context()).rootRedirect(r.Header.Get("Accept-Language"), langs, def, always)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		target := (&url.URL{Path: "/" + lang + "/", RawQuery: r.URL.RawQuery}).String()
		// Temporary: the answer depends on the visitor's browser.
		http.Redirect(w, r, target, http.StatusFound)
	})
}

// unlikelyFolder returns the name of a folder no site has: a random one,
// so that no upstream can have been made to answer it on purpose.
func unlikelyFolder() string {
	return "noren-no-such-page-" + rand.Text()
}

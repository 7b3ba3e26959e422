package policy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
)

// Options configures a Handler.
type Options struct {
	// Manifest returns the manifest in force. It is called on every
	// request, so a reloaded manifest shows at once.
	Manifest func() *manifest.Manifest
	// Chrome is the layout the pages are rendered in.
	Chrome *page.Chrome
	// Versions supplies the recorded versions to the history page. With
	// nil the history shows the version in force alone.
	Versions *Versions
	// ChoicesURL, if set, returns the address of the page where visitors
	// change their privacy choices in a language, or "" while there is
	// none; the cookie policy links to it.
	ChoicesURL func(lang string) string
	// Location is the site's time zone, in which the history writes when
	// each version was first published; nil means UTC.
	Location *time.Location
	// Logger receives the errors of failed requests; nil discards them.
	Logger *slog.Logger
	// Verified, if set, reports when the latest scan of the site, judged
	// against m, found no violation; the cookie policy then says so. ok
	// is false when there is no such scan, and the page says nothing.
	Verified func(ctx context.Context, m *manifest.Manifest) (at time.Time, ok bool)
}

// Handler serves the privacy policy, the cookie policy and the policy
// history as HTML pages.
type Handler struct {
	opts Options
	r    *renderer
	log  *slog.Logger
}

// NewHandler returns a Handler for the pages described by opts; Manifest
// and Chrome are required.
func NewHandler(opts Options) (*Handler, error) {
	if opts.Manifest == nil || opts.Chrome == nil {
		return nil, errors.New("policy: Manifest and Chrome are required")
	}
	r, err := newRenderer(opts.Chrome)
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{opts: opts, r: r, log: log}, nil
}

// Register adds the pages to mux, for each language Noren renders:
//
//	GET /{lang}/privacy          the privacy policy
//	GET /{lang}/cookies          the cookie policy
//	GET /{lang}/privacy/history  the policy history
//
// A language the manifest in force lacks answers 404. The languages are
// spelled out rather than matched by a {lang} wildcard, which would also
// capture a site's own pages such as /about/privacy and clash with other
// prefixes on the same mux, such as /noren/.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, lang := range manifest.SupportedLanguages {
		for p := page.Privacy; p <= page.History; p++ {
			mux.Handle("GET "+p.Path(lang), h.page(p, lang))
		}
	}
}

func (h *Handler) page(p page.NavPage, lang string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := h.opts.Manifest()
		if !slices.Contains(m.Languages, lang) {
			http.NotFound(w, r)
			return
		}
		body, err := h.render(r.Context(), m, p, lang)
		if err != nil {
			h.log.Error("policy page", "path", r.URL.Path, "version", m.VersionLabel(), "err", err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		hdr := w.Header()
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Content-Language", lang)
		// The manifest can change at any moment, so caches revalidate
		// every time; the ETag makes that cheap.
		hdr.Set("Cache-Control", "no-cache")
		hdr.Set("ETag", etag(body))
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}

func (h *Handler) render(ctx context.Context, m *manifest.Manifest, p page.NavPage, lang string) ([]byte, error) {
	switch p {
	case page.Cookies:
		return h.r.verifiedDocumentPage(m, lang, Cookies, h.choicesURL(lang), h.verified(ctx, m, lang))
	case page.History:
		var versions []Version
		if h.opts.Versions != nil {
			var err error
			if versions, err = h.opts.Versions.List(ctx); err != nil {
				return nil, err
			}
		}
		return h.r.historyPage(m, lang, versions, h.opts.Location)
	}
	return h.r.documentPage(m, lang, Privacy, h.choicesURL(lang))
}

// verified is the date the cookie policy names as last verified, in the
// site's zone, or "".
func (h *Handler) verified(ctx context.Context, m *manifest.Manifest, lang string) string {
	if h.opts.Verified == nil {
		return ""
	}
	at, ok := h.opts.Verified(ctx, m)
	if !ok {
		return ""
	}
	loc := h.opts.Location
	if loc == nil {
		loc = time.UTC
	}
	// formatDate writes calendar dates, held as midnight UTC.
	day := at.In(loc)
	return formatDate(lang, time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC), m.Policy.EraDates)
}

func (h *Handler) choicesURL(lang string) string {
	if h.opts.ChoicesURL == nil {
		return ""
	}
	return h.opts.ChoicesURL(lang)
}

// etag is a strong entity tag of a page's bytes.
func etag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

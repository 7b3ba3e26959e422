package consent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
)

// maxBody bounds what POST /api/consent and the choices form read.
const maxBody = 8 << 10

// GPCPath is where the site declares that it honours Global Privacy
// Control.
const GPCPath = "/.well-known/gpc.json"

// Options configures a Handler.
type Options struct {
	// Manifest returns the manifest in force; it is called on every
	// request.
	Manifest func() *manifest.Manifest
	// Records keeps every choice made.
	Records *Records
	// Chrome is the layout of the choices page; its template tree holds
	// templates/consent/, as web.Templates does.
	Chrome *page.Chrome
	// Logger receives the errors of failed requests; nil discards them.
	Logger *slog.Logger
	// Now tells the time; nil means time.Now.
	Now func() time.Time
	// Location is the site's time zone, in which the choices page tells
	// when a choice was made; nil means UTC.
	Location *time.Location
}

// Handler serves the consent endpoint, the choices page and the GPC
// declaration.
type Handler struct {
	opt       Options
	log       *slog.Logger
	now       func() time.Time
	page      *page.Template
	crossSite *http.CrossOriginProtection
}

// NewHandler returns a Handler configured by opt; Manifest, Records and
// Chrome are required.
func NewHandler(opt Options) (*Handler, error) {
	if opt.Manifest == nil || opt.Records == nil || opt.Chrome == nil {
		return nil, errors.New("consent: Manifest, Records and Chrome are required")
	}
	h := &Handler{opt: opt, log: opt.Logger, now: opt.Now, crossSite: http.NewCrossOriginProtection()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	var err error
	if h.page, err = opt.Chrome.Page("templates/consent/choices.html"); err != nil {
		return nil, fmt.Errorf("consent: parse templates: %w", err)
	}
	return h, nil
}

// Register adds to mux:
//
//	POST     /api/consent            a choice from the banner, as JSON
//	GET+POST /{lang}/privacy/choices the choices page and its form
//	GET      /.well-known/gpc.json   the GPC declaration
//
// The languages are spelled out, as the policy pages do, rather than
// matched by a wildcard that would capture a site's own pages.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("POST "+APIPath, http.HandlerFunc(h.api))
	for _, lang := range manifest.SupportedLanguages {
		mux.Handle("GET "+ChoicesPath(lang), h.choicesPage(lang))
		mux.Handle("POST "+ChoicesPath(lang), h.choicesForm(lang))
	}
	mux.Handle("GET "+GPCPath, http.HandlerFunc(h.gpcDeclaration))
}

// GPC reports whether r carries a Global Privacy Control signal, Sec-GPC: 1.
func GPC(r *http.Request) bool {
	return strings.TrimSpace(r.Header.Get("Sec-GPC")) == "1"
}

// apiRequest is the body of POST /api/consent.
type apiRequest struct {
	Categories map[string]bool `json:"categories"`
	Tools      map[string]bool `json:"tools"`
	Method     string          `json:"method"`
	GPC        bool            `json:"gpc"`
	Lang       string          `json:"lang"`
}

// apiResponse is the answer to a choice recorded by POST /api/consent.
type apiResponse struct {
	Receipt    string          `json:"receipt"`
	Given      string          `json:"given"`
	Version    string          `json:"version"`
	Policy     string          `json:"policy"`
	Categories map[string]bool `json:"categories"`
	Tools      map[string]bool `json:"tools"`
}

func (h *Handler) api(w http.ResponseWriter, r *http.Request) {
	if err := h.crossSite.Check(r); err != nil {
		apiError(w, http.StatusForbidden, "cross-site requests are refused")
		return
	}
	if r.ContentLength > maxBody {
		apiError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", maxBody))
		return
	}
	var req apiRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	if err == nil {
		// The body must hold the one value, up to the limit.
		if err = dec.Decode(&struct{}{}); err == io.EOF {
			err = nil
		} else if _, tooLarge := errors.AsType[*http.MaxBytesError](err); !tooLarge {
			err = errors.New("more than one JSON value")
		}
	}
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			apiError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", maxBody))
			return
		}
		apiError(w, http.StatusBadRequest, "the body is not a choice in JSON: "+err.Error())
		return
	}
	if req.Method != MethodBanner && req.Method != MethodPreferences {
		apiError(w, http.StatusBadRequest, fmt.Sprintf("method must be %q or %q, not %q", MethodBanner, MethodPreferences, req.Method))
		return
	}
	c, err := h.record(r.Context(), w, r, h.opt.Manifest(), submission{
		Categories: req.Categories,
		Tools:      req.Tools,
		Method:     req.Method,
		OneByOne:   req.Method == MethodPreferences,
		GPC:        req.GPC || GPC(r),
		Lang:       req.Lang,
	})
	var bad *badRequest
	switch {
	case errors.As(err, &bad):
		apiError(w, http.StatusBadRequest, bad.reason)
		return
	case err != nil:
		h.log.Error("record consent", "err", err)
		apiError(w, http.StatusInternalServerError, "the choice could not be recorded")
		return
	}
	writeJSON(w, http.StatusOK, apiResponse{
		Receipt:    c.Receipt,
		Given:      c.Given.Format(time.RFC3339),
		Version:    c.Version,
		Policy:     c.Policy,
		Categories: c.Categories,
		Tools:      c.Tools,
	})
}

// apiError answers with {"error": reason}.
func apiError(w http.ResponseWriter, status int, reason string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{reason})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// gpcDeclaration serves /.well-known/gpc.json, which tells that the site
// honours GPC signals and when its policy last changed.
func (h *Handler) gpcDeclaration(w http.ResponseWriter, r *http.Request) {
	m := h.opt.Manifest()
	body, err := json.Marshal(struct {
		GPC        bool   `json:"gpc"`
		LastUpdate string `json:"lastUpdate"`
	}{true, m.Policy.Effective.String()})
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-cache")
	w.Write(body)
}

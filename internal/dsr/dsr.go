package dsr

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// Defaults of Options.
const (
	// DefaultLinkTTL is how long a verification link works.
	DefaultLinkTTL = 30 * time.Minute
	// recordRetention is how long the sealed request (address and text)
	// is kept: long enough to answer it and to show later that it was.
	recordRetention = 365 * 24 * time.Hour
)

// Vault names under which requests are sealed.
const (
	vaultKind = "dsr"
	vaultForm = "privacy-requests"
)

// minSecret is the shortest HMAC key Options.Secret may be.
const minSecret = 32

// Mailer queues e-mail in the transaction of what the mail announces, so
// that the one is stored exactly when the other is; *outbox.Outbox is one.
type Mailer interface {
	Enqueue(ctx context.Context, tx *store.Tx, m mail.Message) (string, error)
}

// Options configures a Handler.
type Options struct {
	// DB is the migrated database; Vault seals requests in it.
	DB    *store.DB
	Vault *vault.Vault
	// Mailer queues the verification links, the receipts of confirmed
	// requests and the notices of extended deadlines.
	Mailer Mailer
	// Manifest returns the manifest in force; it is called on every
	// request.
	Manifest func() *manifest.Manifest
	// Chrome is the layout of the public pages; its template tree holds
	// templates/dsr/, as web.Templates does.
	Chrome *page.Chrome
	// Logger receives the errors of failed requests; nil discards them.
	Logger *slog.Logger
	// Now tells the time; nil means time.Now.
	Now func() time.Time
	// Secret is the key, at least 32 bytes, of the HMACs that sign links.
	// Changing it voids the links in flight.
	Secret []byte
	// BaseURL returns scheme://host of the site as r reached it, for the
	// links in e-mails.
	BaseURL func(r *http.Request) string
	// Location is the site's time zone: deadlines are counted in its
	// calendar days, and dates are written in it.
	Location *time.Location
	// Deadline, when positive, caps the time to answer a request set by
	// the manifest's requests.deadline: the due date is the earlier of
	// the two. It is counted in whole days; 0 leaves the manifest's.
	Deadline time.Duration
	// LinkTTL is how long a verification link works; 0 means
	// DefaultLinkTTL.
	LinkTTL time.Duration
	// Limits bound how many requests one address and one network may
	// send; the zero value means DefaultLimits().
	Limits Limits
	// RateLimits, when set, keeps the counts of Limits in the database,
	// shared by every instance on it; nil keeps them in this process's
	// memory.
	RateLimits *ratelimit.Shared
}

// Handler serves the request form and the verification links, and gives
// the console its view of the requests. It is safe for concurrent use.
type Handler struct {
	opt       Options
	log       *slog.Logger
	now       func() time.Time
	q         map[string]string
	formPage  *page.Template
	linkPage  *page.Template
	limiter   *limiter
	crossSite *http.CrossOriginProtection
}

// New returns a Handler configured by opt. Every field but Logger, Now,
// Deadline, LinkTTL and Limits is required.
func New(opt Options) (*Handler, error) {
	switch {
	case opt.DB == nil || opt.Vault == nil || opt.Mailer == nil || opt.Manifest == nil ||
		opt.Chrome == nil || opt.BaseURL == nil || opt.Location == nil:
		return nil, errors.New("dsr: DB, Vault, Mailer, Manifest, Chrome, BaseURL and Location are required")
	case len(opt.Secret) < minSecret:
		return nil, fmt.Errorf("dsr: the secret is %d bytes, want at least %d", len(opt.Secret), minSecret)
	case opt.Deadline < 0 || opt.LinkTTL < 0:
		return nil, errors.New("dsr: Deadline and LinkTTL may not be negative")
	case opt.Deadline > 0 && opt.Deadline < day:
		return nil, fmt.Errorf("dsr: Deadline %s: want 0 or at least a day", opt.Deadline)
	}
	if opt.LinkTTL == 0 {
		opt.LinkTTL = DefaultLinkTTL
	}
	if opt.Limits == (Limits{}) {
		opt.Limits = DefaultLimits()
	}
	if err := opt.Limits.validate(); err != nil {
		return nil, err
	}
	h := &Handler{opt: opt, log: opt.Logger, now: opt.Now, crossSite: http.NewCrossOriginProtection()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.limiter = newLimiter(opt.Limits, opt.RateLimits)
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, fmt.Errorf("dsr: queries: %w", err)
	}
	if h.q, err = opt.DB.Dialect().ReadQueries(sub); err != nil {
		return nil, fmt.Errorf("dsr: %w", err)
	}
	if h.formPage, err = opt.Chrome.Page("templates/dsr/form.html"); err != nil {
		return nil, fmt.Errorf("dsr: parse templates: %w", err)
	}
	if h.linkPage, err = opt.Chrome.Page("templates/dsr/verify.html"); err != nil {
		return nil, fmt.Errorf("dsr: parse templates: %w", err)
	}
	return h, nil
}

// Path is the address of the request form in lang.
func Path(lang string) string { return "/" + lang + "/privacy/requests" }

// VerifyPath is the address verification links lead to in lang.
func VerifyPath(lang string) string { return Path(lang) + "/verify" }

// Register adds to mux, for every language Noren renders:
//
//	GET+POST /{lang}/privacy/requests         the request form
//	GET+POST /{lang}/privacy/requests/verify  a link from the e-mail, and its confirmation
//
// A language the manifest in force does not declare answers 404.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, lang := range manifest.SupportedLanguages {
		mux.Handle("GET "+Path(lang), h.formGet(lang))
		mux.Handle("POST "+Path(lang), h.formPost(lang))
		mux.Handle("GET "+VerifyPath(lang), h.verifyGet(lang))
		mux.Handle("POST "+VerifyPath(lang), h.verifyPost(lang))
	}
}

package contact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
)

// Limits and defaults of the form.
const (
	// MaxBody is the largest form body accepted; a larger one is answered
	// with 413.
	MaxBody = 32 << 10
	// DefaultDifficulty is the proof of work asked of browsers with
	// JavaScript, in leading zero bits: about 260,000 hashes, well under
	// a second on a phone, tedious at the scale of a spam run.
	DefaultDifficulty = 18
	// challengeTTL is how long a form page may stay open before sending.
	challengeTTL = 30 * time.Minute
	// VaultKind is the kind of the vault records that hold submissions.
	VaultKind = "submission"
	// PartKind is the kind of the vault records that hold the answers to
	// fields kept for less time than the rest of their submission.
	PartKind = "submission-part"
	// notifyTimeout bounds how long a notification may hold up the
	// thank-you page.
	notifyTimeout = 10 * time.Second
)

// Options configures a Handler. DB, Vault, Manifest, Chrome and Secret
// are required.
type Options struct {
	// DB holds contact_submissions and contact_challenges; it must be
	// migrated.
	DB *store.DB
	// Vault seals what people write.
	Vault *vault.Vault
	// Manifest returns the manifest in force; its collection points are
	// the forms.
	Manifest func() *manifest.Manifest
	// Chrome is the layout of the pages; its template tree holds
	// templates/contact/*.html, as web.Templates does.
	Chrome *page.Chrome
	// Logger receives operational messages, never personal data; nil
	// discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Location is the site's time zone, in which a reference number
	// takes the year of its submission; nil means UTC.
	Location *time.Location
	// Notifier, if set, is told of each stored submission.
	Notifier Notifier
	// Secret signs the form's challenges: at least 32 bytes, stable across
	// restarts so that open form pages stay valid.
	Secret []byte
	// Difficulty is the proof of work in leading zero bits; 0 means
	// DefaultDifficulty.
	Difficulty int
	// ConsoleURL returns the address of a submission in the console, for
	// notifications; nil leaves the link out.
	ConsoleURL func(reference string) string
	// MinFill is the least time between showing a form and sending it;
	// 0 means 3 seconds.
	MinFill time.Duration
	// Wait is how long the confirmation page of browsers without
	// JavaScript makes a person wait; 0 means 10 seconds.
	Wait time.Duration
	// RateLimit submissions per RateWindow are accepted from one network;
	// 0 means 5 per 10 minutes.
	RateLimit  int
	RateWindow time.Duration
	// RateLimits, when set, keeps the counts of RateLimit in the
	// database, shared by every instance on it; nil keeps them in this
	// process's memory.
	RateLimits *ratelimit.Shared
}

// Notification tells staff that a submission arrived. It holds no personal
// data: the form, the reference number and a link to the console.
type Notification struct {
	Form, FormName, Reference, ConsoleURL string
	// Subject and Text are the message ready to send, in English.
	Subject, Text string
}

// Notifier is told of each stored submission, after it is committed. An
// error is logged and does not fail the submission.
type Notifier interface {
	NewSubmission(ctx context.Context, n Notification) error
}

// NotifierFunc lets a function serve as a Notifier.
type NotifierFunc func(ctx context.Context, n Notification) error

// NewSubmission calls f.
func (f NotifierFunc) NewSubmission(ctx context.Context, n Notification) error { return f(ctx, n) }

// Handler serves the contact forms. It is safe for concurrent use.
type Handler struct {
	opt       Options
	log       *slog.Logger
	now       func() time.Time
	signer    signer
	subs      *submissions
	limiter   *ratelimit.Window
	crossSite *http.CrossOriginProtection
	pages     map[string]*page.Template
}

// New returns a Handler for the forms of opt.Manifest.
func New(opt Options) (*Handler, error) {
	if opt.DB == nil || opt.Vault == nil || opt.Manifest == nil || opt.Chrome == nil {
		return nil, errors.New("contact: DB, Vault, Manifest and Chrome are required")
	}
	if len(opt.Secret) < 32 {
		return nil, errors.New("contact: the secret must be at least 32 bytes")
	}
	if opt.Difficulty == 0 {
		opt.Difficulty = DefaultDifficulty
	}
	if opt.Difficulty < 0 || opt.Difficulty > 32 {
		return nil, fmt.Errorf("contact: difficulty %d: want 1 to 32 bits", opt.Difficulty)
	}
	if opt.MinFill == 0 {
		opt.MinFill = 3 * time.Second
	}
	if opt.Wait == 0 {
		opt.Wait = 10 * time.Second
	}
	if opt.RateLimit == 0 {
		opt.RateLimit = 5
	}
	if opt.RateWindow == 0 {
		opt.RateWindow = 10 * time.Minute
	}
	h := &Handler{
		opt:       opt,
		log:       opt.Logger,
		now:       opt.Now,
		signer:    signer{key: append([]byte(nil), opt.Secret...)},
		limiter:   newLimiter(opt),
		crossSite: http.NewCrossOriginProtection(),
		pages:     make(map[string]*page.Template),
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.opt.Location == nil {
		h.opt.Location = time.UTC
	}
	var err error
	if h.subs, err = newSubmissions(opt.DB, h.opt.Location); err != nil {
		return nil, err
	}
	for _, name := range []string{"form", "wait", "thanks", "message"} {
		if h.pages[name], err = opt.Chrome.Page("templates/contact/" + name + ".html"); err != nil {
			return nil, fmt.Errorf("contact: parse templates: %w", err)
		}
	}
	return h, nil
}

// safePath is what a collection point's path may be to be served: it goes
// into a ServeMux pattern, where braces would be wildcards.
var safePath = regexp.MustCompile(`^(/[a-z0-9][a-z0-9._-]*)+$`)

// Register adds, for each collection point of the manifest in force and
// each of its languages, GET and POST /{lang}{path} (the form), GET
// /{lang}{path}/ (a redirect to the form) and GET /{lang}{path}/thanks.
// Forms added to the manifest later are served after the next Register,
// that is after a restart; forms removed answer 404 at once.
func (h *Handler) Register(mux *http.ServeMux) {
	m := h.opt.Manifest()
	for _, cp := range m.CollectionPoints {
		if !safePath.MatchString(cp.Path) {
			h.log.Warn("contact: form not served: its path is not a plain path", "form", cp.ID, "path", cp.Path)
			continue
		}
		for _, lang := range m.Languages {
			if !slices.Contains(manifest.SupportedLanguages, lang) {
				continue
			}
			p := formPath(lang, cp.Path)
			mux.Handle("GET "+p, h.formPage(lang, cp.ID))
			mux.Handle("POST "+p, h.submit(lang, cp.ID))
			mux.Handle("GET "+p+"/{$}", http.RedirectHandler(p, http.StatusMovedPermanently))
			mux.Handle("GET "+p+"/thanks", h.thanks(lang, cp.ID))
		}
	}
}

// formPath is the address of a form page in lang.
func formPath(lang, path string) string { return "/" + lang + path }

// lookup returns the collection point id in the manifest in force, or nil
// when it, or lang, is no longer there.
func (h *Handler) lookup(lang, id string) (*manifest.Manifest, *manifest.CollectionPoint) {
	m := h.opt.Manifest()
	cp := m.CollectionPoint(id)
	if cp == nil || !slices.Contains(m.Languages, lang) {
		return m, nil
	}
	return m, cp
}

// formPage serves the empty form.
func (h *Handler) formPage(lang, id string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, cp := h.lookup(lang, id)
		if cp == nil {
			http.NotFound(w, r)
			return
		}
		s := submission{Values: map[string]string{}}
		h.renderForm(w, r, m, cp, lang, s, nil, http.StatusOK)
	})
}

// submit takes a posted form through the spam checks and validation, and
// stores it or shows why not.
func (h *Handler) submit(lang, id string) http.Handler {
	l := i18n.Lang(lang)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, cp := h.lookup(lang, id)
		if cp == nil {
			http.NotFound(w, r)
			return
		}
		if err := h.crossSite.Check(r); err != nil {
			h.renderMessage(w, r, m, cp, lang, http.StatusForbidden, msgCrossSite)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		if err := r.ParseForm(); err != nil {
			if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
				h.renderMessage(w, r, m, cp, lang, http.StatusRequestEntityTooLarge, msgTooLarge)
				return
			}
			h.renderMessage(w, r, m, cp, lang, http.StatusBadRequest, msgUnreadable)
			return
		}
		ctx := r.Context()
		now := h.now()
		addr := server.ClientAddr(r)
		in := r.PostForm
		if h.rateLimited(ctx, addr, now) {
			w.Header().Set("Retry-After", strconv.Itoa(int(h.opt.RateWindow.Seconds())))
			h.renderMessage(w, r, m, cp, lang, http.StatusTooManyRequests, msgRateLimited)
			return
		}
		if in.Get(honeypotInput) != "" {
			// A bot is told what a person would be, so it learns nothing
			// to adapt to; nothing is stored.
			h.countSubmission(ctx, addr, now)
			h.log.Info("contact: honeypot filled; submission dropped", "form", cp.ID)
			http.Redirect(w, r, formPath(lang, cp.Path)+"/thanks?ref="+newReference(now.In(h.opt.Location)), http.StatusSeeOther)
			return
		}

		s, errs := parseForm(cp, in, lang)
		if in.Get("edit") != "" {
			h.renderForm(w, r, m, cp, lang, s, nil, http.StatusOK)
			return
		}
		token := in.Get(tokenInput)
		c, err := h.signer.parseChallenge(token, cp.ID, now, challengeTTL)
		switch {
		case errors.Is(err, errExpiredToken):
			errs = append([]fieldError{{Message: i18n.T(l, "contact.error.expired")}}, errs...)
		case err != nil:
			errs = append([]fieldError{{Message: i18n.T(l, "contact.error.unverified")}}, errs...)
		case now.Sub(c.Issued) < h.opt.MinFill:
			errs = append([]fieldError{{Message: i18n.T(l, "contact.error.too_quick")}}, errs...)
		}
		if len(errs) > 0 {
			h.renderForm(w, r, m, cp, lang, s, errs, http.StatusBadRequest)
			return
		}
		if used, err := h.subs.used(ctx, c.ID); err != nil {
			h.log.Error("contact: check the challenge", "form", cp.ID, "err", err)
			h.renderForm(w, r, m, cp, lang, s, []fieldError{serverError(l)}, http.StatusInternalServerError)
			return
		} else if used {
			h.renderForm(w, r, m, cp, lang, s, []fieldError{replayError(l)}, http.StatusConflict)
			return
		}

		if pow := in.Get(powInput); pow != "" {
			if !solves(token, pow, c.Difficulty) {
				h.renderForm(w, r, m, cp, lang, s, []fieldError{{Message: i18n.T(l, "contact.error.proof_failed")}}, http.StatusBadRequest)
				return
			}
		} else {
			// Without the script's proof of work, a person waits on a
			// confirmation page instead.
			wait := in.Get(waitInput)
			if wait == "" {
				notBefore := now.Add(h.opt.Wait)
				h.renderWait(w, r, m, cp, lang, s, token, h.signer.waitToken(c, notBefore), 0)
				return
			}
			notBefore, err := h.signer.parseWait(wait, c)
			if err != nil {
				h.renderForm(w, r, m, cp, lang, s, []fieldError{{Message: i18n.T(l, "contact.error.wait_unverified")}}, http.StatusBadRequest)
				return
			}
			if now.Before(notBefore) {
				left := int(notBefore.Sub(now).Seconds() + 0.999)
				h.renderWait(w, r, m, cp, lang, s, token, wait, left)
				return
			}
		}

		ref, err := h.store(ctx, m, cp, lang, s, c, now)
		if errors.Is(err, errReplayed) {
			h.renderForm(w, r, m, cp, lang, s, []fieldError{replayError(l)}, http.StatusConflict)
			return
		}
		if err != nil {
			h.log.Error("contact: store a submission", "form", cp.ID, "err", err)
			h.renderForm(w, r, m, cp, lang, s, []fieldError{serverError(l)}, http.StatusInternalServerError)
			return
		}
		h.countSubmission(ctx, addr, now)
		h.log.Info("contact: submission stored", "form", cp.ID, "reference", ref)
		h.notify(ctx, cp, ref)
		http.Redirect(w, r, formPath(lang, cp.Path)+"/thanks?ref="+ref, http.StatusSeeOther)
	})
}

func replayError(l i18n.Lang) fieldError {
	return fieldError{Message: i18n.T(l, "contact.error.replayed")}
}

func serverError(l i18n.Lang) fieldError {
	return fieldError{Message: i18n.T(l, "contact.error.server")}
}

// store seals the submission in the vault and then records it. Answers to
// fields that declare a retention shorter than the form's are sealed apart,
// one record per expiry, so that the vault's retention shreds them on their
// own schedule. Sealing cannot share the row's transaction (the vault
// writes through the database on its own), so a crash between the two
// leaves sealed records with no row: unreachable from the console, and
// shredded by the vault's retention when they expire. A failure to record
// shreds the sealed records at once.
func (h *Handler) store(ctx context.Context, m *manifest.Manifest, cp *manifest.CollectionPoint, lang string, s submission, c challenge, now time.Time) (string, error) {
	expires := retention(cp).From(now)
	if !expires.After(now) {
		return "", fmt.Errorf("contact: form %s declares no retention period", cp.ID)
	}
	subject := s.subject(cp)
	var sealed []string
	shred := func() {
		for _, id := range sealed {
			if err := h.opt.Vault.Shred(context.WithoutCancel(ctx), id); err != nil {
				h.log.Error("contact: shred the record of a submission not stored", "form", cp.ID, "vault_id", id, "err", err)
			}
		}
	}
	seal := func(kind string, values map[string]string, expires time.Time) (string, error) {
		data, err := json.Marshal(values)
		if err != nil {
			return "", fmt.Errorf("contact: encode submission: %w", err)
		}
		id, err := h.opt.Vault.Seal(ctx, vault.Item{Kind: kind, Form: cp.ID, Subject: subject, Expires: expires, Data: data})
		if err != nil {
			return "", err
		}
		sealed = append(sealed, id)
		return id, nil
	}
	kept, groups := splitByRetention(cp, s.Values, now, expires)
	vaultID, err := seal(VaultKind, kept, expires)
	if err != nil {
		return "", err
	}
	r := row{
		Form:          cp.ID,
		Created:       now,
		Expires:       expires,
		VaultID:       vaultID,
		PolicyVersion: m.VersionLabel(),
		PolicyHash:    m.Hash(),
		Lang:          lang,
	}
	for _, g := range groups {
		id, err := seal(PartKind, g.values, g.expires)
		if err != nil {
			shred()
			return "", err
		}
		r.Parts = append(r.Parts, part{VaultID: id, Expires: g.expires, Fields: g.fields})
	}
	if err := h.subs.add(ctx, &r, c.ID, c.Issued.Add(challengeTTL)); err != nil {
		shred()
		return "", err
	}
	return r.Reference, nil
}

// valueGroup is the answers to fields kept until the same time.
type valueGroup struct {
	expires time.Time
	fields  []string
	values  map[string]string
}

// splitByRetention divides the answers of a submission made at now into
// those kept with the form until expires and groups of those whose fields
// declare a shorter retention, one group per expiry, soonest first.
func splitByRetention(cp *manifest.CollectionPoint, values map[string]string, now, expires time.Time) (map[string]string, []valueGroup) {
	kept := make(map[string]string, len(values))
	for id, v := range values {
		kept[id] = v
	}
	var groups []valueGroup
	for i := range cp.Fields {
		f := &cp.Fields[i]
		v, ok := values[f.ID]
		if !ok || f.Retention.IsZero() || f.Retention.Session {
			continue
		}
		e := f.Retention.From(now)
		if !e.Before(expires) {
			continue
		}
		delete(kept, f.ID)
		j := slices.IndexFunc(groups, func(g valueGroup) bool { return g.expires.Equal(e) })
		if j < 0 {
			groups = append(groups, valueGroup{expires: e, values: map[string]string{}})
			j = len(groups) - 1
		}
		groups[j].fields = append(groups[j].fields, f.ID)
		groups[j].values[f.ID] = v
	}
	slices.SortStableFunc(groups, func(a, b valueGroup) int { return a.expires.Compare(b.expires) })
	return kept, groups
}

// retention is how long a form's submissions are kept: the collection
// point's period, or when it declares none, the longest of its fields'.
func retention(cp *manifest.CollectionPoint) manifest.Duration {
	if !cp.Retention.IsZero() && !cp.Retention.Session {
		return cp.Retention
	}
	var longest manifest.Duration
	base := time.Unix(0, 0)
	for i := range cp.Fields {
		if d := cp.Fields[i].Retention; d.From(base).After(longest.From(base)) {
			longest = d
		}
	}
	return longest
}

// notify tells the notifier of a stored submission, naming only the form
// and the reference.
func (h *Handler) notify(ctx context.Context, cp *manifest.CollectionPoint, ref string) {
	if h.opt.Notifier == nil {
		return
	}
	n := Notification{Form: cp.ID, FormName: cp.Name.In("en"), Reference: ref}
	if h.opt.ConsoleURL != nil {
		n.ConsoleURL = h.opt.ConsoleURL(ref)
	}
	n.Subject = "New submission " + ref + " for form " + cp.ID
	n.Text = "A new submission, " + ref + ", has arrived through the form " + cp.ID + " (" + n.FormName + ").\n"
	if n.ConsoleURL != "" {
		n.Text += "\nRead it in the console: " + n.ConsoleURL + "\n"
	}
	n.Text += "\nThis message holds no personal data; the submission itself is kept encrypted and can be read only in the console.\n"
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notifyTimeout)
	defer cancel()
	if err := h.opt.Notifier.NewSubmission(ctx, n); err != nil {
		h.log.Error("contact: notify of a submission", "form", cp.ID, "reference", ref, "err", err)
	}
}

// thanks serves the thank-you page. It shows the reference from its
// address after checking only its form: the page looks the same for any
// well-formed reference, so it reveals nothing about what was stored.
func (h *Handler) thanks(lang, id string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, cp := h.lookup(lang, id)
		if cp == nil {
			http.NotFound(w, r)
			return
		}
		ref := r.URL.Query().Get("ref")
		if !validReference(ref) {
			h.renderMessage(w, r, m, cp, lang, http.StatusNotFound, msgNoReference)
			return
		}
		h.renderThanks(w, r, m, cp, lang, ref)
	})
}

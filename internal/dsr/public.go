package dsr

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/timefmt"
	"github.com/noren-web/noren/internal/vault"
)

// formView is what templates/dsr/form.html reads.
type formView struct {
	page.Layout
	// Public is set for a public body: the page then explains chapter 5's
	// procedure, else chapter 4's.
	Public bool
	Action string
	Kinds  []kindView
	Input  formInput
	// Errors lead the page when a posted form was refused; FieldErrors
	// holds the same by control id, to show next to each control.
	Errors      []fieldError
	FieldErrors map[string]string
	// Problem replaces the form's error summary when the form could not
	// be read at all, or a limit was reached.
	Problem string
	// Sent is set after a request was taken: the page then says to check
	// the mailbox, and nothing else.
	Sent    bool
	LinkTTL string
	// Max holds the limits of the text controls, in characters.
	Max        textLimits
	Procedure  procedureView
	Contact    contactView
	PolicyHref string
}

// textLimits are the longest texts the form takes, in characters.
type textLimits struct {
	Name, Address, Target, Details int
}

type kindView struct {
	ID, Value, Label, Description string
	Checked                       bool
}

// procedureView is how the operator handles requests, from the manifest's
// requests, in the page's language. Empty texts are left out.
type procedureView struct {
	// Basis names the law, and for a local government its ordinance,
	// that the requests are made under.
	Basis string
	// Deadline and Extension are the time to decide and how far a public
	// body may extend it.
	Deadline, Extension    string
	Identity, Fee, Records string
	// Appeal is where a 審査請求 goes, and AppealBasis the articles it
	// is made under, which differ for a local government.
	Appeal, AppealBasis string
	FileRegister        string
}

// contactView is who takes requests by other means; Email is printed as
// operator.email_display asks.
type contactView struct {
	Operator, Section, Phone string
	Email                    page.Email
}

// sealedRequest is what the vault keeps of a request besides the address:
// the texts the person gave, those of a public body's 請求書 among them.
type sealedRequest struct {
	Kind    Kind   `json:"kind"`
	Lang    string `json:"lang"`
	Name    string `json:"name,omitempty"`
	Address string `json:"address,omitempty"`
	Target  string `json:"target,omitempty"`
	Details string `json:"details,omitempty"`
}

// Title is the name of the request page in lang under regime r, as its
// heading and every link to it show it.
func Title(lang string, r Regime) string {
	return i18n.T(i18n.Lang(lang), "dsr.title."+string(r))
}

func (h *Handler) newFormView(m *manifest.Manifest, lang string) *formView {
	r := RegimeOf(m)
	v := &formView{
		Layout:      page.New(m, lang, Title(lang, r), Path),
		Public:      r == PublicBody,
		Action:      Path(lang),
		FieldErrors: map[string]string{},
		LinkTTL:     humanDuration(h.opt.LinkTTL, lang),
		Max:         textLimits{Name: maxName, Address: maxAddress, Target: maxTarget, Details: maxDetails},
		Procedure:   h.procedure(m, lang),
		Contact:     newContact(m, lang),
		PolicyHref:  "/" + lang + "/privacy",
	}
	for _, k := range r.Kinds() {
		v.Kinds = append(v.Kinds, kindView{
			ID:          "dsr-kind-" + string(k),
			Value:       string(k),
			Label:       k.Label(lang, r),
			Description: k.Description(lang, r),
		})
	}
	return v
}

func (h *Handler) procedure(m *manifest.Manifest, lang string) procedureView {
	l := i18n.Lang(lang)
	rq := &m.Requests
	p := procedureView{
		Basis:        i18n.T(l, "dsr.form.basis"),
		Deadline:     h.deadline(m, h.now()).Human(lang),
		Identity:     rq.Identity.In(lang),
		Fee:          rq.Fee.In(lang),
		Records:      rq.Records.In(lang),
		Appeal:       rq.Appeal.In(lang),
		FileRegister: rq.FileRegister,
	}
	if !m.Operator.PublicBody() {
		return p
	}
	p.Extension = extensionOf(m).Human(lang)
	if name := m.Operator.Ordinance.Name.In(lang); m.Operator.Regime == manifest.RegimeLocalGovernment && name != "" {
		p.Basis = i18n.T(l, "dsr.form.basis_ordinance", name)
	}
	if p.Appeal == "" {
		p.Appeal = i18n.T(l, "dsr.form.public.appeal_default")
	}
	// Art. 104 leaves out the bodies of local governments, whose review
	// goes to the body of Art. 81 of the Administrative Complaint Review
	// Act as Art. 105(3) reads it.
	p.AppealBasis = i18n.T(l, "dsr.form.public.appeal_basis")
	if m.Operator.Regime == manifest.RegimeLocalGovernment {
		p.AppealBasis = i18n.T(l, "dsr.form.public.appeal_basis_local")
	}
	return p
}

func newContact(m *manifest.Manifest, lang string) contactView {
	return contactView{
		Operator: m.Operator.Name.In(lang),
		Section:  m.Operator.Section.In(lang),
		Phone:    m.Operator.Phone,
		Email:    page.OperatorEmail(m),
	}
}

// withInput fills the form with in and its errors.
func (v *formView) withInput(in formInput, errs []fieldError) *formView {
	v.Input = in
	v.Errors = errs
	for _, e := range errs {
		v.FieldErrors[e.Field] = e.Text
	}
	for i := range v.Kinds {
		v.Kinds[i].Checked = v.Kinds[i].Value == string(in.Kind)
	}
	return v
}

// language returns the manifest in force if it declares lang.
func (h *Handler) language(w http.ResponseWriter, r *http.Request, lang string) (*manifest.Manifest, bool) {
	m := h.opt.Manifest()
	if !slices.Contains(m.Languages, lang) {
		http.NotFound(w, r)
		return nil, false
	}
	return m, true
}

func (h *Handler) formGet(lang string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, ok := h.language(w, r, lang)
		if !ok {
			return
		}
		v := h.newFormView(m, lang)
		v.Sent = r.URL.Query().Get("sent") == "1"
		h.render(w, r, h.formPage, v, lang, http.StatusOK)
	})
}

func (h *Handler) formPost(lang string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, ok := h.language(w, r, lang)
		if !ok {
			return
		}
		v := h.newFormView(m, lang)
		if err := h.crossSite.Check(r); err != nil {
			v.Problem = i18n.T(i18n.Lang(lang), "dsr.cross_site")
			h.render(w, r, h.formPage, v, lang, http.StatusForbidden)
			return
		}
		if status, problem := readForm(w, r, lang); status != 0 {
			v.Problem = problem
			h.render(w, r, h.formPage, v, lang, status)
			return
		}
		in, errs := parseForm(r.PostForm, lang, m)
		if len(errs) > 0 {
			h.render(w, r, h.formPage, v.withInput(in, errs), lang, http.StatusBadRequest)
			return
		}
		normalized, _ := vault.NormalizeSubject(in.Email) // checked by parseForm
		hit, wait, err := h.limiter.allow(r.Context(), normalized, server.ClientAddr(r), h.now())
		if err != nil {
			h.log.Error("data-subject request: count against the limits", "err", err)
		}
		if hit != withinLimits {
			v.withInput(in, nil).Problem = limitMessage(hit, wait, lang)
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Round(time.Second)/time.Second))))
			h.render(w, r, h.formPage, v, lang, http.StatusTooManyRequests)
			return
		}
		if err := h.take(r.Context(), m, r, lang, in); err != nil {
			h.log.Error("data-subject request", "err", err)
			v.withInput(in, nil).Problem = i18n.T(i18n.Lang(lang), "dsr.unavailable")
			h.render(w, r, h.formPage, v, lang, http.StatusServiceUnavailable)
			return
		}
		// After the redirect, a reload does not send the form again.
		http.Redirect(w, r, Path(lang)+"?sent=1", http.StatusSeeOther)
	})
}

// readForm reads the posted form into r.PostForm, or returns the status
// and message of why it cannot.
func readForm(w http.ResponseWriter, r *http.Request, lang string) (int, string) {
	if r.ContentLength > maxBody {
		return http.StatusRequestEntityTooLarge, i18n.T(i18n.Lang(lang), "dsr.too_large", maxBody>>10)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		if _, big := errors.AsType[*http.MaxBytesError](err); big {
			return http.StatusRequestEntityTooLarge, i18n.T(i18n.Lang(lang), "dsr.too_large", maxBody>>10)
		}
		return http.StatusBadRequest, i18n.T(i18n.Lang(lang), "dsr.unreadable")
	}
	return 0, ""
}

func limitMessage(hit limitKind, wait time.Duration, lang string) string {
	minutes := max(1, int((wait+time.Minute-1)/time.Minute))
	if hit == addressLimit {
		return i18n.T(i18n.Lang(lang), "dsr.limit_address", minutes)
	}
	return i18n.T(i18n.Lang(lang), "dsr.limit_network", minutes)
}

// take stores a request awaiting verification and queues its link. It does
// the same whatever the vault holds about the address, so neither the
// answer nor its timing tells whether the address is known.
func (h *Handler) take(ctx context.Context, m *manifest.Manifest, r *http.Request, lang string, in formInput) error {
	now := h.now().UTC()
	sealed := sealedRequest{Kind: in.Kind, Lang: lang, Name: in.Name, Address: in.Address, Target: in.Target}
	if in.Kind == Correction || in.Kind == Cessation && RegimeOf(m) == PublicBody {
		sealed.Details = in.Details
	}
	data, err := json.Marshal(sealed)
	if err != nil {
		return fmt.Errorf("dsr: encode request: %w", err)
	}
	vaultID, err := h.opt.Vault.Seal(ctx, vault.Item{
		Kind: vaultKind, Form: vaultForm, Subject: in.Email,
		Expires: now.Add(recordRetention), Data: data,
	})
	if err != nil {
		return fmt.Errorf("dsr: take request: %w", err)
	}
	id := strings.ToLower(rand.Text())
	ref := rand.Text()
	reference := "R-" + ref[:4] + "-" + ref[4:8]
	token, hash := newToken(h.opt.Secret)
	link := strings.TrimSuffix(h.opt.BaseURL(r), "/") + VerifyPath(lang) + "?t=" + token
	// The request and the mail of its link are stored together: a mail
	// server that is down delays the link but loses neither.
	err = h.opt.DB.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, h.q["insert-request"], id, reference, string(in.Kind), lang, now,
			vaultID, hash, now.Add(h.opt.LinkTTL))
		if err != nil {
			return fmt.Errorf("dsr: store request: %w", err)
		}
		if _, err := h.opt.Mailer.Enqueue(ctx, tx, verificationMail(m, lang, in.Email, in.Kind, link, h.opt.LinkTTL)); err != nil {
			return fmt.Errorf("dsr: mail the link of request %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return errors.Join(err, h.opt.Vault.Shred(ctx, vaultID))
	}
	return nil
}

// render writes the page of t for v.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, t *page.Template, v any, lang string, status int) {
	var body bytes.Buffer
	if err := t.Execute(&body, v); err != nil {
		h.log.Error("data-subject request page", "path", r.URL.Path, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Language", lang)
	// The pages can show an address someone typed, or carry a link's
	// token: no cache may keep them, and no link off them may tell where
	// the visitor came from.
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	w.Write(body.Bytes())
}

// humanDuration says d in lang, in the largest whole unit among days,
// hours and minutes.
func humanDuration(d time.Duration, lang string) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return manifest.Duration{N: int(d / (24 * time.Hour)), Unit: "d"}.Human(lang)
	case d >= time.Hour && d%time.Hour == 0:
		return manifest.Duration{N: int(d / time.Hour), Unit: "h"}.Human(lang)
	}
	return manifest.Duration{N: max(1, int(d/time.Minute)), Unit: "min"}.Human(lang)
}

// humanDate says the day of t in loc, the site's time zone, in lang, with
// the zone named: deadlines run on the operator's calendar.
func humanDate(t time.Time, lang string, loc *time.Location) string {
	return i18n.T(i18n.Lang(lang), "dsr.zone_date", timefmt.LongDate(lang, t, loc), timefmt.Zone(lang, loc, t))
}

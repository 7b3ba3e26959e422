package dsr

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/store"
)

// linkState is what a verification link's page shows.
type linkState string

const (
	// linkConfirm: the link is good; the page asks to press the button.
	linkConfirm linkState = "confirm"
	// linkVerified: the button was pressed; the request is taken.
	linkVerified linkState = "verified"
	// linkExpired, linkUsed, linkInvalid: the link no longer works, or
	// never did.
	linkExpired linkState = "expired"
	linkUsed    linkState = "used"
	linkInvalid linkState = "invalid"
)

// statusOf is the HTTP status of each state's page.
var statusOf = map[linkState]int{
	linkConfirm:  http.StatusOK,
	linkVerified: http.StatusOK,
	linkExpired:  http.StatusGone,
	linkUsed:     http.StatusGone,
	linkInvalid:  http.StatusBadRequest,
}

// linkView is what templates/dsr/verify.html reads.
type linkView struct {
	page.Layout
	// Public is set for a public body, whose next steps include verifying
	// the requester's identity by Identity, the manifest's means.
	Public   bool
	Identity string
	State    linkState
	Action   string
	Token    string
	FormHref string
	// Kind is what the request asks for, in words; Reference, Deadline
	// and DeadlineISO are set once it is verified.
	Kind        string
	Reference   string
	Deadline    string
	DeadlineISO string
	LinkTTL     string
}

// linkRequest is the request a link belongs to, as far as verifying it
// needs.
type linkRequest struct {
	id, reference string
	kind          Kind
	status        Status
	lang, vaultID string
	expires       time.Time
	used          sql.NullTime
}

// errLinkUsed means the link was used by another request in between.
var errLinkUsed = errors.New("dsr: the link has already been used")

func (h *Handler) newLinkView(lang string, state linkState) *linkView {
	m := h.opt.Manifest()
	r := RegimeOf(m)
	return &linkView{
		Layout:   page.New(m, lang, Title(lang, r), Path),
		Public:   r == PublicBody,
		Identity: m.Requests.Identity.In(lang),
		State:    state,
		Action:   VerifyPath(lang),
		FormHref: Path(lang),
		LinkTTL:  humanDuration(h.opt.LinkTTL, lang),
	}
}

// lookupLink finds the request of token and tells what state its link is
// in.
func (h *Handler) lookupLink(ctx context.Context, token string) (linkRequest, linkState, error) {
	hash, err := checkToken(h.opt.Secret, token)
	if err != nil {
		return linkRequest{}, linkInvalid, nil
	}
	var (
		p            linkRequest
		kind, status string
	)
	err = h.opt.DB.QueryRowContext(ctx, h.q["request-by-token"], hash).Scan(
		&p.id, &p.reference, &kind, &status, &p.lang, &p.vaultID, &p.expires, &p.used)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return linkRequest{}, linkInvalid, nil
	case err != nil:
		return linkRequest{}, "", fmt.Errorf("dsr: look up a link: %w", err)
	}
	p.kind, p.status = Kind(kind), Status(status)
	switch {
	case p.used.Valid || p.status != PendingVerification && p.status != Expired:
		return p, linkUsed, nil
	case p.status == Expired || !p.expires.After(h.now()):
		return p, linkExpired, nil
	}
	return p, linkConfirm, nil
}

func (h *Handler) verifyGet(lang string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := h.language(w, r, lang); !ok {
			return
		}
		token := r.URL.Query().Get("t")
		p, state, err := h.lookupLink(r.Context(), token)
		if err != nil {
			h.fail(w, r, lang, err)
			return
		}
		v := h.newLinkView(lang, state)
		if state == linkConfirm {
			// A mail scanner that fetches the link stops here: only the
			// button's POST verifies the request.
			v.Token, v.Kind = token, p.kind.Label(lang, h.Regime())
		}
		h.render(w, r, h.linkPage, v, lang, statusOf[state])
	})
}

func (h *Handler) verifyPost(lang string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := h.language(w, r, lang); !ok {
			return
		}
		if err := h.crossSite.Check(r); err != nil {
			h.render(w, r, h.linkPage, h.newLinkView(lang, linkInvalid), lang, http.StatusForbidden)
			return
		}
		if status, _ := readForm(w, r, lang); status != 0 {
			h.render(w, r, h.linkPage, h.newLinkView(lang, linkInvalid), lang, status)
			return
		}
		p, state, err := h.lookupLink(r.Context(), r.PostForm.Get("t"))
		if err != nil {
			h.fail(w, r, lang, err)
			return
		}
		if state != linkConfirm {
			h.render(w, r, h.linkPage, h.newLinkView(lang, state), lang, statusOf[state])
			return
		}
		done, err := h.verify(r.Context(), p)
		if errors.Is(err, errLinkUsed) {
			h.render(w, r, h.linkPage, h.newLinkView(lang, linkUsed), lang, http.StatusGone)
			return
		}
		if err != nil {
			h.fail(w, r, lang, err)
			return
		}
		v := h.newLinkView(lang, linkVerified)
		v.Kind, v.Reference = p.kind.Label(lang, h.Regime()), p.reference
		v.Deadline = humanDate(done.due, lang, h.opt.Location)
		v.DeadlineISO = done.due.In(h.opt.Location).Format(time.DateOnly)
		h.render(w, r, h.linkPage, v, lang, http.StatusOK)
	})
}

// verification is what confirming a request's link settled: when, and the
// deadline it set.
type verification struct {
	at, due time.Time
}

// verify marks the request p verified, sets its deadline, records which
// vault records hold data about its address and queues the receipt that
// tells the person, at the address they confirmed, that the request was
// received and when it is due.
func (h *Handler) verify(ctx context.Context, p linkRequest) (verification, error) {
	own, err := h.opt.Vault.Open(ctx, p.vaultID)
	if err != nil {
		return verification{}, fmt.Errorf("dsr: verify request %s: %w", p.id, err)
	}
	found, err := h.opt.Vault.Find(ctx, own.Subject)
	if err != nil {
		return verification{}, fmt.Errorf("dsr: verify request %s: %w", p.id, err)
	}
	var ids []string
	for _, m := range found {
		// The request itself is the means of answering it, not data it
		// is about.
		if m.ID != p.vaultID {
			ids = append(ids, m.ID)
		}
	}
	now := h.now().UTC()
	deadline := h.dueDate(h.opt.Manifest(), now)
	receipt := receiptMail(h.opt.Manifest(), h.opt.Location, p.lang, own.Subject, p.kind, p.reference, now, deadline)
	err = h.opt.DB.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, h.q["verify"], p.id, now, deadline, len(ids))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errLinkUsed
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, h.q["insert-match"], p.id, id); err != nil {
				return err
			}
		}
		_, err = h.opt.Mailer.Enqueue(ctx, tx, receipt)
		return err
	})
	if errors.Is(err, errLinkUsed) {
		return verification{}, err
	}
	if err != nil {
		return verification{}, fmt.Errorf("dsr: verify request %s: %w", p.id, err)
	}
	return verification{at: now, due: deadline}, nil
}

// fail answers a request that met an unexpected error.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, lang string, err error) {
	h.log.Error("data-subject request link", "err", err)
	http.Error(w, i18n.T(i18n.Lang(lang), "dsr.failed"), http.StatusInternalServerError)
}

package admin

import (
	"net/http"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
)

// selfView is the own-account page's data.
type selfView struct {
	Sessions []account.Session
	Current  string // the IDHash of this browser's session
	TOTP     bool
	Required bool // the role needs a second factor
	Passkeys []account.Passkey
	// PasskeysOn is set when the page can register passkeys.
	PasskeysOn bool
}

func (c *Console) accountPage(w http.ResponseWriter, r *http.Request, rq *Request) {
	c.showAccount(w, r, rq, http.StatusOK, nil)
}

func (c *Console) showAccount(w http.ResponseWriter, r *http.Request, rq *Request, status int, errs []string) {
	sessions, err := c.accounts.Sessions(r.Context(), rq.user.ID, c.opt.SessionIdle, c.now())
	if err != nil {
		c.Internal(w, r, rq, "list sessions", err)
		return
	}
	keys, err := c.accounts.Passkeys(r.Context(), rq.user.ID)
	if err != nil {
		c.Internal(w, r, rq, "list passkeys", err)
		return
	}
	p := c.PageFor(r, rq, "account.title")
	p.Errors = errs
	p.Body = selfView{Sessions: sessions, Current: rq.session.IDHash, TOTP: rq.user.HasTOTP(), Required: rq.role.ReadsPersonalData(),
		Passkeys: keys, PasskeysOn: c.passkeysOn(r)}
	c.Write(w, status, "account", p)
}

func (c *Console) changePassword(w http.ResponseWriter, r *http.Request, rq *Request) {
	ctx := r.Context()
	next, again := r.PostFormValue("new"), r.PostFormValue("again")
	switch res, err := c.reauthenticate(r, rq, r.PostFormValue("current"), "password.change"); {
	case err != nil:
		c.Internal(w, r, rq, "check current password", err)
		return
	case res == reauthEnded:
		c.sessionEnded(w, r)
		return
	case res == reauthWrong:
		c.showAccount(w, r, rq, http.StatusUnprocessableEntity, []string{i18n.T(rq.lang, "account.wrong_password")})
		return
	}
	switch {
	case next != again:
		c.showAccount(w, r, rq, http.StatusUnprocessableEntity, []string{i18n.T(rq.lang, "account.mismatch")})
		return
	}
	if err := c.accounts.SetPassword(ctx, rq.user, next, c.now()); err != nil {
		c.showAccount(w, r, rq, http.StatusUnprocessableEntity, []string{i18n.T(rq.lang, "account.weak", err.Error())})
		return
	}
	// Other browsers signed in with the old password are signed out.
	if _, err := c.accounts.RevokeSessions(ctx, rq.user.ID, rq.session.IDHash, c.now()); err != nil {
		c.log.Error("revoke sessions after password change", "err", err)
	}
	c.Record(ctx, rq.entry("password.change", UserObject(rq.user.ID), audit.OK))
	Redirect(w, r, "/admin/account", "password_changed")
}

func (c *Console) changeLang(w http.ResponseWriter, r *http.Request, rq *Request) {
	lang := r.PostFormValue("lang")
	if lang != "ja" && lang != "en" && lang != "" {
		c.Fail(w, r, rq, http.StatusBadRequest, "error.bad_request")
		return
	}
	if err := c.accounts.SetLang(r.Context(), rq.user.ID, lang); err != nil {
		c.Internal(w, r, rq, "set language", err)
		return
	}
	Redirect(w, r, "/admin/account", "saved")
}

func (c *Console) totpPage(w http.ResponseWriter, r *http.Request, rq *Request) {
	v, err := c.newEnrolment(rq, "/admin/account", true)
	if err != nil {
		c.Internal(w, r, rq, "TOTP enrolment", err)
		return
	}
	c.Render(w, r, rq, http.StatusOK, "totp", "totp.title", v)
}

func (c *Console) totpEnrol(w http.ResponseWriter, r *http.Request, rq *Request) {
	if !c.confirmEnrolment(w, r, rq, "totp", r.PostFormValue("secret"), "/admin/account", true) {
		return
	}
	// A new authenticator ends the sessions opened with the old one.
	if _, err := c.accounts.RevokeSessions(r.Context(), rq.user.ID, rq.session.IDHash, c.now()); err != nil {
		c.log.Error("revoke sessions after TOTP change", "err", err)
	}
	Redirect(w, r, "/admin/account", "totp_enrolled")
}

func (c *Console) totpRemove(w http.ResponseWriter, r *http.Request, rq *Request) {
	ctx := r.Context()
	if rq.role.ReadsPersonalData() && !c.hasOtherSecondFactor(r, rq.user) {
		c.showAccount(w, r, rq, http.StatusConflict, []string{i18n.T(rq.lang, "account.totp_required")})
		return
	}
	if !c.currentPassword(w, r, rq, "totp.removed") {
		return
	}
	if err := c.accounts.SetTOTP(ctx, rq.user.ID, ""); err != nil {
		c.Internal(w, r, rq, "remove TOTP", err)
		return
	}
	c.Record(ctx, rq.entry("totp.removed", UserObject(rq.user.ID), audit.OK))
	Redirect(w, r, "/admin/account", "totp_removed")
}

// hasOtherSecondFactor reports whether the account keeps a second factor
// when its authenticator app is removed: a passkey.
func (c *Console) hasOtherSecondFactor(r *http.Request, u account.User) bool {
	return c.countPasskeys(r, u) > 0
}

func (c *Console) revokeOwnSessions(w http.ResponseWriter, r *http.Request, rq *Request) {
	n, err := c.accounts.RevokeSessions(r.Context(), rq.user.ID, rq.session.IDHash, c.now())
	if err != nil {
		c.Internal(w, r, rq, "revoke sessions", err)
		return
	}
	e := rq.entry("session.revoke", UserObject(rq.user.ID), audit.OK)
	e.Detail = map[string]string{"sessions": itoa(n), "scope": "own other sessions"}
	c.Record(r.Context(), e)
	Redirect(w, r, "/admin/account", "sessions_revoked")
}

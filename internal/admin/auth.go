package admin

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/server"
)

// Cookie names. The __Host- prefix makes browsers refuse the cookie unless
// it is Secure, for path / and without a Domain, so no other host or path
// can plant or read it.
const (
	// SessionCookie carries a console session's id.
	SessionCookie = "__Host-noren_session"
	// loginCookie carries the sign-in form's CSRF token before there is a
	// session (double-submit).
	loginCookie = "__Host-noren_login"
)

// Request is what the guard learned about a Request, handed to handlers.
type Request struct {
	user    account.User
	role    account.Role // the token's role for API calls
	session account.Session
	token   account.Token
	lang    i18n.Lang
	addr    string // masked client address, for the audit trail
	// loginCSRF is the sign-in form's token on public pages.
	loginCSRF string
}

// actor names the caller in the audit trail.
func (rq *Request) actor() string {
	if rq.token.ID != 0 {
		return rq.user.Email + " (token " + rq.token.Hint + ")"
	}
	return rq.user.Email
}

// entry starts an audit entry for the caller.
func (rq *Request) entry(action, object string, outcome audit.Outcome) audit.Entry {
	return audit.Entry{Actor: rq.actor(), Role: string(rq.role), Action: action, Object: object, Outcome: outcome, Address: rq.addr}
}

// csrfToken is the token forms on this page must send back.
func (rq *Request) csrfToken() string {
	if rq.session.CSRF != "" {
		return rq.session.CSRF
	}
	return rq.loginCSRF
}

// guard authenticates and authorises every request of a route before its
// handler runs.
func (c *Console) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Robots-Tag", "noindex, nofollow")
		if c.passkeys != nil {
			allowPasskeys(h)
		}
		rq := &Request{addr: server.MaskAddr(server.ClientAddr(r))}
		rq.lang = c.lang(r, "")
		unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead
		if unsafe && rt.Access != API {
			// Browsers say where a request comes from; a cross-site form
			// post is refused before any token is looked at.
			if err := c.crossSite.Check(r); err != nil {
				c.Fail(w, r, rq, http.StatusForbidden, "error.cross_site")
				return
			}
		}
		switch rt.Access {
		case Public:
			if !c.publicRequest(w, r, rq, unsafe) {
				return
			}
		case API:
			if !c.apiRequest(w, r, rq) {
				return
			}
		default:
			if !c.sessionRequest(w, r, rq, rt, unsafe) {
				return
			}
		}
		if rt.Access == Signed || rt.Access == API {
			if !rq.role.Can(rt.Permission) || (rt.FormScoped && !rq.user.MayHandleForm(r.PathValue("form"))) {
				c.Record(r.Context(), rq.entry("access.denied", r.Method+" "+r.URL.Path, audit.Denied))
				c.Fail(w, r, rq, http.StatusForbidden, "error.forbidden")
				return
			}
		}
		rt.handle(w, r, rq)
	})
}

// publicRequest prepares a sign-in page: the double-submit CSRF cookie is
// set on GET and checked on POST, against the form field or, for the
// passkey script's JSON, the X-CSRF-Token header.
func (c *Console) publicRequest(w http.ResponseWriter, r *http.Request, rq *Request, unsafe bool) bool {
	cookie, err := r.Cookie(loginCookie)
	if unsafe {
		if err != nil || !sameToken(cookie.Value, csrfValue(r)) {
			c.Fail(w, r, rq, http.StatusForbidden, "error.csrf_login")
			return false
		}
		rq.loginCSRF = cookie.Value
		return true
	}
	if err == nil && len(cookie.Value) >= 32 {
		rq.loginCSRF = cookie.Value
		return true
	}
	rq.loginCSRF = account.NewSecret()
	setCookie(w, loginCookie, rq.loginCSRF, 0)
	return true
}

// apiRequest authenticates an API call by its bearer token.
func (c *Console) apiRequest(w http.ResponseWriter, r *http.Request, rq *Request) bool {
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="noren"`)
		WriteJSONError(w, http.StatusUnauthorized, "an API token is required: Authorization: Bearer noren_…")
		return false
	}
	tok, u, err := c.accounts.Authenticate(r.Context(), strings.TrimSpace(secret), c.now())
	if err != nil {
		if !errors.Is(err, account.ErrBadToken) {
			c.log.Error("authenticate API token", "err", err)
			WriteJSONError(w, http.StatusInternalServerError, "internal error")
			return false
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="noren", error="invalid_token"`)
		WriteJSONError(w, http.StatusUnauthorized, "the API token is invalid, revoked or expired")
		return false
	}
	// The token acts as its account with the token's role: an owner's
	// analyst token reads what an analyst reads, with the owner's forms.
	u.Role = tok.Role
	rq.user, rq.token, rq.role = u, tok, tok.Role
	return true
}

// sessionRequest authenticates a console request by its session cookie,
// checks that the session is at the stage the route needs and, for
// state-changing requests, the CSRF token.
func (c *Console) sessionRequest(w http.ResponseWriter, r *http.Request, rq *Request, rt route, unsafe bool) bool {
	ctx := r.Context()
	now := c.now()
	var id string
	if cookie, err := r.Cookie(SessionCookie); err == nil {
		id = cookie.Value
	}
	sess, err := c.accounts.Session(ctx, id, c.opt.SessionIdle, now)
	if err == nil {
		rq.user, err = c.accounts.ByID(ctx, sess.UserID)
		if err == nil {
			err = rq.user.Usable(now)
		}
		if err != nil {
			// The account is gone or may no longer sign in; its session
			// ends with it. Should that fail, the session still opens
			// nothing, as the account is checked on every request.
			if endErr := c.accounts.EndSession(ctx, sess.IDHash, now); endErr != nil {
				c.log.Error("end the session of an account that may not sign in", "user", sess.UserID, "err", endErr)
			}
		}
	}
	if err != nil {
		if !errors.Is(err, account.ErrNoSession) && !errors.Is(err, account.ErrNotFound) &&
			!errors.Is(err, account.ErrDisabled) && !errors.Is(err, account.ErrExpired) {
			c.log.Error("load console session", "err", err)
			c.Fail(w, r, rq, http.StatusInternalServerError, "error.internal")
			return false
		}
		if id != "" {
			clearCookie(w, SessionCookie)
		}
		if unsafe {
			c.Fail(w, r, rq, http.StatusUnauthorized, "error.signed_out")
			return false
		}
		target := "/admin/login"
		if rt.Access == Signed && r.URL.Path != "/admin/" {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return false
	}
	rq.session, rq.role = sess, rq.user.Role
	rq.lang = c.lang(r, rq.user.Lang)
	if want := stageFor(rt.Access); want != "" && sess.Stage != want {
		http.Redirect(w, r, pathForStage(sess.Stage), http.StatusSeeOther)
		return false
	}
	if unsafe && !sameToken(sess.CSRF, csrfValue(r)) {
		// A forged request from another site looks like this too, so it
		// is on record like any other refusal.
		e := rq.entry("access.denied", r.Method+" "+r.URL.Path, audit.Denied)
		e.Detail = map[string]string{"reason": "form token"}
		c.Record(r.Context(), e)
		c.Fail(w, r, rq, http.StatusForbidden, "error.csrf")
		return false
	}
	return true
}

func stageFor(a Access) account.Stage {
	switch a {
	case SecondFactor:
		return account.StageSecondFactor
	case Enrol:
		return account.StageEnrol
	case Signed:
		return account.StageFull
	}
	return ""
}

func pathForStage(s account.Stage) string {
	switch s {
	case account.StageSecondFactor:
		return "/admin/login/verify"
	case account.StageEnrol:
		return "/admin/login/enrol"
	}
	return "/admin/"
}

// csrfValue is the token a request sent: the form field, or the header
// scripts use.
func csrfValue(r *http.Request) string {
	if v := r.Header.Get("X-CSRF-Token"); v != "" {
		return v
	}
	return r.PostFormValue("csrf")
}

func sameToken(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// setCookie sets one of the console's cookies; maxAge 0 makes it last
// until the browser closes.
func setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

func clearCookie(w http.ResponseWriter, name string) { setCookie(w, name, "", -1) }

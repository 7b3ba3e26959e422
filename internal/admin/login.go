package admin

import (
	"errors"
	"html/template"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/qrcode"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/timefmt"
	"github.com/noren-web/noren/internal/totp"
)

// loginView is the sign-in page's data.
type loginView struct {
	Email    string
	Next     string
	Insecure bool // served over plain HTTP to a name other than localhost
	Passkey  bool // the page offers signing in with a passkey
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request, rq *Request) {
	c.showLogin(w, r, rq, http.StatusOK, "", nil)
}

func (c *Console) showLogin(w http.ResponseWriter, r *http.Request, rq *Request, status int, email string, errs []string) {
	p := c.PageFor(r, rq, "login.title")
	p.Errors = errs
	p.Body = loginView{Email: email, Next: safeNext(r.FormValue("next")), Insecure: r.TLS == nil && !isLocalHost(r.Host), Passkey: c.passkeysOn(r)}
	c.Write(w, status, "login", p)
}

// isLocalHost reports whether host names this machine, where browsers
// accept Secure cookies over plain HTTP.
func isLocalHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "127.0.0.1" || host == "::1"
}

// safeNext keeps a post-sign-in destination only if it is a console path,
// so the sign-in form cannot be used to send people elsewhere.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/admin/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/admin/"
}

// login checks an e-mail address and password. Every refusal answers
// alike, whether the address has no account, the client's network is
// locked out of it or the password is wrong (too long, even): the same
// status and words, in the language the browser asks for, after one
// argon2 hash. Only the right password learns more (a disabled account).
func (c *Console) login(w http.ResponseWriter, r *http.Request, rq *Request) {
	ctx := r.Context()
	now := c.now()
	addr := server.ClientAddr(r)
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	// The answer is in the language of the page the form was on, which
	// the person may have chosen there, and never the account's: a
	// refusal in the account's language would tell that it exists.
	if l := r.PostFormValue("lang"); l == "ja" || l == "en" {
		rq.lang = i18n.Lang(l)
	}

	if until, blocked := c.throttle.blocked(ctx, addr, now); blocked {
		c.showLogin(w, r, rq, http.StatusTooManyRequests, email, []string{i18n.T(rq.lang, "login.throttled", timefmt.Instant(string(rq.lang), until, c.Location()))})
		return
	}
	u, err := c.accounts.ByEmail(ctx, email)
	switch {
	case errors.Is(err, account.ErrNotFound):
		c.accounts.HashDecoy(ctx, password)
		c.loginFailed(w, r, rq, account.User{}, email)
		return
	case err != nil:
		c.log.Error("sign-in: look up account", "err", err)
		c.Fail(w, r, rq, http.StatusInternalServerError, "error.internal")
		return
	}
	if until := c.lockedOut(ctx, rq, u); !until.IsZero() {
		c.accounts.HashDecoy(ctx, password)
		c.Record(ctx, audit.Entry{Actor: u.Email, Role: string(u.Role), Action: "login.refused", Object: UserObject(u.ID),
			Outcome: audit.Denied, Address: rq.addr, Detail: map[string]string{"reason": "locked", "until": until.UTC().Format("2006-01-02T15:04:05Z")}})
		c.throttleFailure(r, rq)
		c.showLogin(w, r, rq, http.StatusUnauthorized, email, []string{i18n.T(rq.lang, "login.wrong")})
		return
	}
	if err := c.accounts.CheckPassword(ctx, u, password); err != nil {
		if !errors.Is(err, account.ErrWrongPassword) {
			c.log.Error("sign-in: check password", "err", err)
		}
		c.loginFailed(w, r, rq, u, email)
		return
	}
	rq.lang = c.lang(r, u.Lang)
	if err := u.Usable(now); err != nil {
		reason := "disabled"
		if errors.Is(err, account.ErrExpired) {
			reason = "expired"
		}
		c.Record(ctx, audit.Entry{Actor: u.Email, Role: string(u.Role), Action: "login.refused", Object: UserObject(u.ID),
			Outcome: audit.Denied, Address: rq.addr, Detail: map[string]string{"reason": reason}})
		c.showLogin(w, r, rq, http.StatusForbidden, email, []string{i18n.T(rq.lang, "login."+reason)})
		return
	}

	stage := account.StageFull
	switch {
	case c.hasSecondFactor(r, u):
		stage = account.StageSecondFactor
	case u.Role.ReadsPersonalData():
		stage = account.StageEnrol
	}
	if !c.startSession(w, r, rq, u, stage) {
		return
	}
	clearCookie(w, loginCookie)
	if stage == account.StageFull {
		c.signedIn(w, r, rq, u, "password", safeNext(r.PostFormValue("next")))
		return
	}
	http.Redirect(w, r, pathForStage(stage)+"?next="+safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// throttleFailure counts a failure against the client's network, and
// audits the moment the network reaches its limit.
func (c *Console) throttleFailure(r *http.Request, rq *Request) {
	if c.throttle.fail(r.Context(), server.ClientAddr(r), c.now()) {
		c.Record(r.Context(), audit.Entry{Actor: "system", Role: "system", Action: "login.throttled", Outcome: audit.Denied,
			Address: rq.addr, Detail: map[string]string{"window": c.opt.AddressWindow.String()}})
	}
}

// loginFailed counts a wrong password against the client's network and,
// for an account, against the account from that network, locking the
// network out at the threshold; the answer is the same in every case.
func (c *Console) loginFailed(w http.ResponseWriter, r *http.Request, rq *Request, u account.User, email string) {
	ctx := r.Context()
	c.throttleFailure(r, rq)
	if u.ID == 0 {
		// The address typed is not recorded: it may be anyone's.
		c.Record(ctx, audit.Entry{Actor: "unknown", Role: "none", Action: "login.failed", Outcome: audit.Failed,
			Address: rq.addr, Detail: map[string]string{"reason": "unknown account"}})
	} else {
		c.Record(ctx, audit.Entry{Actor: u.Email, Role: string(u.Role), Action: "login.failed", Object: UserObject(u.ID),
			Outcome: audit.Failed, Address: rq.addr, Detail: map[string]string{"reason": "wrong password"}})
		c.countFailure(ctx, rq, u, "wrong passwords")
	}
	c.showLogin(w, r, rq, http.StatusUnauthorized, email, []string{i18n.T(rq.lang, "login.wrong")})
}

// pendingSignIn bounds how long a half-finished sign-in (password right,
// second factor not yet given) stays open.
const pendingSignIn = 10 * time.Minute

// hasSecondFactor reports whether the account has a second factor to ask
// for: an authenticator app or a passkey.
func (c *Console) hasSecondFactor(r *http.Request, u account.User) bool {
	return u.HasTOTP() || c.countPasskeys(r, u) != 0
}

// startSession replaces the browser's session, if any, with a new one at
// stage: a fresh id at every step of signing in prevents session fixation.
func (c *Console) startSession(w http.ResponseWriter, r *http.Request, rq *Request, u account.User, stage account.Stage) bool {
	ctx := r.Context()
	now := c.now()
	if rq.session.IDHash != "" {
		if err := c.accounts.EndSession(ctx, rq.session.IDHash, now); err != nil {
			c.log.Error("end replaced session", "err", err)
		}
	}
	life := c.opt.SessionAbsolute
	if stage != account.StageFull {
		life = min(life, pendingSignIn)
	}
	id, sess, err := c.accounts.StartSession(ctx, u.ID, stage, life, rq.addr, summariseAgent(r.UserAgent()), now)
	if err != nil {
		c.log.Error("start session", "err", err)
		c.Fail(w, r, rq, http.StatusInternalServerError, "error.internal")
		return false
	}
	rq.session, rq.user, rq.role = sess, u, u.Role
	setCookie(w, SessionCookie, id, 0)
	return true
}

// signedIn completes a sign-in: the failures counted from the client's
// network are cleared, the sign-in audited, and the person sent where
// they were going.
func (c *Console) signedIn(w http.ResponseWriter, r *http.Request, rq *Request, u account.User, method, next string) {
	ctx := r.Context()
	if err := c.accounts.RecordLogin(ctx, u.ID, rq.addr, c.now()); err != nil {
		c.log.Error("record sign-in", "err", err)
	}
	c.Record(ctx, audit.Entry{Actor: u.Email, Role: string(u.Role), Action: "login", Object: UserObject(u.ID),
		Outcome: audit.OK, Address: rq.addr, Detail: map[string]string{"method": method}})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// verifyView is the second-factor page's data.
type verifyView struct {
	Next    string
	TOTP    bool
	Passkey bool // the account has a passkey the page can ask for
}

func (c *Console) verifyView(r *http.Request, u account.User, next string) verifyView {
	return verifyView{Next: next, TOTP: u.HasTOTP(), Passkey: c.passkeysOn(r) && c.countPasskeys(r, u) > 0}
}

func (c *Console) verifyPage(w http.ResponseWriter, r *http.Request, rq *Request) {
	c.Render(w, r, rq, http.StatusOK, "verify", "verify.title", c.verifyView(r, rq.user, safeNext(r.FormValue("next"))))
}

func (c *Console) verify(w http.ResponseWriter, r *http.Request, rq *Request) {
	ctx := r.Context()
	u := rq.user
	next := safeNext(r.PostFormValue("next"))
	if !c.lockedOut(ctx, rq, u).IsZero() {
		c.endSignIn(w, r, rq, "locked")
		return
	}
	if ok, err := c.checkCode(r, u, u.TOTPSecret, r.PostFormValue("code")); err != nil {
		c.Fail(w, r, rq, http.StatusInternalServerError, "error.internal")
		return
	} else if !ok {
		c.Record(ctx, audit.Entry{Actor: u.Email, Role: string(u.Role), Action: "login.failed", Object: UserObject(u.ID),
			Outcome: audit.Failed, Address: rq.addr, Detail: map[string]string{"reason": "wrong code"}})
		if !c.countFailure(ctx, rq, u, "wrong codes").IsZero() {
			c.endSignIn(w, r, rq, "locked")
			return
		}
		p := c.PageFor(r, rq, "verify.title")
		p.Errors = []string{i18n.T(rq.lang, "verify.wrong")}
		p.Body = c.verifyView(r, u, next)
		c.Write(w, http.StatusUnauthorized, "verify", p)
		return
	}
	if c.startSession(w, r, rq, u, account.StageFull) {
		c.signedIn(w, r, rq, u, "password+totp", next)
	}
}

// checkCode verifies a TOTP code against secret and uses up its time step,
// so the same code cannot be replayed.
func (c *Console) checkCode(r *http.Request, u account.User, secret, code string) (bool, error) {
	key, err := totp.DecodeSecret(secret)
	if err != nil {
		return false, nil
	}
	step, ok := totp.Verify(key, code, c.now(), u.TOTPLastStep)
	if !ok {
		return false, nil
	}
	fresh, err := c.accounts.UseTOTPStep(r.Context(), u.ID, step)
	if err != nil {
		c.log.Error("use TOTP step", "err", err)
		return false, err
	}
	return fresh, nil
}

// endSignIn abandons a half-finished sign-in and returns to the sign-in
// page with a notice.
func (c *Console) endSignIn(w http.ResponseWriter, r *http.Request, rq *Request, notice string) {
	if err := c.accounts.EndSession(r.Context(), rq.session.IDHash, c.now()); err != nil {
		c.log.Error("end session", "err", err)
	}
	clearCookie(w, SessionCookie)
	Redirect(w, r, "/admin/login", notice)
}

// enrolView is the authenticator enrolment page's data.
type enrolView struct {
	Next     string
	Secret   string // base32, for typing into an app by hand
	QR       template.HTML
	Password bool // the form asks for the current password
	Passkey  bool // a passkey may be registered instead
}

func (c *Console) newEnrolment(rq *Request, next string, password bool) (enrolView, error) {
	key, err := totp.NewSecret()
	if err != nil {
		return enrolView{}, err
	}
	return c.enrolmentFor(rq, next, totp.EncodeSecret(key), password)
}

func (c *Console) enrolmentFor(rq *Request, next, secret string, password bool) (enrolView, error) {
	key, err := totp.DecodeSecret(secret)
	if err != nil {
		return enrolView{}, err
	}
	issuer := c.opt.TOTPIssuer
	if issuer == "" {
		issuer = "Noren"
	}
	svg, err := qrcode.SVG(totp.URI(issuer, rq.user.Email, key), 220, i18n.T(rq.lang, "enrol.qr_label"))
	if err != nil {
		return enrolView{}, err
	}
	return enrolView{Next: next, Secret: secret, QR: template.HTML(svg), Password: password}, nil
}

func (c *Console) enrolPage(w http.ResponseWriter, r *http.Request, rq *Request) {
	v, err := c.newEnrolment(rq, safeNext(r.FormValue("next")), false)
	if err != nil {
		c.log.Error("TOTP enrolment", "err", err)
		c.Fail(w, r, rq, http.StatusInternalServerError, "error.internal")
		return
	}
	v.Passkey = c.passkeysOn(r)
	c.Render(w, r, rq, http.StatusOK, "enrol", "enrol.title", v)
}

func (c *Console) enrol(w http.ResponseWriter, r *http.Request, rq *Request) {
	secret := r.PostFormValue("secret")
	next := safeNext(r.PostFormValue("next"))
	if !c.confirmEnrolment(w, r, rq, "enrol", secret, next, false) {
		return
	}
	if c.startSession(w, r, rq, rq.user, account.StageFull) {
		c.signedIn(w, r, rq, rq.user, "password+totp", next)
	}
}

// confirmEnrolment checks the first code from a newly set-up app and, if
// it is right, stores the secret. Otherwise it shows the page again with
// the same secret, so the person need not scan a new code.
func (c *Console) confirmEnrolment(w http.ResponseWriter, r *http.Request, rq *Request, tmpl, secret, next string, password bool) bool {
	ctx := r.Context()
	v, err := c.enrolmentFor(rq, next, secret, password)
	if err != nil {
		c.Fail(w, r, rq, http.StatusBadRequest, "error.bad_request")
		return false
	}
	v.Passkey = !password && c.passkeysOn(r)
	u := rq.user
	var errs []string
	var step int64
	if password {
		switch res, err := c.reauthenticate(r, rq, r.PostFormValue("password"), "totp.enrolled"); {
		case err != nil:
			c.Internal(w, r, rq, "check current password", err)
			return false
		case res == reauthEnded:
			c.sessionEnded(w, r)
			return false
		case res == reauthWrong:
			errs = append(errs, i18n.T(rq.lang, "account.wrong_password"))
		}
	}
	if len(errs) == 0 {
		key, _ := totp.DecodeSecret(secret)
		var ok bool
		if step, ok = totp.Verify(key, r.PostFormValue("code"), c.now(), 0); !ok {
			errs = append(errs, i18n.T(rq.lang, "verify.wrong"))
		}
	}
	if len(errs) > 0 {
		p := c.PageFor(r, rq, tmpl+".title")
		p.Errors = errs
		p.Body = v
		c.Write(w, http.StatusUnprocessableEntity, tmpl, p)
		return false
	}
	if err := c.accounts.SetTOTP(ctx, u.ID, secret); err != nil {
		c.log.Error("store TOTP secret", "err", err)
		c.Fail(w, r, rq, http.StatusInternalServerError, "error.internal")
		return false
	}
	// The confirming code is used up at once, so it cannot sign in again.
	if _, err := c.accounts.UseTOTPStep(ctx, u.ID, step); err != nil {
		c.log.Error("use TOTP step", "err", err)
	}
	rq.user.TOTPSecret, rq.user.TOTPLastStep = secret, step
	c.Record(ctx, rq.entry("totp.enrolled", UserObject(u.ID), audit.OK))
	return true
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, rq *Request) {
	if err := c.accounts.EndSession(r.Context(), rq.session.IDHash, c.now()); err != nil {
		c.log.Error("sign out", "err", err)
	}
	c.Record(r.Context(), rq.entry("logout", UserObject(rq.user.ID), audit.OK))
	clearCookie(w, SessionCookie)
	Redirect(w, r, "/admin/login", "signed_out")
}

// summariseAgent reduces a User-Agent to browser and system names, enough
// for a person to recognise their sessions and no more.
func summariseAgent(ua string) string {
	browser := "browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, s := range []struct{ token, name string }{
		{"Windows", "Windows"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Mac OS X", "macOS"}, {"Android", "Android"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	if system == "" {
		return browser
	}
	return browser + " / " + system
}

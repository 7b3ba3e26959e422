package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/timefmt"
)

// Passkeys (WebAuthn) serve two ways of signing in: as the second factor
// after the password, and alone, without a password, when the
// authenticator verified the person (a PIN, fingerprint or face), which is
// two factors in itself.
//
// Each ceremony's state (its challenge above all) is kept in the
// database, never in the browser, so that a ceremony begun on one instance
// of a fleet can be answered on another: it lives five minutes at most, is
// taken out at the first answer whatever the outcome, on whichever
// instance that comes, and is bound to what the browser already holds (its
// console session, or before sign-in its __Host-noren_login cookie), so an
// answer is accepted once, from the browser that asked. The database keeps
// only a hash of that binding. An anonymous request to begin a
// passwordless sign-in so writes a row; maxCeremonies bounds how many.

// ceremonyTTL bounds how long a passkey ceremony may take, from the
// challenge to the answer; browsers are given the same as their timeout.
const ceremonyTTL = 5 * time.Minute

// maxCeremonies bounds the ceremonies in progress at once, so that
// anonymous requests to begin passwordless sign-ins cannot fill the
// database.
const maxCeremonies = 10000

// maxCeremonyBody bounds the JSON a page sends to begin or finish a
// ceremony; real answers are a few kilobytes.
const maxCeremonyBody = 64 << 10

// The kinds of ceremony, which are kept apart: a challenge issued to
// register a passkey cannot complete a sign-in.
const (
	ceremonySignIn = "sign-in" // passwordless, bound to the login cookie
	ceremonyVerify = "verify"  // second factor, bound to the session
	ceremonyEnrol  = "enrol"   // registering at the first sign-in
	ceremonyAdd    = "add"     // registering from the account page
)

// ceremony is a passkey ceremony in progress.
type ceremony struct {
	data   webauthn.SessionData
	userID int64  // 0 for a passwordless sign-in, whose account is not yet known
	name   string // of the passkey being registered
	next   string // where a sign-in goes when done
}

// passkeys is the console's WebAuthn relying party.
type passkeys struct {
	rp   *webauthn.WebAuthn
	rpID string
	// local is set for a localhost relying-party id without configured
	// origins: such a console is reached at whatever port it listens on,
	// which only the request tells.
	local bool
}

// newPasskeys returns the relying party the options describe, or nil when
// no relying-party id is set, which turns passkeys off.
func newPasskeys(opt Options) (*passkeys, error) {
	rpID := strings.ToLower(strings.TrimSpace(opt.WebAuthnRPID))
	if rpID == "" {
		return nil, nil
	}
	origins := opt.WebAuthnOrigins
	local := false
	if len(origins) == 0 {
		origins = []string{"https://" + rpID}
		if isLocalName(rpID) {
			local = true
			origins = append(origins, "http://"+rpID)
		}
	}
	name := opt.WebAuthnRPName
	if name == "" {
		name = "Noren"
	}
	timeouts := webauthn.TimeoutConfig{Timeout: ceremonyTTL, TimeoutUVD: ceremonyTTL}
	rp, err := webauthn.New(&webauthn.Config{
		RPID:          rpID,
		RPDisplayName: name,
		RPOrigins:     origins,
		// Who made the authenticator is not checked, so there is nothing
		// to gain from asking, and a privacy cost to the person.
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			// Discoverable credentials allow signing in without typing an
			// address; security keys that cannot store one still serve as
			// a second factor.
			ResidentKey:        protocol.ResidentKeyRequirementPreferred,
			RequireResidentKey: protocol.ResidentKeyNotRequired(),
			UserVerification:   protocol.VerificationPreferred,
		},
		// The ceremonies' expiry is enforced here, on the console's clock.
		Timeouts: webauthn.TimeoutsConfig{Login: timeouts, Registration: timeouts},
	})
	if err != nil {
		return nil, fmt.Errorf("admin: passkeys: %w", err)
	}
	return &passkeys{rp: rp, rpID: rpID, local: local}, nil
}

// isLocalName reports whether a relying-party id names this machine.
func isLocalName(host string) bool {
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// within reports whether host, as a Host header, is the relying-party id
// or a name under it: only there can a browser use the console's passkeys.
func (p *passkeys) within(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	return host == p.rpID || strings.HasSuffix(host, "."+p.rpID)
}

// requestOrigin is the origin a browser reports for a request to a
// localhost console: scheme, the Host header's name, which must be the
// relying-party id, and its port unless it is the scheme's default. It is
// "" when the name is another, or the port is not a port.
func requestOrigin(rpID, host string, tls bool) string {
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		name, port = host, ""
	}
	if !strings.EqualFold(name, rpID) {
		return ""
	}
	scheme, defaultPort := "http", "80"
	if tls {
		scheme, defaultPort = "https", "443"
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return ""
		}
	}
	if port == "" || port == defaultPort {
		return scheme + "://" + rpID
	}
	return scheme + "://" + rpID + ":" + port
}

// allowPasskeys lets a console page use WebAuthn for its own origin. The
// site's default Permissions-Policy turns the features off everywhere
// with "=()", which is right for the public pages; only those two entries
// are changed, and a policy that does not name them already allows its
// own origin.
func allowPasskeys(h http.Header) {
	v := h.Get("Permissions-Policy")
	if v == "" {
		return
	}
	for _, feature := range []string{"publickey-credentials-create", "publickey-credentials-get"} {
		v = strings.ReplaceAll(v, feature+"=()", feature+"=(self)")
	}
	h.Set("Permissions-Policy", v)
}

// passkeysOn reports whether the page of r offers passkeys.
func (c *Console) passkeysOn(r *http.Request) bool {
	return c.passkeys != nil && c.passkeys.within(r.Host)
}

// passkeyUser is an account as the WebAuthn library sees it.
type passkeyUser struct {
	user   account.User
	handle []byte
	keys   []account.Passkey
}

func (p passkeyUser) WebAuthnID() []byte   { return p.handle }
func (p passkeyUser) WebAuthnName() string { return p.user.Email }

func (p passkeyUser) WebAuthnDisplayName() string {
	if p.user.Name != "" {
		return p.user.Name
	}
	return p.user.Email
}

func (p passkeyUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(p.keys))
	for i, k := range p.keys {
		transports := make([]protocol.AuthenticatorTransport, len(k.Transports))
		for j, t := range k.Transports {
			transports[j] = protocol.AuthenticatorTransport(t)
		}
		out[i] = webauthn.Credential{
			ID: k.CredentialID, PublicKey: k.PublicKey, Transport: transports,
			Flags:         webauthn.CredentialFlags{UserPresent: true, BackupEligible: k.BackupEligible, BackupState: k.BackupState},
			Authenticator: webauthn.Authenticator{AAGUID: k.AAGUID, SignCount: k.SignCount},
		}
	}
	return out
}

// passkeyUser loads the account's handle and passkeys.
func (c *Console) passkeyUser(ctx context.Context, u account.User) (passkeyUser, error) {
	handle, err := c.accounts.PasskeyHandle(ctx, u.ID)
	if err != nil {
		return passkeyUser{}, err
	}
	keys, err := c.accounts.Passkeys(ctx, u.ID)
	if err != nil {
		return passkeyUser{}, err
	}
	return passkeyUser{user: u, handle: handle, keys: keys}, nil
}

// countPasskeys returns how many passkeys the account has. On a database
// error it logs and reports -1, which callers treat as "some": a second
// factor is then asked for rather than skipped.
func (c *Console) countPasskeys(r *http.Request, u account.User) int {
	n, err := c.accounts.CountPasskeys(r.Context(), u.ID)
	if err != nil {
		c.log.Error("count passkeys", "err", err)
		return -1
	}
	return n
}

// beginRequest is what a page's script sends to begin a ceremony.
type beginRequest struct {
	Name     string `json:"name"`     // of a passkey to register
	Password string `json:"password"` // confirms a registration from the account page
	Next     string `json:"next"`     // where a sign-in goes when done
}

// passkeyAnswer is the JSON a ceremony's last step answers with: where to
// go, or what went wrong.
type passkeyAnswer struct {
	Redirect string `json:"redirect,omitempty"`
	Error    string `json:"error,omitempty"`
}

// passkeyError answers a ceremony request with a message in the page's
// language; a redirect, when given, is where the page should go instead
// of staying.
func passkeyError(w http.ResponseWriter, rq *Request, status int, redirect, key string, args ...any) {
	WriteJSON(w, status, passkeyAnswer{Redirect: redirect, Error: i18n.T(rq.lang, key, args...)})
}

// ready returns the relying party for a ceremony request, or answers 404
// when passkeys are off or the console was reached under another name.
func (c *Console) ready(w http.ResponseWriter, r *http.Request, rq *Request) *passkeys {
	if !c.passkeysOn(r) {
		passkeyError(w, rq, http.StatusNotFound, "", "passkey.off")
		return nil
	}
	return c.passkeys
}

// readBegin reads the JSON that begins a ceremony; an empty body is an
// empty request.
func readBegin(w http.ResponseWriter, r *http.Request, rq *Request) (beginRequest, bool) {
	var req beginRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCeremonyBody))
	if err == nil && len(bytes.TrimSpace(body)) > 0 {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		passkeyError(w, rq, http.StatusBadRequest, "", "error.bad_request")
		return req, false
	}
	return req, true
}

// begin stores a ceremony under key and sends the browser its options.
func (c *Console) begin(w http.ResponseWriter, r *http.Request, rq *Request, p *passkeys, key string, cer ceremony, options any) {
	if p.local {
		cer.data.Origin = requestOrigin(p.rpID, r.Host, r.TLS != nil)
	}
	data, err := json.Marshal(cer.data)
	if err != nil {
		c.log.Error("encode passkey ceremony", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return
	}
	now := c.now()
	stored := account.Ceremony{UserID: cer.userID, Name: cer.name, Next: cer.next, Data: data, Expires: now.Add(ceremonyTTL)}
	switch err := c.accounts.PutCeremony(r.Context(), key, stored, maxCeremonies, now); {
	case errors.Is(err, account.ErrTooManyCeremonies):
		c.log.Warn("passkey ceremonies at their limit; refusing another", "limit", maxCeremonies)
		passkeyError(w, rq, http.StatusServiceUnavailable, "", "passkey.busy")
		return
	case err != nil:
		c.log.Error("begin passkey ceremony", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return
	}
	WriteJSON(w, http.StatusOK, options)
}

// finish takes the ceremony of kind and key for its answer. When there is
// none, because it expired or was answered already, the attempt is
// audited and answered.
func (c *Console) finish(w http.ResponseWriter, r *http.Request, rq *Request, kind, key string) (ceremony, bool) {
	stored, err := c.accounts.TakeCeremony(r.Context(), key, c.now())
	if err != nil && !errors.Is(err, account.ErrNoCeremony) {
		c.log.Error("finish passkey ceremony", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return ceremony{}, false
	}
	if err == nil && (stored.UserID == 0 || stored.UserID == rq.user.ID) {
		cer := ceremony{userID: stored.UserID, name: stored.Name, next: stored.Next}
		if err := json.Unmarshal(stored.Data, &cer.data); err != nil {
			c.log.Error("decode passkey ceremony", "err", err)
			passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
			return ceremony{}, false
		}
		return cer, true
	}
	const reason = "no passkey challenge in progress: expired, or answered already"
	switch kind {
	case ceremonySignIn:
		c.passkeySignInFailed(w, r, rq, account.User{}, reason, nil, http.StatusBadRequest, "passkey.expired")
		return ceremony{}, false
	case ceremonyVerify:
		c.Record(r.Context(), audit.Entry{Actor: rq.user.Email, Role: string(rq.user.Role), Action: "login.failed", Object: UserObject(rq.user.ID),
			Outcome: audit.Failed, Address: rq.addr, Detail: map[string]string{"reason": reason, "method": "password+passkey"}})
	default:
		e := rq.entry("passkey.registered", UserObject(rq.user.ID), audit.Failed)
		e.Detail = map[string]string{"reason": reason}
		c.Record(r.Context(), e)
	}
	passkeyError(w, rq, http.StatusBadRequest, "", "passkey.expired")
	return ceremony{}, false
}

// sessionKey binds a ceremony of kind to the browser's console session.
func sessionKey(kind string, rq *Request) string { return kind + ":" + rq.session.IDHash }

// signInKey binds a passwordless ceremony to the sign-in page's cookie.
func signInKey(rq *Request) string { return ceremonySignIn + ":" + account.HashSecret(rq.loginCSRF) }

// passkeySignInBegin starts a passwordless sign-in with any passkey the
// browser holds for the console.
func (c *Console) passkeySignInBegin(w http.ResponseWriter, r *http.Request, rq *Request) {
	p := c.ready(w, r, rq)
	if p == nil {
		return
	}
	req, ok := readBegin(w, r, rq)
	if !ok {
		return
	}
	// Without a password the passkey is both factors, so the authenticator
	// must verify the person, not only their presence.
	options, data, err := p.rp.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		c.log.Error("begin passkey sign-in", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return
	}
	c.begin(w, r, rq, p, signInKey(rq), ceremony{data: *data, next: safeNext(req.Next)}, options)
}

// passkeySignInFinish checks a passwordless sign-in and opens a full
// session.
func (c *Console) passkeySignInFinish(w http.ResponseWriter, r *http.Request, rq *Request) {
	p := c.ready(w, r, rq)
	if p == nil {
		return
	}
	cer, ok := c.finish(w, r, rq, ceremonySignIn, signInKey(rq))
	if !ok {
		return
	}
	ctx := r.Context()
	now := c.now()
	addr := server.ClientAddr(r)
	if until, blocked := c.throttle.blocked(ctx, addr, now); blocked {
		passkeyError(w, rq, http.StatusTooManyRequests, "", "login.throttled", timefmt.Instant(string(rq.lang), until, c.Location()))
		return
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(http.MaxBytesReader(w, r.Body, maxCeremonyBody))
	if err != nil {
		c.passkeySignInFailed(w, r, rq, account.User{}, "malformed passkey answer", err, http.StatusBadRequest, "passkey.rejected")
		return
	}
	key, err := c.accounts.PasskeyByCredentialID(ctx, parsed.RawID)
	if errors.Is(err, account.ErrNoPasskey) {
		c.passkeySignInFailed(w, r, rq, account.User{}, "unknown passkey", nil, http.StatusUnauthorized, "passkey.unknown")
		return
	}
	var u account.User
	if err == nil {
		u, err = c.accounts.ByID(ctx, key.UserID)
	}
	if err != nil {
		c.log.Error("passkey sign-in: look up account", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return
	}
	rq.lang = c.lang(r, u.Lang)
	// Whoever holds the passkey may learn that its account is locked out
	// of their network.
	if until := c.lockedOut(ctx, rq, u); !until.IsZero() {
		c.Record(ctx, audit.Entry{Actor: u.Email, Role: string(u.Role), Action: "login.refused", Object: UserObject(u.ID),
			Outcome: audit.Denied, Address: rq.addr, Detail: map[string]string{"reason": "locked", "method": "passkey"}})
		passkeyError(w, rq, http.StatusForbidden, "", "login.locked", timefmt.Instant(string(rq.lang), until, c.Location()))
		return
	}
	// The flag is checked before the signature only to tell the person why
	// the passkey is refused; the library checks it again, signed.
	if !parsed.Response.AuthenticatorData.Flags.HasUserVerified() {
		c.passkeySignInFailed(w, r, rq, u, "passkey did not verify the user", nil, http.StatusUnauthorized, "passkey.no_verification")
		return
	}
	owner, err := c.passkeyUser(ctx, u)
	if err != nil {
		c.log.Error("passkey sign-in: load passkeys", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return
	}
	byHandle := func(_, handle []byte) (webauthn.User, error) {
		if !bytes.Equal(handle, owner.handle) {
			return nil, errors.New("the user handle is not the passkey's account's")
		}
		return owner, nil
	}
	if _, _, err := p.rp.ValidatePasskeyLogin(byHandle, cer.data, parsed); err != nil {
		c.passkeySignInFailed(w, r, rq, u, "passkey answer not verified", err, http.StatusUnauthorized, "passkey.rejected")
		return
	}
	if err := u.Usable(now); err != nil {
		reason := "disabled"
		if errors.Is(err, account.ErrExpired) {
			reason = "expired"
		}
		c.Record(ctx, audit.Entry{Actor: u.Email, Role: string(u.Role), Action: "login.refused", Object: UserObject(u.ID),
			Outcome: audit.Denied, Address: rq.addr, Detail: map[string]string{"reason": reason, "method": "passkey"}})
		passkeyError(w, rq, http.StatusForbidden, "", "login."+reason)
		return
	}
	if !c.usePasskey(w, r, rq, u, key, parsed) {
		return
	}
	if !c.startSession(w, r, rq, u, account.StageFull) {
		return
	}
	clearCookie(w, loginCookie)
	c.passkeySignedIn(w, r, rq, u, key, "passkey", cer.next)
}

// passkeySignInFailed audits a refused passwordless sign-in, counts it
// against the client's network, and answers.
func (c *Console) passkeySignInFailed(w http.ResponseWriter, r *http.Request, rq *Request, u account.User, reason string, err error, status int, key string) {
	ctx := r.Context()
	if err != nil {
		c.log.Info("passkey sign-in refused", "reason", reason, "err", err)
	}
	if c.throttle.fail(ctx, server.ClientAddr(r), c.now()) {
		c.Record(ctx, audit.Entry{Actor: "system", Role: "system", Action: "login.throttled", Outcome: audit.Denied,
			Address: rq.addr, Detail: map[string]string{"window": c.opt.AddressWindow.String()}})
	}
	e := audit.Entry{Actor: "unknown", Role: "none", Action: "login.failed", Outcome: audit.Failed,
		Address: rq.addr, Detail: map[string]string{"reason": reason, "method": "passkey"}}
	if u.ID != 0 {
		e.Actor, e.Role, e.Object = u.Email, string(u.Role), UserObject(u.ID)
	}
	c.Record(ctx, e)
	passkeyError(w, rq, status, "", key)
}

// usePasskey records a verified use of a passkey, refusing it when its
// signature counter did not grow: another copy of the key has signed
// since, or the answer is replayed.
func (c *Console) usePasskey(w http.ResponseWriter, r *http.Request, rq *Request, u account.User, key account.Passkey, parsed *protocol.ParsedCredentialAssertionData) bool {
	ctx := r.Context()
	data := parsed.Response.AuthenticatorData
	err := c.accounts.UsePasskey(ctx, key.ID, data.Counter, data.Flags.HasBackupState(), c.now())
	if errors.Is(err, account.ErrSignCount) {
		c.Record(ctx, audit.Entry{Actor: u.Email, Role: string(u.Role), Action: "login.failed", Object: UserObject(u.ID),
			Outcome: audit.Denied, Address: rq.addr, Detail: map[string]string{
				"reason": "passkey signature counter did not increase: it may be cloned", "passkey": key.Name,
				"stored": strconv.FormatUint(uint64(key.SignCount), 10), "reported": strconv.FormatUint(uint64(data.Counter), 10)}})
		passkeyError(w, rq, http.StatusForbidden, "", "passkey.cloned")
		return false
	}
	if err != nil {
		c.log.Error("record passkey use", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return false
	}
	return true
}

// passkeySignedIn completes a sign-in by passkey, as signedIn does for
// forms, answering the page's script with where to go.
func (c *Console) passkeySignedIn(w http.ResponseWriter, r *http.Request, rq *Request, u account.User, key account.Passkey, method, next string) {
	ctx := r.Context()
	if err := c.accounts.RecordLogin(ctx, u.ID, rq.addr, c.now()); err != nil {
		c.log.Error("record sign-in", "err", err)
	}
	c.Record(ctx, audit.Entry{Actor: u.Email, Role: string(u.Role), Action: "login", Object: UserObject(u.ID),
		Outcome: audit.OK, Address: rq.addr, Detail: map[string]string{"method": method, "passkey": key.Name}})
	WriteJSON(w, http.StatusOK, passkeyAnswer{Redirect: safeNext(next)})
}

// passkeyVerifyBegin asks for one of the account's passkeys as the second
// factor.
func (c *Console) passkeyVerifyBegin(w http.ResponseWriter, r *http.Request, rq *Request) {
	p := c.ready(w, r, rq)
	if p == nil {
		return
	}
	req, ok := readBegin(w, r, rq)
	if !ok {
		return
	}
	owner, err := c.passkeyUser(r.Context(), rq.user)
	if err != nil {
		c.log.Error("load passkeys", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return
	}
	if len(owner.keys) == 0 {
		passkeyError(w, rq, http.StatusConflict, "", "passkey.none")
		return
	}
	options, data, err := p.rp.BeginLogin(owner)
	if err != nil {
		c.log.Error("begin passkey second factor", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return
	}
	c.begin(w, r, rq, p, sessionKey(ceremonyVerify, rq), ceremony{data: *data, userID: rq.user.ID, next: safeNext(req.Next)}, options)
}

// passkeyVerifyFinish checks the second factor and completes the sign-in.
// A refused passkey counts like a wrong code towards the account's lock.
func (c *Console) passkeyVerifyFinish(w http.ResponseWriter, r *http.Request, rq *Request) {
	p := c.ready(w, r, rq)
	if p == nil {
		return
	}
	cer, ok := c.finish(w, r, rq, ceremonyVerify, sessionKey(ceremonyVerify, rq))
	if !ok {
		return
	}
	ctx := r.Context()
	u := rq.user
	if !c.lockedOut(ctx, rq, u).IsZero() {
		c.abandonSignIn(w, r, rq)
		return
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(http.MaxBytesReader(w, r.Body, maxCeremonyBody))
	var key account.Passkey
	if err == nil {
		key, err = c.accounts.PasskeyByCredentialID(ctx, parsed.RawID)
		if err == nil && key.UserID != u.ID {
			err = account.ErrNoPasskey
		}
	}
	if err == nil {
		var owner passkeyUser
		if owner, err = c.passkeyUser(ctx, u); err == nil {
			_, err = p.rp.ValidateLogin(owner, cer.data, parsed)
		}
	}
	if err != nil {
		c.log.Info("passkey second factor refused", "err", err)
		c.Record(ctx, audit.Entry{Actor: u.Email, Role: string(u.Role), Action: "login.failed", Object: UserObject(u.ID),
			Outcome: audit.Failed, Address: rq.addr, Detail: map[string]string{"reason": "passkey not accepted", "method": "password+passkey"}})
		if !c.countFailure(ctx, rq, u, "refused passkeys").IsZero() {
			c.abandonSignIn(w, r, rq)
			return
		}
		passkeyError(w, rq, http.StatusUnauthorized, "", "passkey.rejected")
		return
	}
	if !c.usePasskey(w, r, rq, u, key, parsed) {
		return
	}
	if c.startSession(w, r, rq, u, account.StageFull) {
		c.passkeySignedIn(w, r, rq, u, key, "password+passkey", cer.next)
	}
}

// abandonSignIn ends a half-finished sign-in of a locked account and
// sends the page back to the sign-in form, as endSignIn does for forms.
func (c *Console) abandonSignIn(w http.ResponseWriter, r *http.Request, rq *Request) {
	if err := c.accounts.EndSession(r.Context(), rq.session.IDHash, c.now()); err != nil {
		c.log.Error("end session", "err", err)
	}
	clearCookie(w, SessionCookie)
	passkeyError(w, rq, http.StatusForbidden, "/admin/login?notice=locked", "notice.locked")
}

// passkeyEnrolBegin starts registering a passkey as the second factor at
// the first sign-in.
func (c *Console) passkeyEnrolBegin(w http.ResponseWriter, r *http.Request, rq *Request) {
	c.registerBegin(w, r, rq, ceremonyEnrol, false)
}

// passkeyEnrolFinish stores the passkey and completes the sign-in.
func (c *Console) passkeyEnrolFinish(w http.ResponseWriter, r *http.Request, rq *Request) {
	key, next, ok := c.registerFinish(w, r, rq, ceremonyEnrol)
	if ok && c.startSession(w, r, rq, rq.user, account.StageFull) {
		c.passkeySignedIn(w, r, rq, rq.user, key, "password+passkey", next)
	}
}

// passkeyAddBegin starts registering a passkey from the account page; the
// current password confirms it, as it does a new authenticator app.
func (c *Console) passkeyAddBegin(w http.ResponseWriter, r *http.Request, rq *Request) {
	c.registerBegin(w, r, rq, ceremonyAdd, true)
}

// passkeyAddFinish stores the passkey registered from the account page.
func (c *Console) passkeyAddFinish(w http.ResponseWriter, r *http.Request, rq *Request) {
	if _, _, ok := c.registerFinish(w, r, rq, ceremonyAdd); ok {
		WriteJSON(w, http.StatusOK, passkeyAnswer{Redirect: "/admin/account?notice=passkey_added"})
	}
}

func (c *Console) registerBegin(w http.ResponseWriter, r *http.Request, rq *Request, kind string, password bool) {
	p := c.ready(w, r, rq)
	if p == nil {
		return
	}
	req, ok := readBegin(w, r, rq)
	if !ok {
		return
	}
	ctx := r.Context()
	if err := account.CheckPasskeyName(req.Name); err != nil {
		passkeyError(w, rq, http.StatusUnprocessableEntity, "", "passkey.bad_name", account.MaxPasskeyName)
		return
	}
	if password {
		switch res, err := c.reauthenticate(r, rq, req.Password, "passkey.registered"); {
		case err != nil:
			c.log.Error("check current password", "err", err)
			passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
			return
		case res == reauthEnded:
			clearCookie(w, SessionCookie)
			passkeyError(w, rq, http.StatusUnauthorized, "/admin/login?notice=locked", "notice.locked")
			return
		case res == reauthWrong:
			passkeyError(w, rq, http.StatusUnprocessableEntity, "", "account.wrong_password")
			return
		}
	}
	owner, err := c.passkeyUser(ctx, rq.user)
	if err != nil {
		c.log.Error("load passkeys", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return
	}
	// The browser refuses an authenticator that holds one of these
	// already, rather than registering it twice.
	exclude := webauthn.Credentials(owner.WebAuthnCredentials()).CredentialDescriptors()
	options, data, err := p.rp.BeginRegistration(owner, webauthn.WithExclusions(exclude))
	if err != nil {
		c.log.Error("begin passkey registration", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return
	}
	c.begin(w, r, rq, p, sessionKey(kind, rq), ceremony{data: *data, userID: rq.user.ID, name: req.Name, next: safeNext(req.Next)}, options)
}

// registerFinish checks a new passkey and stores it, returning it and
// where the ceremony said to go next.
func (c *Console) registerFinish(w http.ResponseWriter, r *http.Request, rq *Request, kind string) (account.Passkey, string, bool) {
	p := c.ready(w, r, rq)
	if p == nil {
		return account.Passkey{}, "", false
	}
	cer, ok := c.finish(w, r, rq, kind, sessionKey(kind, rq))
	if !ok {
		return account.Passkey{}, "", false
	}
	ctx := r.Context()
	u := rq.user
	failed := func(reason string, err error, status int, key string) {
		c.log.Info("passkey registration refused", "reason", reason, "err", err)
		e := rq.entry("passkey.registered", UserObject(u.ID), audit.Failed)
		e.Detail = map[string]string{"reason": reason}
		c.Record(ctx, e)
		passkeyError(w, rq, status, "", key)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(http.MaxBytesReader(w, r.Body, maxCeremonyBody))
	if err != nil {
		failed("malformed passkey answer", err, http.StatusBadRequest, "passkey.rejected")
		return account.Passkey{}, "", false
	}
	owner, err := c.passkeyUser(ctx, u)
	if err != nil {
		c.log.Error("load passkeys", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return account.Passkey{}, "", false
	}
	cred, err := p.rp.CreateCredential(owner, cer.data, parsed)
	if err != nil {
		failed("passkey answer not verified", err, http.StatusUnprocessableEntity, "passkey.rejected")
		return account.Passkey{}, "", false
	}
	transports := make([]string, 0, len(cred.Transport))
	for _, t := range cred.Transport {
		if s := string(t); s != "" && !strings.ContainsAny(s, ", ") {
			transports = append(transports, s)
		}
	}
	key, err := c.accounts.AddPasskey(ctx, account.Passkey{
		UserID: u.ID, CredentialID: cred.ID, PublicKey: cred.PublicKey, SignCount: cred.Authenticator.SignCount,
		Transports: transports, AAGUID: cred.Authenticator.AAGUID,
		BackupEligible: cred.Flags.BackupEligible, BackupState: cred.Flags.BackupState, Name: cer.name,
	}, i18n.T(rq.lang, "passkey.default_name"), c.now())
	if errors.Is(err, account.ErrPasskeyExists) {
		failed("passkey registered already", err, http.StatusConflict, "passkey.exists")
		return account.Passkey{}, "", false
	}
	if err != nil {
		c.log.Error("store passkey", "err", err)
		passkeyError(w, rq, http.StatusInternalServerError, "", "error.internal")
		return account.Passkey{}, "", false
	}
	e := rq.entry("passkey.registered", UserObject(u.ID), audit.OK)
	e.Detail = map[string]string{"passkey": key.Name, "id": itoa(key.ID), "synced": strconv.FormatBool(key.BackupEligible),
		"user_verified": strconv.FormatBool(parsed.Response.AttestationObject.AuthData.Flags.HasUserVerified())}
	c.Record(ctx, e)
	return key, cer.next, true
}

// passkeyRemove removes one of the account's passkeys, confirmed by the
// current password. A role that needs a second factor keeps at least one.
func (c *Console) passkeyRemove(w http.ResponseWriter, r *http.Request, rq *Request) {
	ctx := r.Context()
	u := rq.user
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil {
		c.showAccount(w, r, rq, http.StatusUnprocessableEntity, []string{i18n.T(rq.lang, "account.passkey_choose")})
		return
	}
	keys, err := c.accounts.Passkeys(ctx, u.ID)
	if err != nil {
		c.Internal(w, r, rq, "list passkeys", err)
		return
	}
	var key account.Passkey
	for _, k := range keys {
		if k.ID == id {
			key = k
		}
	}
	switch {
	case key.ID == 0:
		c.showAccount(w, r, rq, http.StatusNotFound, []string{i18n.T(rq.lang, "account.passkey_choose")})
		return
	case rq.role.ReadsPersonalData() && !u.HasTOTP() && len(keys) == 1:
		c.showAccount(w, r, rq, http.StatusConflict, []string{i18n.T(rq.lang, "account.passkey_required")})
		return
	}
	if !c.currentPassword(w, r, rq, "passkey.removed") {
		return
	}
	if err := c.accounts.RemovePasskey(ctx, u.ID, key.ID); err != nil && !errors.Is(err, account.ErrNoPasskey) {
		c.Internal(w, r, rq, "remove passkey", err)
		return
	}
	e := rq.entry("passkey.removed", UserObject(u.ID), audit.OK)
	e.Detail = map[string]string{"passkey": key.Name, "id": itoa(key.ID)}
	c.Record(ctx, e)
	Redirect(w, r, "/admin/account", "passkey_removed")
}

package admin

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

var b64 = base64.RawURLEncoding

// authenticator is a software passkey authenticator and browser in one:
// it answers the console's WebAuthn options as a platform authenticator
// would, with an ECDSA P-256 key for each credential it creates.
type authenticator struct {
	t *testing.T
	// origin and rpID are what the browser reports and the authenticator
	// signs for; the console must see its own.
	origin string
	rpID   string
	keys   []*softKey
	// verifies makes the authenticator verify the user (UV); without it
	// it only tests their presence, as a security key without a PIN does.
	verifies bool
	// noCounter makes it report a signature counter of 0 always, as
	// synced passkeys do.
	noCounter bool
}

type softKey struct {
	id     []byte
	priv   *ecdsa.PrivateKey
	handle []byte // the user handle it was created for
	count  uint32
}

const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

func (a *authenticator) flags() byte {
	f := byte(flagUP)
	if a.verifies {
		f |= flagUV
	}
	return f
}

// options is the part of the console's WebAuthn options the tests read.
type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		Timeout   int    `json:"timeout"`
		RP        struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"rp"`
		RPID string `json:"rpId"`
		User struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			DisplayName string `json:"displayName"`
		} `json:"user"`
		Params []struct {
			Alg int `json:"alg"`
		} `json:"pubKeyCredParams"`
		Selection struct {
			ResidentKey      string `json:"residentKey"`
			UserVerification string `json:"userVerification"`
		} `json:"authenticatorSelection"`
		Attestation      string `json:"attestation"`
		UserVerification string `json:"userVerification"`
		Exclude          []struct {
			ID string `json:"id"`
		} `json:"excludeCredentials"`
		Allow []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
	} `json:"publicKey"`
}

func parseOptions(t *testing.T, body string) options {
	t.Helper()
	var o options
	if err := json.Unmarshal([]byte(body), &o); err != nil || o.PublicKey.Challenge == "" {
		t.Fatalf("options %q: %v", body, err)
	}
	return o
}

func (a *authenticator) clientData(kind, challenge string) []byte {
	cd, err := json.Marshal(map[string]any{"type": kind, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	if err != nil {
		a.t.Fatal(err)
	}
	return cd
}

// create answers registration options with a new credential.
func (a *authenticator) create(body string) []byte {
	a.t.Helper()
	o := parseOptions(a.t, body)
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		a.t.Fatal(err)
	}
	handle, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		a.t.Fatalf("user id %q: %v", o.PublicKey.User.ID, err)
	}
	k := &softKey{id: make([]byte, 16), priv: priv, handle: handle}
	rand.Read(k.id)
	if !a.noCounter {
		k.count = 1
	}
	pub, err := priv.PublicKey.ECDH()
	if err != nil {
		a.t.Fatal(err)
	}
	point := pub.Bytes() // 0x04 || x || y
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: point[1:33], -3: point[33:]})
	if err != nil {
		a.t.Fatal(err)
	}
	if o.PublicKey.RP.ID != a.rpID {
		a.t.Fatalf("registration for relying party %q, want %q", o.PublicKey.RP.ID, a.rpID)
	}
	rpHash := sha256.Sum256([]byte(a.rpID))
	auth := append(rpHash[:], a.flags()|flagAT)
	auth = binary.BigEndian.AppendUint32(auth, k.count)
	auth = append(auth, make([]byte, 16)...) // AAGUID: not told
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(k.id)))
	auth = append(append(auth, k.id...), cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		a.t.Fatal(err)
	}
	a.keys = append(a.keys, k)
	return a.marshal(map[string]any{
		"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"clientExtensionResults": map[string]any{}, "authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", o.PublicKey.Challenge)),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal", "hybrid"},
		},
	})
}

// get answers sign-in options with the newest credential the options
// allow.
func (a *authenticator) get(body string) []byte {
	a.t.Helper()
	o := parseOptions(a.t, body)
	var k *softKey
	for _, c := range a.keys {
		allowed := len(o.PublicKey.Allow) == 0
		for _, d := range o.PublicKey.Allow {
			allowed = allowed || d.ID == b64.EncodeToString(c.id)
		}
		if allowed {
			k = c
		}
	}
	if k == nil {
		a.t.Fatal("the authenticator holds no credential the options allow")
	}
	if !a.noCounter {
		k.count++
	}
	return a.sign(k, o.PublicKey.Challenge)
}

// sign makes an assertion with key k.
func (a *authenticator) sign(k *softKey, challenge string) []byte {
	rpHash := sha256.Sum256([]byte(a.rpID))
	auth := binary.BigEndian.AppendUint32(append(rpHash[:], a.flags()), k.count)
	cd := a.clientData("webauthn.get", challenge)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, auth...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
	if err != nil {
		a.t.Fatal(err)
	}
	return a.marshal(map[string]any{
		"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(auth),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(k.handle),
		},
	})
}

func (a *authenticator) marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		a.t.Fatal(err)
	}
	return b
}

// pkHarness is a console with passkeys on for the relying-party id
// localhost, whose browsers address it as localhost:port, the way a
// browser on the machine reaches it.
type pkHarness struct {
	*harness
	host string
}

func newPasskeyHarness(t *testing.T, db *store.DB) *pkHarness {
	t.Helper()
	h := newHarness(t, db)
	keys, err := newPasskeys(Options{WebAuthnRPID: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	h.console.passkeys = keys
	u, err := url.Parse(h.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &pkHarness{harness: h, host: "localhost:" + u.Port()}
}

// asHost sends every request with another Host header. It acts below the
// client's cookie jar, which so keeps the cookies of the address dialled.
type asHost struct {
	host string
	next http.RoundTripper
}

func (a asHost) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = a.host
	return a.next.RoundTrip(r)
}

// browser returns a browser that reaches the console as localhost.
func (p *pkHarness) browser() *browser {
	b := p.harness.browser()
	b.client.Transport = asHost{host: p.host, next: b.client.Transport}
	return b
}

// signedIn returns a browser of p with a fully signed-in session of u.
func (p *pkHarness) signedIn(u account.User) *browser {
	b := p.harness.signedIn(u)
	b.client.Transport = asHost{host: p.host, next: b.client.Transport}
	return b
}

func (p *pkHarness) authenticator(verifies bool) *authenticator {
	return &authenticator{t: p.t, origin: "https://" + p.host, rpID: "localhost", verifies: verifies}
}

// page opens a console page.
func (p *pkHarness) page(b *browser, path string) response {
	p.t.Helper()
	return b.get(path)
}

// call posts JSON (body as is when it is []byte) as a page's script does,
// with the token in X-CSRF-Token.
func (p *pkHarness) call(b *browser, path, csrf string, body any) response {
	p.t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			p.t.Fatal(err)
		}
	}
	req, _ := http.NewRequest("POST", p.srv.URL+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	return b.do(req)
}

// answer reads a ceremony's last JSON answer.
func answer(t *testing.T, resp response) passkeyAnswer {
	t.Helper()
	var a passkeyAnswer
	if err := json.Unmarshal([]byte(resp.body), &a); err != nil {
		t.Fatalf("status %d, answer %q: %v", resp.status, resp.body, err)
	}
	return a
}

// register adds a passkey from the account page of a signed-in browser.
func (p *pkHarness) register(b *browser, a *authenticator, name string) response {
	p.t.Helper()
	begin := p.call(b, "/admin/account/passkeys/begin", b.csrf, map[string]string{"name": name, "password": testPassword})
	if begin.status != http.StatusOK {
		p.t.Fatalf("begin registration: status %d\n%s", begin.status, begin.body)
	}
	return p.call(b, "/admin/account/passkeys/finish", b.csrf, a.create(begin.body))
}

// passwordless signs in browser b with a passkey from the sign-in page,
// returning the last answer.
func (p *pkHarness) passwordless(b *browser, a *authenticator) response {
	p.t.Helper()
	page := p.page(b, "/admin/login")
	csrf := field(page.body, "csrf")
	begin := p.call(b, "/admin/login/passkey/begin", csrf, map[string]string{"next": "/admin/account"})
	if begin.status != http.StatusOK {
		p.t.Fatalf("begin passkey sign-in: status %d\n%s", begin.status, begin.body)
	}
	return p.call(b, "/admin/login/passkey/finish", csrf, a.get(begin.body))
}

// auditHas reports whether the trail has an entry of the action with the
// outcome whose detail includes want.
func (h *harness) auditHas(action string, outcome audit.Outcome, want map[string]string) bool {
	h.t.Helper()
	for _, e := range h.entries(action) {
		ok := e.Outcome == outcome
		for k, v := range want {
			ok = ok && strings.Contains(e.Detail[k], v)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestPasskeyOptions checks the JSON each begin endpoint sends the
// browser.
func TestPasskeyOptions(t *testing.T) {
	p := newPasskeyHarness(t, storetest.SQLite(t))
	owner := p.addUser("owner@example.jp", account.Owner)
	b := p.signedIn(owner)

	resp := p.call(b, "/admin/account/passkeys/begin", b.csrf, map[string]string{"name": "YubiKey", "password": testPassword})
	if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), "application/json") {
		t.Fatalf("registration options: status %d, %s\n%s", resp.status, resp.header.Get("Content-Type"), resp.body)
	}
	o := parseOptions(t, resp.body).PublicKey
	handle, _ := p.accounts.PasskeyHandle(context.Background(), owner.ID)
	challenge, _ := b64.DecodeString(o.Challenge)
	hasES256 := false
	for _, prm := range o.Params {
		hasES256 = hasES256 || prm.Alg == -7
	}
	switch {
	case o.RP.ID != "localhost" || o.RP.Name != "Noren":
		t.Errorf("rp %+v, want localhost named Noren", o.RP)
	case o.User.ID != b64.EncodeToString(handle) || o.User.Name != owner.Email:
		t.Errorf("user %+v, want the account's handle and e-mail address", o.User)
	case len(challenge) < 32:
		t.Errorf("challenge of %d bytes, want at least 32", len(challenge))
	case !hasES256:
		t.Errorf("pubKeyCredParams %+v lack ES256", o.Params)
	case o.Selection.ResidentKey != "preferred" || o.Selection.UserVerification != "preferred":
		t.Errorf("authenticatorSelection %+v", o.Selection)
	case o.Attestation != "none":
		t.Errorf("attestation %q, want none", o.Attestation)
	case o.Timeout != int(ceremonyTTL/time.Millisecond):
		t.Errorf("timeout %d ms, want %d", o.Timeout, ceremonyTTL/time.Millisecond)
	case len(o.Exclude) != 0:
		t.Errorf("excludeCredentials %+v before any passkey", o.Exclude)
	}

	// With a passkey registered, registration excludes it and the second
	// factor allows only it.
	a := p.authenticator(true)
	p.call(b, "/admin/account/passkeys/finish", b.csrf, a.create(resp.body))
	resp = p.call(b, "/admin/account/passkeys/begin", b.csrf, map[string]string{"password": testPassword})
	if ex := parseOptions(t, resp.body).PublicKey.Exclude; len(ex) != 1 || ex[0].ID != b64.EncodeToString(a.keys[0].id) {
		t.Errorf("excludeCredentials %+v, want the registered passkey", ex)
	}

	// Passwordless: any discoverable passkey, verifying the user.
	anon := p.browser()
	page := p.page(anon, "/admin/login")
	if !strings.Contains(page.body, `action="/admin/login/passkey/begin"`) || !strings.Contains(page.body, `src="/noren/passkey.js"`) {
		t.Error("the sign-in page offers no passkey")
	}
	resp = p.call(anon, "/admin/login/passkey/begin", field(page.body, "csrf"), nil)
	o = parseOptions(t, resp.body).PublicKey
	if o.RPID != "localhost" || o.UserVerification != "required" || len(o.Allow) != 0 {
		t.Errorf("passwordless options: rpId %q, userVerification %q, allowCredentials %+v", o.RPID, o.UserVerification, o.Allow)
	}

	// Second factor: the account's passkeys only.
	second := p.browser()
	if r := second.login(owner.Email, testPassword); !strings.HasPrefix(r.location, "/admin/login/verify") {
		t.Fatalf("sign-in with a passkey registered: status %d to %q, want the second-factor page", r.status, r.location)
	}
	page = p.page(second, "/admin/login/verify")
	resp = p.call(second, "/admin/login/passkey/verify/begin", field(page.body, "csrf"), nil)
	o = parseOptions(t, resp.body).PublicKey
	if len(o.Allow) != 1 || o.Allow[0].ID != b64.EncodeToString(a.keys[0].id) || o.UserVerification != "preferred" {
		t.Errorf("second-factor options: allowCredentials %+v, userVerification %q", o.Allow, o.UserVerification)
	}

	// Bad requests to begin.
	for _, tc := range []struct {
		body any
		want int
	}{
		{map[string]string{"password": "wrong password"}, http.StatusUnprocessableEntity},
		{map[string]string{"password": testPassword, "name": strings.Repeat("x", account.MaxPasskeyName+1)}, http.StatusUnprocessableEntity},
		{[]byte("{not json"), http.StatusBadRequest},
	} {
		if resp := p.call(b, "/admin/account/passkeys/begin", b.csrf, tc.body); resp.status != tc.want || answer(t, resp).Error == "" {
			t.Errorf("begin with %v: status %d %s, want %d with a message", tc.body, resp.status, resp.body, tc.want)
		}
	}
}

// TestPasskeyRegisterAndSignIn registers a passkey from the account page
// and signs in with it alone.
func TestPasskeyRegisterAndSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPasskeyHarness(t, db)
		owner := p.addUser("owner@example.jp", account.Owner)
		a := p.authenticator(true)
		b := p.signedIn(owner)
		resp := p.register(b, a, "  Work laptop ")
		if resp.status != http.StatusOK || answer(t, resp).Redirect != "/admin/account?notice=passkey_added" {
			t.Fatalf("register: status %d\n%s", resp.status, resp.body)
		}
		if page := p.page(b, "/admin/account"); !strings.Contains(page.body, "<td>Work laptop</td>") {
			t.Error("the account page does not list the new passkey")
		}
		if !p.auditHas("passkey.registered", audit.OK, map[string]string{"passkey": "Work laptop", "user_verified": "true"}) {
			t.Error("the registration is not audited")
		}

		b2 := p.browser()
		resp = p.passwordless(b2, a)
		if resp.status != http.StatusOK || answer(t, resp).Redirect != "/admin/account" {
			t.Fatalf("passwordless sign-in: status %d\n%s", resp.status, resp.body)
		}
		if home := b2.get("/admin/"); home.status != http.StatusOK || !strings.Contains(home.body, owner.Email) {
			t.Fatalf("console after passwordless sign-in: status %d", home.status)
		}
		if !p.auditHas("login", audit.OK, map[string]string{"method": "passkey", "passkey": "Work laptop"}) {
			t.Error("the passwordless sign-in is not audited with its method")
		}
		keys, _ := p.accounts.Passkeys(context.Background(), owner.ID)
		if len(keys) != 1 || keys[0].SignCount != 2 || !keys[0].LastUsedAt.Equal(p.clock.now()) || strings.Join(keys[0].Transports, ",") != "internal,hybrid" {
			t.Errorf("stored passkey after use: %+v", keys)
		}
	})
}

// TestPasskeyChallengeSingleUse answers one challenge twice, and replays
// an answer to a later challenge: both are refused.
func TestPasskeyChallengeSingleUse(t *testing.T) {
	p := newPasskeyHarness(t, storetest.SQLite(t))
	owner := p.addUser("owner@example.jp", account.Owner)
	a := p.authenticator(true)
	a.noCounter = true // so that the counter does not catch the replay first
	p.register(p.signedIn(owner), a, "phone")

	b := p.browser()
	page := p.page(b, "/admin/login")
	csrf := field(page.body, "csrf")
	begin := p.call(b, "/admin/login/passkey/begin", csrf, nil)
	signed := a.get(begin.body)
	if resp := p.call(b, "/admin/login/passkey/finish", csrf, signed); resp.status != http.StatusOK {
		t.Fatalf("first answer: status %d\n%s", resp.status, resp.body)
	}

	// The same answer again, from a browser holding the same login cookie
	// and with no challenge of its own.
	thief := p.browser()
	base, _ := url.Parse(p.srv.URL)
	thief.client.Jar.SetCookies(base, []*http.Cookie{{Name: loginCookie, Value: csrf, Path: "/", Secure: true}})
	if resp := p.call(thief, "/admin/login/passkey/finish", csrf, signed); resp.status != http.StatusBadRequest {
		t.Errorf("the same answer twice: status %d, want 400\n%s", resp.status, resp.body)
	}
	// The same answer to a fresh challenge.
	p.call(thief, "/admin/login/passkey/begin", csrf, nil)
	if resp := p.call(thief, "/admin/login/passkey/finish", csrf, signed); resp.status != http.StatusUnauthorized {
		t.Errorf("an old answer to a new challenge: status %d, want 401\n%s", resp.status, resp.body)
	}
	// A challenge outlives its five minutes for nothing.
	p.call(thief, "/admin/login/passkey/begin", csrf, nil)
	p.clock.advance(ceremonyTTL + time.Second)
	if resp := p.call(thief, "/admin/login/passkey/finish", csrf, signed); resp.status != http.StatusBadRequest || answer(t, resp).Error != translate("en", "passkey.expired") {
		t.Errorf("answer after five minutes: status %d, want 400 expired\n%s", resp.status, resp.body)
	}
	if n := len(p.entries("login.failed")); n != 3 {
		t.Errorf("%d failed sign-ins audited, want 3", n)
	}
}

// TestPasskeySecondFactor signs in with the password and a passkey as
// the second factor, from an authenticator that does not verify the user.
func TestPasskeySecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPasskeyHarness(t, db)
		owner := p.addUser("owner@example.jp", account.Owner)
		key := p.authenticator(false)
		p.register(p.signedIn(owner), key, "security key")

		b := p.browser()
		resp := b.login(owner.Email, testPassword)
		if resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.location, "/admin/login/verify") {
			t.Fatalf("password of an account with only a passkey: status %d to %q, want the second-factor page", resp.status, resp.location)
		}
		page := p.page(b, resp.location)
		if !strings.Contains(page.body, `action="/admin/login/passkey/verify/begin"`) || strings.Contains(page.body, `name="code"`) ||
			!strings.Contains(page.body, "data-passkey-fallback") {
			t.Errorf("second-factor page of a passkey-only account:\n%s", page.body)
		}
		csrf := field(page.body, "csrf")
		begin := p.call(b, "/admin/login/passkey/verify/begin", csrf, map[string]string{"next": "/admin/users"})
		resp = p.call(b, "/admin/login/passkey/verify/finish", csrf, key.get(begin.body))
		if resp.status != http.StatusOK || answer(t, resp).Redirect != "/admin/users" {
			t.Fatalf("second factor: status %d\n%s", resp.status, resp.body)
		}
		if got := b.get("/admin/users").status; got != http.StatusOK {
			t.Errorf("console after the second factor: status %d", got)
		}
		if !p.auditHas("login", audit.OK, map[string]string{"method": "password+passkey"}) {
			t.Error("the sign-in is not audited as password+passkey")
		}

		// Without user verification it is no way in on its own.
		resp = p.passwordless(p.browser(), key)
		if resp.status != http.StatusUnauthorized || answer(t, resp).Error != translate("en", "passkey.no_verification") {
			t.Errorf("passwordless with an unverifying key: status %d\n%s", resp.status, resp.body)
		}
		if !p.auditHas("login.failed", audit.Failed, map[string]string{"reason": "did not verify", "method": "passkey"}) {
			t.Error("the refused passwordless sign-in is not audited")
		}
	})
}

// TestPasskeyEnrol registers a passkey instead of an authenticator app at
// the first sign-in of a role that needs a second factor.
func TestPasskeyEnrol(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPasskeyHarness(t, db)
		handler := p.addUser("handler@example.jp", account.Handler)
		b := p.browser()
		resp := b.login(handler.Email, testPassword)
		if !strings.HasPrefix(resp.location, "/admin/login/enrol") {
			t.Fatalf("first sign-in: status %d to %q, want enrolment", resp.status, resp.location)
		}
		page := p.page(b, resp.location)
		if !strings.Contains(page.body, `action="/admin/login/passkey/enrol/begin"`) || !strings.Contains(page.body, `name="code"`) {
			t.Fatal("the enrolment page does not offer both an app and a passkey")
		}
		csrf := field(page.body, "csrf")
		begin := p.call(b, "/admin/login/passkey/enrol/begin", csrf, map[string]string{"name": "iPhone", "next": "/admin/forms"})
		if begin.status != http.StatusOK {
			t.Fatalf("begin enrolment: status %d\n%s", begin.status, begin.body)
		}
		resp = p.call(b, "/admin/login/passkey/enrol/finish", csrf, p.authenticator(true).create(begin.body))
		if resp.status != http.StatusOK || answer(t, resp).Redirect != "/admin/forms" {
			t.Fatalf("finish enrolment: status %d\n%s", resp.status, resp.body)
		}
		if got := b.get("/admin/forms").status; got != http.StatusOK {
			t.Errorf("console after enrolling a passkey: status %d", got)
		}
		if !p.auditHas("passkey.registered", audit.OK, map[string]string{"passkey": "iPhone"}) || !p.auditHas("login", audit.OK, map[string]string{"method": "password+passkey"}) {
			t.Error("the enrolment and sign-in are not audited")
		}
		// The next sign-in asks for the passkey.
		if resp := p.browser().login(handler.Email, testPassword); !strings.HasPrefix(resp.location, "/admin/login/verify") {
			t.Errorf("sign-in after enrolling a passkey: status %d to %q, want the second-factor page", resp.status, resp.location)
		}
	})
}

// TestPasskeyRefusals covers the passkeys refused for what they are or
// for the account they belong to.
func TestPasskeyRefusals(t *testing.T) {
	p := newPasskeyHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := p.addUser("owner@example.jp", account.Owner)
	a := p.authenticator(true)
	p.register(p.signedIn(owner), a, "laptop")

	// A counter that did not grow: the key may be cloned.
	a.keys[0].count = 0
	resp := p.passwordless(p.browser(), a)
	if resp.status != http.StatusForbidden || answer(t, resp).Error != translate("en", "passkey.cloned") {
		t.Errorf("counter gone back: status %d\n%s", resp.status, resp.body)
	}
	if !p.auditHas("login.failed", audit.Denied, map[string]string{"reason": "cloned", "stored": "1", "reported": "1"}) {
		t.Error("the clone warning is not audited")
	}
	a.keys[0].count = 10

	// A credential the console never registered.
	stranger := p.authenticator(true)
	stranger.keys = []*softKey{{id: []byte("unregistered"), priv: a.keys[0].priv, handle: a.keys[0].handle}}
	if resp := p.passwordless(p.browser(), stranger); resp.status != http.StatusUnauthorized || answer(t, resp).Error != translate("en", "passkey.unknown") {
		t.Errorf("unknown passkey: status %d\n%s", resp.status, resp.body)
	}
	// The right credential id with another key's signature.
	forger := p.authenticator(true)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forger.keys = []*softKey{{id: a.keys[0].id, priv: other, handle: a.keys[0].handle, count: 50}}
	if resp := p.passwordless(p.browser(), forger); resp.status != http.StatusUnauthorized || answer(t, resp).Error != translate("en", "passkey.rejected") {
		t.Errorf("forged signature: status %d\n%s", resp.status, resp.body)
	}

	// The right key, used through another site: the browser reports that
	// site's origin, or the authenticator signs for its relying party.
	for _, phish := range []*authenticator{
		{t: t, origin: "https://evil.example", rpID: "localhost", verifies: true, keys: a.keys},
		{t: t, origin: a.origin, rpID: "evil.example", verifies: true, keys: a.keys},
	} {
		if resp := p.passwordless(p.browser(), phish); resp.status != http.StatusUnauthorized || answer(t, resp).Error != translate("en", "passkey.rejected") {
			t.Errorf("answer for %s (%s): status %d\n%s", phish.origin, phish.rpID, resp.status, resp.body)
		}
	}
	if resp := p.passwordless(p.browser(), a); resp.status != http.StatusOK {
		t.Errorf("the key through the console again: status %d\n%s", resp.status, resp.body)
	}

	// Locked, then disabled accounts are refused, as with passwords.
	if _, err := p.accounts.RecordFailure(ctx, owner.ID, loopback, 1, time.Hour, p.clock.now()); err != nil {
		t.Fatal(err)
	}
	if resp := p.passwordless(p.browser(), a); resp.status != http.StatusForbidden || !strings.Contains(answer(t, resp).Error, "locked") {
		t.Errorf("locked account: status %d\n%s", resp.status, resp.body)
	}
	if err := p.accounts.Unlock(ctx, owner.ID); err != nil {
		t.Fatal(err)
	}
	p.addUser("owner2@example.jp", account.Owner) // so that the first may be disabled
	if err := p.accounts.SetDisabled(ctx, owner, true, p.clock.now()); err != nil {
		t.Fatal(err)
	}
	if resp := p.passwordless(p.browser(), a); resp.status != http.StatusForbidden || answer(t, resp).Error != translate("en", "login.disabled") {
		t.Errorf("disabled account: status %d\n%s", resp.status, resp.body)
	}
	if !p.auditHas("login.refused", audit.Denied, map[string]string{"reason": "disabled", "method": "passkey"}) {
		t.Error("the refusal of a disabled account is not audited")
	}
}

// TestPasskeyCSRFAndStage checks that the JSON endpoints need the page's
// token and a session at their stage.
func TestPasskeyCSRFAndStage(t *testing.T) {
	p := newPasskeyHarness(t, storetest.SQLite(t))
	owner := p.addUser("owner@example.jp", account.Owner)

	anon := p.browser()
	page := p.page(anon, "/admin/login")
	for _, token := range []string{"", "wrong"} {
		if resp := p.call(anon, "/admin/login/passkey/begin", token, nil); resp.status != http.StatusForbidden {
			t.Errorf("passwordless begin with token %q: status %d, want 403", token, resp.status)
		}
	}
	if resp := p.call(p.browser(), "/admin/login/passkey/begin", field(page.body, "csrf"), nil); resp.status != http.StatusForbidden {
		t.Errorf("passwordless begin without the login cookie: status %d, want 403", resp.status)
	}

	b := p.signedIn(owner)
	for _, path := range []string{"/admin/account/passkeys/begin", "/admin/account/passkeys/finish"} {
		for _, token := range []string{"", "wrong"} {
			if resp := p.call(b, path, token, map[string]string{"password": testPassword}); resp.status != http.StatusForbidden {
				t.Errorf("%s with token %q: status %d, want 403", path, token, resp.status)
			}
		}
	}

	// A full session is sent on from the sign-in steps, and a half-signed
	// one does not reach the account page's.
	if resp := p.call(b, "/admin/login/passkey/verify/begin", b.csrf, nil); resp.status != http.StatusSeeOther || resp.location != "/admin/" {
		t.Errorf("full session at the second factor: status %d to %q", resp.status, resp.location)
	}
	p.register(b, p.authenticator(true), "key")
	half := p.browser()
	half.login(owner.Email, testPassword)
	half.csrf = field(p.page(half, "/admin/login/verify").body, "csrf")
	for _, path := range []string{"/admin/account/passkeys/begin", "/admin/login/passkey/enrol/begin"} {
		if resp := p.call(half, path, half.csrf, nil); resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.location, "/admin/login/verify") {
			t.Errorf("second-factor session at %s: status %d to %q", path, resp.status, resp.location)
		}
	}
	if resp := p.call(half, "/admin/login/passkey/verify/finish", half.csrf, []byte("{}")); resp.status != http.StatusBadRequest {
		t.Errorf("second factor without a challenge: status %d, want 400", resp.status)
	}
}

// TestPasskeyRemoval checks removing passkeys from the account page and
// by an owner's reset, and that a passkey counts as a second factor.
func TestPasskeyRemoval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPasskeyHarness(t, db)
		ctx := context.Background()
		owner := p.addUser("owner@example.jp", account.Owner)
		b := p.signedIn(owner)
		p.register(b, p.authenticator(true), "only key")
		keys, _ := p.accounts.Passkeys(ctx, owner.ID)
		id := strconv.FormatInt(keys[0].ID, 10)

		// The only second factor of an owner stays.
		if resp := b.post("/admin/account/passkeys/remove", url.Values{"id": {id}, "password": {testPassword}}); resp.status != http.StatusConflict {
			t.Errorf("removing the only second factor: status %d, want 409", resp.status)
		}
		// With an authenticator app too, it may go, given the password.
		if err := p.accounts.SetTOTP(ctx, owner.ID, "JBSWY3DPEHPK3PXP"); err != nil {
			t.Fatal(err)
		}
		if resp := b.post("/admin/account/passkeys/remove", url.Values{"id": {id}, "password": {"wrong"}}); resp.status != http.StatusUnprocessableEntity {
			t.Errorf("removing with a wrong password: status %d, want 422", resp.status)
		}
		other := p.addUser("other@example.jp", account.Owner)
		p.register(p.signedIn(other), p.authenticator(true), "theirs")
		theirs, _ := p.accounts.Passkeys(ctx, other.ID)
		if resp := b.post("/admin/account/passkeys/remove", url.Values{"id": {strconv.FormatInt(theirs[0].ID, 10)}, "password": {testPassword}}); resp.status != http.StatusNotFound {
			t.Errorf("removing another account's passkey: status %d, want 404", resp.status)
		}
		if resp := b.post("/admin/account/passkeys/remove", url.Values{"id": {id}, "password": {testPassword}}); resp.status != http.StatusSeeOther {
			t.Fatalf("removing a passkey: status %d\n%s", resp.status, resp.body)
		}
		if n, _ := p.accounts.CountPasskeys(ctx, owner.ID); n != 0 {
			t.Errorf("%d passkeys left", n)
		}
		if !p.auditHas("passkey.removed", audit.OK, map[string]string{"passkey": "only key"}) {
			t.Error("the removal is not audited")
		}

		// A passkey lets the owner remove the authenticator app.
		p.register(b, p.authenticator(true), "new key")
		if resp := b.post("/admin/account/totp/remove", url.Values{"password": {testPassword}}); resp.status != http.StatusSeeOther {
			t.Errorf("removing the app while a passkey remains: status %d", resp.status)
		}

		// The owner's view of another account counts its passkeys, and a
		// reset removes them.
		if page := b.get("/admin/users/" + itoa(other.ID)); !strings.Contains(page.body, "<dt>Passkeys</dt><dd>1</dd>") {
			t.Errorf("the account page of another account does not count its passkey")
		}
		if resp := b.post("/admin/users/"+itoa(other.ID)+"/reset-second-factor", nil); resp.status != http.StatusSeeOther {
			t.Fatalf("reset: status %d", resp.status)
		}
		if n, _ := p.accounts.CountPasskeys(ctx, other.ID); n != 0 {
			t.Errorf("%d passkeys survive a reset", n)
		}
	})
}

// TestPasskeysOff checks a console without a relying-party id, or reached
// under another name, offers no passkeys.
func TestPasskeysOff(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	b := h.browser()
	page := b.get("/admin/login")
	if strings.Contains(page.body, "passkey") {
		t.Error("the sign-in page mentions passkeys with passkeys off")
	}
	req, _ := http.NewRequest("POST", h.srv.URL+"/admin/login/passkey/begin", strings.NewReader("{}"))
	req.Header.Set("X-CSRF-Token", field(page.body, "csrf"))
	if resp := b.do(req); resp.status != http.StatusNotFound {
		t.Errorf("begin with passkeys off: status %d, want 404", resp.status)
	}

	p := newPasskeyHarness(t, storetest.SQLite(t))
	if page := p.harness.browser().get("/admin/login"); strings.Contains(page.body, "passkey/begin") {
		t.Error("the sign-in page reached at 127.0.0.1 offers passkeys bound to localhost")
	}
}

func TestRequestOrigin(t *testing.T) {
	for _, tt := range []struct {
		rpID, host string
		tls        bool
		want       string
	}{
		{"localhost", "localhost:8443", true, "https://localhost:8443"},
		{"localhost", "localhost:8080", false, "http://localhost:8080"},
		{"localhost", "LOCALHOST:443", true, "https://localhost"},
		{"localhost", "localhost", false, "http://localhost"},
		{"demo.localhost", "demo.localhost:8080", false, "http://demo.localhost:8080"},
		{"demo.localhost", "localhost:8080", false, ""},
		{"demo.localhost", "evil.demo.localhost:8080", false, ""},
		{"localhost", "127.0.0.1:8080", false, ""},
		{"localhost", "localhost:0", false, ""},
		{"localhost", "localhost:080", false, ""},
		{"localhost", "localhost:99999", false, ""},
		{"localhost", "localhost:x", false, ""},
	} {
		if got := requestOrigin(tt.rpID, tt.host, tt.tls); got != tt.want {
			t.Errorf("requestOrigin(%q, %q, %v) = %q, want %q", tt.rpID, tt.host, tt.tls, got, tt.want)
		}
	}
}

// FuzzRequestOrigin checks that whatever Host header arrives, the origin
// a ceremony is bound to is the relying party's, on a real port.
func FuzzRequestOrigin(f *testing.F) {
	for _, host := range []string{"localhost:8080", "localhost", "[::1]:80", "localhost:", "a.localhost:1", "localhost:65536"} {
		f.Add(host, true)
	}
	f.Fuzz(func(t *testing.T, host string, tls bool) {
		got := requestOrigin("localhost", host, tls)
		if got == "" {
			return
		}
		u, err := url.Parse(got)
		if err != nil || u.Hostname() != "localhost" || (u.Scheme != "https") != !tls || u.Path != "" {
			t.Fatalf("requestOrigin(%q) = %q", host, got)
		}
		if port := u.Port(); port != "" {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				t.Fatalf("requestOrigin(%q) = %q: bad port", host, got)
			}
		}
	})
}

// TestCeremonies checks that a ceremony is taken once, expires, and that
// their number is bounded.
func TestCeremonies(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	cs := &ceremonies{m: map[string]ceremony{}, max: 2}
	if !cs.put("a", ceremony{expires: now.Add(time.Minute)}, now) || !cs.put("b", ceremony{expires: now.Add(time.Hour)}, now) {
		t.Fatal("put refused below the limit")
	}
	if cs.put("c", ceremony{expires: now.Add(time.Minute)}, now) {
		t.Error("put accepted a third ceremony over the limit")
	}
	if !cs.put("a", ceremony{name: "again", expires: now.Add(time.Minute)}, now) {
		t.Error("a new ceremony under a key in use was refused")
	}
	if c, ok := cs.take("a", now); !ok || c.name != "again" {
		t.Errorf("take = %+v, %v; want the latest ceremony of the key", c, ok)
	}
	if _, ok := cs.take("a", now); ok {
		t.Error("a ceremony was taken twice")
	}
	// Expired ones make room, and are not handed out.
	cs.put("d", ceremony{expires: now.Add(time.Minute)}, now)
	later := now.Add(2 * time.Minute)
	if !cs.put("e", ceremony{expires: later.Add(time.Minute)}, later) {
		t.Error("an expired ceremony did not make room")
	}
	if _, ok := cs.take("d", later); ok {
		t.Error("an expired ceremony was handed out")
	}
}

// TestAllowPasskeys checks that console pages re-allow WebAuthn, which the
// site's default policy turns off, and change nothing else.
func TestAllowPasskeys(t *testing.T) {
	h := http.Header{}
	h.Set("Permissions-Policy", server.DefaultPermissionsPolicy)
	allowPasskeys(h)
	got := h.Get("Permissions-Policy")
	want := strings.NewReplacer("publickey-credentials-create=()", "publickey-credentials-create=(self)",
		"publickey-credentials-get=()", "publickey-credentials-get=(self)").Replace(server.DefaultPermissionsPolicy)
	if got != want || !strings.Contains(got, "publickey-credentials-get=(self)") || !strings.Contains(got, "camera=()") {
		t.Errorf("Permissions-Policy %q, want %q", got, want)
	}
	empty := http.Header{}
	allowPasskeys(empty)
	if _, ok := empty["Permissions-Policy"]; ok {
		t.Error("a policy was added where there was none")
	}
}

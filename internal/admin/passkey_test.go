package admin_test

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
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
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
	*admintest.Harness
	host string
}

func newPasskeyHarness(t *testing.T, db *store.DB) *pkHarness {
	t.Helper()
	h := newHarness(t, db, func(o *admin.Options) { o.WebAuthnRPID = "localhost" })
	u, err := url.Parse(h.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	return &pkHarness{Harness: h, host: "localhost:" + u.Port()}
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

// Browser returns a browser that reaches the console as localhost.
func (p *pkHarness) Browser() *admintest.Browser {
	b := p.Harness.Browser()
	b.Client.Transport = asHost{host: p.host, next: b.Client.Transport}
	return b
}

// SignedIn returns a browser of p with a fully signed-in session of u.
func (p *pkHarness) SignedIn(u account.User) *admintest.Browser {
	b := p.Harness.SignedIn(u)
	b.Client.Transport = asHost{host: p.host, next: b.Client.Transport}
	return b
}

func (p *pkHarness) authenticator(verifies bool) *authenticator {
	return &authenticator{t: p.T, origin: "https://" + p.host, rpID: "localhost", verifies: verifies}
}

// page opens a console page.
func (p *pkHarness) page(b *admintest.Browser, path string) admintest.Response {
	p.T.Helper()
	return b.Get(path)
}

// call posts JSON (body as is when it is []byte) as a page's script does,
// with the token in X-CSRF-Token.
func (p *pkHarness) call(b *admintest.Browser, path, csrf string, body any) admintest.Response {
	p.T.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			p.T.Fatal(err)
		}
	}
	req, _ := http.NewRequest("POST", p.Server.URL+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	return b.Do(req)
}

// passkeyAnswer is the JSON a ceremony's last step answers with.
type passkeyAnswer struct {
	Redirect string `json:"redirect,omitempty"`
	Error    string `json:"error,omitempty"`
}

// answer reads a ceremony's last JSON answer.
func answer(t *testing.T, resp admintest.Response) passkeyAnswer {
	t.Helper()
	var a passkeyAnswer
	if err := json.Unmarshal([]byte(resp.Body), &a); err != nil {
		t.Fatalf("status %d, answer %q: %v", resp.Status, resp.Body, err)
	}
	return a
}

// register adds a passkey from the account page of a signed-in browser.
func (p *pkHarness) register(b *admintest.Browser, a *authenticator, name string) admintest.Response {
	p.T.Helper()
	begin := p.call(b, "/admin/account/passkeys/begin", b.CSRF, map[string]string{"name": name, "password": admintest.Password})
	if begin.Status != http.StatusOK {
		p.T.Fatalf("begin registration: status %d\n%s", begin.Status, begin.Body)
	}
	return p.call(b, "/admin/account/passkeys/finish", b.CSRF, a.create(begin.Body))
}

// passwordless signs in browser b with a passkey from the sign-in page,
// returning the last answer.
func (p *pkHarness) passwordless(b *admintest.Browser, a *authenticator) admintest.Response {
	p.T.Helper()
	page := p.page(b, "/admin/login")
	csrf := admintest.Field(page.Body, "csrf")
	begin := p.call(b, "/admin/login/passkey/begin", csrf, map[string]string{"next": "/admin/account"})
	if begin.Status != http.StatusOK {
		p.T.Fatalf("begin passkey sign-in: status %d\n%s", begin.Status, begin.Body)
	}
	return p.call(b, "/admin/login/passkey/finish", csrf, a.get(begin.Body))
}

// auditHas reports whether the trail has an entry of the action with the
// outcome whose detail includes want.
func auditHas(h *admintest.Harness, action string, outcome audit.Outcome, want map[string]string) bool {
	h.T.Helper()
	for _, e := range h.Entries(action) {
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
	owner := p.AddUser("owner@example.jp", account.Owner)
	b := p.SignedIn(owner)

	resp := p.call(b, "/admin/account/passkeys/begin", b.CSRF, map[string]string{"name": "YubiKey", "password": admintest.Password})
	if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("registration options: status %d, %s\n%s", resp.Status, resp.Header.Get("Content-Type"), resp.Body)
	}
	o := parseOptions(t, resp.Body).PublicKey
	handle, _ := p.Accounts.PasskeyHandle(context.Background(), owner.ID)
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
	case o.Timeout != int(admin.CeremonyTTL/time.Millisecond):
		t.Errorf("timeout %d ms, want %d", o.Timeout, admin.CeremonyTTL/time.Millisecond)
	case len(o.Exclude) != 0:
		t.Errorf("excludeCredentials %+v before any passkey", o.Exclude)
	}

	// With a passkey registered, registration excludes it and the second
	// factor allows only it.
	a := p.authenticator(true)
	p.call(b, "/admin/account/passkeys/finish", b.CSRF, a.create(resp.Body))
	resp = p.call(b, "/admin/account/passkeys/begin", b.CSRF, map[string]string{"password": admintest.Password})
	if ex := parseOptions(t, resp.Body).PublicKey.Exclude; len(ex) != 1 || ex[0].ID != b64.EncodeToString(a.keys[0].id) {
		t.Errorf("excludeCredentials %+v, want the registered passkey", ex)
	}

	// Passwordless: any discoverable passkey, verifying the user.
	anon := p.Browser()
	page := p.page(anon, "/admin/login")
	if !strings.Contains(page.Body, `action="/admin/login/passkey/begin"`) || !strings.Contains(page.Body, `src="/noren/passkey.js"`) {
		t.Error("the sign-in page offers no passkey")
	}
	resp = p.call(anon, "/admin/login/passkey/begin", admintest.Field(page.Body, "csrf"), nil)
	o = parseOptions(t, resp.Body).PublicKey
	if o.RPID != "localhost" || o.UserVerification != "required" || len(o.Allow) != 0 {
		t.Errorf("passwordless options: rpId %q, userVerification %q, allowCredentials %+v", o.RPID, o.UserVerification, o.Allow)
	}

	// Second factor: the account's passkeys only.
	second := p.Browser()
	if r := second.Login(owner.Email, admintest.Password); !strings.HasPrefix(r.Location, "/admin/login/verify") {
		t.Fatalf("sign-in with a passkey registered: status %d to %q, want the second-factor page", r.Status, r.Location)
	}
	page = p.page(second, "/admin/login/verify")
	resp = p.call(second, "/admin/login/passkey/verify/begin", admintest.Field(page.Body, "csrf"), nil)
	o = parseOptions(t, resp.Body).PublicKey
	if len(o.Allow) != 1 || o.Allow[0].ID != b64.EncodeToString(a.keys[0].id) || o.UserVerification != "preferred" {
		t.Errorf("second-factor options: allowCredentials %+v, userVerification %q", o.Allow, o.UserVerification)
	}

	// Bad requests to begin.
	for _, tc := range []struct {
		body any
		want int
	}{
		{map[string]string{"password": "wrong password"}, http.StatusUnprocessableEntity},
		{map[string]string{"password": admintest.Password, "name": strings.Repeat("x", account.MaxPasskeyName+1)}, http.StatusUnprocessableEntity},
		{[]byte("{not json"), http.StatusBadRequest},
	} {
		if resp := p.call(b, "/admin/account/passkeys/begin", b.CSRF, tc.body); resp.Status != tc.want || answer(t, resp).Error == "" {
			t.Errorf("begin with %v: status %d %s, want %d with a message", tc.body, resp.Status, resp.Body, tc.want)
		}
	}
}

// TestPasskeyRegisterAndSignIn registers a passkey from the account page
// and signs in with it alone.
func TestPasskeyRegisterAndSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPasskeyHarness(t, db)
		owner := p.AddUser("owner@example.jp", account.Owner)
		a := p.authenticator(true)
		b := p.SignedIn(owner)
		resp := p.register(b, a, "  Work laptop ")
		if resp.Status != http.StatusOK || answer(t, resp).Redirect != "/admin/account?notice=passkey_added" {
			t.Fatalf("register: status %d\n%s", resp.Status, resp.Body)
		}
		if page := p.page(b, "/admin/account"); !strings.Contains(page.Body, "<td>Work laptop</td>") {
			t.Error("the account page does not list the new passkey")
		}
		if !auditHas(p.Harness, "passkey.registered", audit.OK, map[string]string{"passkey": "Work laptop", "user_verified": "true"}) {
			t.Error("the registration is not audited")
		}

		b2 := p.Browser()
		resp = p.passwordless(b2, a)
		if resp.Status != http.StatusOK || answer(t, resp).Redirect != "/admin/account" {
			t.Fatalf("passwordless sign-in: status %d\n%s", resp.Status, resp.Body)
		}
		if home := b2.Get("/admin/"); home.Status != http.StatusOK || !strings.Contains(home.Body, owner.Email) {
			t.Fatalf("console after passwordless sign-in: status %d", home.Status)
		}
		if !auditHas(p.Harness, "login", audit.OK, map[string]string{"method": "passkey", "passkey": "Work laptop"}) {
			t.Error("the passwordless sign-in is not audited with its method")
		}
		keys, _ := p.Accounts.Passkeys(context.Background(), owner.ID)
		if len(keys) != 1 || keys[0].SignCount != 2 || !keys[0].LastUsedAt.Equal(p.Clock.Now()) || strings.Join(keys[0].Transports, ",") != "internal,hybrid" {
			t.Errorf("stored passkey after use: %+v", keys)
		}
	})
}

// TestPasskeyChallengeSingleUse answers one challenge twice, and replays
// an answer to a later challenge: both are refused.
func TestPasskeyChallengeSingleUse(t *testing.T) {
	p := newPasskeyHarness(t, storetest.SQLite(t))
	owner := p.AddUser("owner@example.jp", account.Owner)
	a := p.authenticator(true)
	a.noCounter = true // so that the counter does not catch the replay first
	p.register(p.SignedIn(owner), a, "phone")

	b := p.Browser()
	page := p.page(b, "/admin/login")
	csrf := admintest.Field(page.Body, "csrf")
	begin := p.call(b, "/admin/login/passkey/begin", csrf, nil)
	signed := a.get(begin.Body)
	if resp := p.call(b, "/admin/login/passkey/finish", csrf, signed); resp.Status != http.StatusOK {
		t.Fatalf("first answer: status %d\n%s", resp.Status, resp.Body)
	}

	// The same answer again, from a browser holding the same login cookie
	// and with no challenge of its own.
	thief := p.Browser()
	base, _ := url.Parse(p.Server.URL)
	thief.Client.Jar.SetCookies(base, []*http.Cookie{{Name: admin.LoginCookie, Value: csrf, Path: "/", Secure: true}})
	if resp := p.call(thief, "/admin/login/passkey/finish", csrf, signed); resp.Status != http.StatusBadRequest {
		t.Errorf("the same answer twice: status %d, want 400\n%s", resp.Status, resp.Body)
	}
	// The same answer to a fresh challenge.
	p.call(thief, "/admin/login/passkey/begin", csrf, nil)
	if resp := p.call(thief, "/admin/login/passkey/finish", csrf, signed); resp.Status != http.StatusUnauthorized {
		t.Errorf("an old answer to a new challenge: status %d, want 401\n%s", resp.Status, resp.Body)
	}
	// A challenge outlives its five minutes for nothing.
	p.call(thief, "/admin/login/passkey/begin", csrf, nil)
	p.Clock.Advance(admin.CeremonyTTL + time.Second)
	if resp := p.call(thief, "/admin/login/passkey/finish", csrf, signed); resp.Status != http.StatusBadRequest || answer(t, resp).Error != i18n.T(i18n.English, "passkey.expired") {
		t.Errorf("answer after five minutes: status %d, want 400 expired\n%s", resp.Status, resp.Body)
	}
	if n := len(p.Entries("login.failed")); n != 3 {
		t.Errorf("%d failed sign-ins audited, want 3", n)
	}
}

// TestPasskeySecondFactor signs in with the password and a passkey as
// the second factor, from an authenticator that does not verify the user.
func TestPasskeySecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPasskeyHarness(t, db)
		owner := p.AddUser("owner@example.jp", account.Owner)
		key := p.authenticator(false)
		p.register(p.SignedIn(owner), key, "security key")

		b := p.Browser()
		resp := b.Login(owner.Email, admintest.Password)
		if resp.Status != http.StatusSeeOther || !strings.HasPrefix(resp.Location, "/admin/login/verify") {
			t.Fatalf("password of an account with only a passkey: status %d to %q, want the second-factor page", resp.Status, resp.Location)
		}
		page := p.page(b, resp.Location)
		if !strings.Contains(page.Body, `action="/admin/login/passkey/verify/begin"`) || strings.Contains(page.Body, `name="code"`) ||
			!strings.Contains(page.Body, "data-passkey-fallback") {
			t.Errorf("second-factor page of a passkey-only account:\n%s", page.Body)
		}
		csrf := admintest.Field(page.Body, "csrf")
		begin := p.call(b, "/admin/login/passkey/verify/begin", csrf, map[string]string{"next": "/admin/users"})
		resp = p.call(b, "/admin/login/passkey/verify/finish", csrf, key.get(begin.Body))
		if resp.Status != http.StatusOK || answer(t, resp).Redirect != "/admin/users" {
			t.Fatalf("second factor: status %d\n%s", resp.Status, resp.Body)
		}
		if got := b.Get("/admin/users").Status; got != http.StatusOK {
			t.Errorf("console after the second factor: status %d", got)
		}
		if !auditHas(p.Harness, "login", audit.OK, map[string]string{"method": "password+passkey"}) {
			t.Error("the sign-in is not audited as password+passkey")
		}

		// Without user verification it is no way in on its own.
		resp = p.passwordless(p.Browser(), key)
		if resp.Status != http.StatusUnauthorized || answer(t, resp).Error != i18n.T(i18n.English, "passkey.no_verification") {
			t.Errorf("passwordless with an unverifying key: status %d\n%s", resp.Status, resp.Body)
		}
		if !auditHas(p.Harness, "login.failed", audit.Failed, map[string]string{"reason": "did not verify", "method": "passkey"}) {
			t.Error("the refused passwordless sign-in is not audited")
		}
	})
}

// TestPasskeyEnrol registers a passkey instead of an authenticator app at
// the first sign-in of a role that needs a second factor.
func TestPasskeyEnrol(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPasskeyHarness(t, db)
		handler := p.AddUser("handler@example.jp", account.Handler)
		b := p.Browser()
		resp := b.Login(handler.Email, admintest.Password)
		if !strings.HasPrefix(resp.Location, "/admin/login/enrol") {
			t.Fatalf("first sign-in: status %d to %q, want enrolment", resp.Status, resp.Location)
		}
		page := p.page(b, resp.Location)
		if !strings.Contains(page.Body, `action="/admin/login/passkey/enrol/begin"`) || !strings.Contains(page.Body, `name="code"`) {
			t.Fatal("the enrolment page does not offer both an app and a passkey")
		}
		csrf := admintest.Field(page.Body, "csrf")
		begin := p.call(b, "/admin/login/passkey/enrol/begin", csrf, map[string]string{"name": "iPhone", "next": "/admin/account/tokens"})
		if begin.Status != http.StatusOK {
			t.Fatalf("begin enrolment: status %d\n%s", begin.Status, begin.Body)
		}
		resp = p.call(b, "/admin/login/passkey/enrol/finish", csrf, p.authenticator(true).create(begin.Body))
		if resp.Status != http.StatusOK || answer(t, resp).Redirect != "/admin/account/tokens" {
			t.Fatalf("finish enrolment: status %d\n%s", resp.Status, resp.Body)
		}
		if got := b.Get("/admin/account/tokens").Status; got != http.StatusOK {
			t.Errorf("console after enrolling a passkey: status %d", got)
		}
		if !auditHas(p.Harness, "passkey.registered", audit.OK, map[string]string{"passkey": "iPhone"}) || !auditHas(p.Harness, "login", audit.OK, map[string]string{"method": "password+passkey"}) {
			t.Error("the enrolment and sign-in are not audited")
		}
		// The next sign-in asks for the passkey.
		if resp := p.Browser().Login(handler.Email, admintest.Password); !strings.HasPrefix(resp.Location, "/admin/login/verify") {
			t.Errorf("sign-in after enrolling a passkey: status %d to %q, want the second-factor page", resp.Status, resp.Location)
		}
	})
}

// TestPasskeyRefusals covers the passkeys refused for what they are or
// for the account they belong to.
func TestPasskeyRefusals(t *testing.T) {
	p := newPasskeyHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := p.AddUser("owner@example.jp", account.Owner)
	a := p.authenticator(true)
	p.register(p.SignedIn(owner), a, "laptop")

	// A counter that did not grow: the key may be cloned.
	a.keys[0].count = 0
	resp := p.passwordless(p.Browser(), a)
	if resp.Status != http.StatusForbidden || answer(t, resp).Error != i18n.T(i18n.English, "passkey.cloned") {
		t.Errorf("counter gone back: status %d\n%s", resp.Status, resp.Body)
	}
	if !auditHas(p.Harness, "login.failed", audit.Denied, map[string]string{"reason": "cloned", "stored": "1", "reported": "1"}) {
		t.Error("the clone warning is not audited")
	}
	a.keys[0].count = 10

	// A credential the console never registered.
	stranger := p.authenticator(true)
	stranger.keys = []*softKey{{id: []byte("unregistered"), priv: a.keys[0].priv, handle: a.keys[0].handle}}
	if resp := p.passwordless(p.Browser(), stranger); resp.Status != http.StatusUnauthorized || answer(t, resp).Error != i18n.T(i18n.English, "passkey.unknown") {
		t.Errorf("unknown passkey: status %d\n%s", resp.Status, resp.Body)
	}
	// The right credential id with another key's signature.
	forger := p.authenticator(true)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forger.keys = []*softKey{{id: a.keys[0].id, priv: other, handle: a.keys[0].handle, count: 50}}
	if resp := p.passwordless(p.Browser(), forger); resp.Status != http.StatusUnauthorized || answer(t, resp).Error != i18n.T(i18n.English, "passkey.rejected") {
		t.Errorf("forged signature: status %d\n%s", resp.Status, resp.Body)
	}

	// The right key, used through another site: the browser reports that
	// site's origin, or the authenticator signs for its relying party.
	for _, phish := range []*authenticator{
		{t: t, origin: "https://evil.example", rpID: "localhost", verifies: true, keys: a.keys},
		{t: t, origin: a.origin, rpID: "evil.example", verifies: true, keys: a.keys},
	} {
		if resp := p.passwordless(p.Browser(), phish); resp.Status != http.StatusUnauthorized || answer(t, resp).Error != i18n.T(i18n.English, "passkey.rejected") {
			t.Errorf("answer for %s (%s): status %d\n%s", phish.origin, phish.rpID, resp.Status, resp.Body)
		}
	}
	if resp := p.passwordless(p.Browser(), a); resp.Status != http.StatusOK {
		t.Errorf("the key through the console again: status %d\n%s", resp.Status, resp.Body)
	}

	// Locked, then disabled accounts are refused, as with passwords.
	if _, err := p.Accounts.RecordFailure(ctx, owner.ID, loopback, 1, time.Hour, p.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if resp := p.passwordless(p.Browser(), a); resp.Status != http.StatusForbidden || !strings.Contains(answer(t, resp).Error, "locked") {
		t.Errorf("locked account: status %d\n%s", resp.Status, resp.Body)
	}
	if err := p.Accounts.Unlock(ctx, owner.ID); err != nil {
		t.Fatal(err)
	}
	p.AddUser("owner2@example.jp", account.Owner) // so that the first may be disabled
	if err := p.Accounts.SetDisabled(ctx, owner, true, p.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if resp := p.passwordless(p.Browser(), a); resp.Status != http.StatusForbidden || answer(t, resp).Error != i18n.T(i18n.English, "login.disabled") {
		t.Errorf("disabled account: status %d\n%s", resp.Status, resp.Body)
	}
	if !auditHas(p.Harness, "login.refused", audit.Denied, map[string]string{"reason": "disabled", "method": "passkey"}) {
		t.Error("the refusal of a disabled account is not audited")
	}
}

// TestPasskeyCSRFAndStage checks that the JSON endpoints need the page's
// token and a session at their stage.
func TestPasskeyCSRFAndStage(t *testing.T) {
	p := newPasskeyHarness(t, storetest.SQLite(t))
	owner := p.AddUser("owner@example.jp", account.Owner)

	anon := p.Browser()
	page := p.page(anon, "/admin/login")
	for _, token := range []string{"", "wrong"} {
		if resp := p.call(anon, "/admin/login/passkey/begin", token, nil); resp.Status != http.StatusForbidden {
			t.Errorf("passwordless begin with token %q: status %d, want 403", token, resp.Status)
		}
	}
	if resp := p.call(p.Browser(), "/admin/login/passkey/begin", admintest.Field(page.Body, "csrf"), nil); resp.Status != http.StatusForbidden {
		t.Errorf("passwordless begin without the login cookie: status %d, want 403", resp.Status)
	}

	b := p.SignedIn(owner)
	for _, path := range []string{"/admin/account/passkeys/begin", "/admin/account/passkeys/finish"} {
		for _, token := range []string{"", "wrong"} {
			if resp := p.call(b, path, token, map[string]string{"password": admintest.Password}); resp.Status != http.StatusForbidden {
				t.Errorf("%s with token %q: status %d, want 403", path, token, resp.Status)
			}
		}
	}

	// A full session is sent on from the sign-in steps, and a half-signed
	// one does not reach the account page's.
	if resp := p.call(b, "/admin/login/passkey/verify/begin", b.CSRF, nil); resp.Status != http.StatusSeeOther || resp.Location != "/admin/" {
		t.Errorf("full session at the second factor: status %d to %q", resp.Status, resp.Location)
	}
	p.register(b, p.authenticator(true), "key")
	half := p.Browser()
	half.Login(owner.Email, admintest.Password)
	half.CSRF = admintest.Field(p.page(half, "/admin/login/verify").Body, "csrf")
	for _, path := range []string{"/admin/account/passkeys/begin", "/admin/login/passkey/enrol/begin"} {
		if resp := p.call(half, path, half.CSRF, nil); resp.Status != http.StatusSeeOther || !strings.HasPrefix(resp.Location, "/admin/login/verify") {
			t.Errorf("second-factor session at %s: status %d to %q", path, resp.Status, resp.Location)
		}
	}
	if resp := p.call(half, "/admin/login/passkey/verify/finish", half.CSRF, []byte("{}")); resp.Status != http.StatusBadRequest {
		t.Errorf("second factor without a challenge: status %d, want 400", resp.Status)
	}
}

// TestPasskeyRemoval checks removing passkeys from the account page and
// by an owner's reset, and that a passkey counts as a second factor.
func TestPasskeyRemoval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPasskeyHarness(t, db)
		ctx := context.Background()
		owner := p.AddUser("owner@example.jp", account.Owner)
		b := p.SignedIn(owner)
		p.register(b, p.authenticator(true), "only key")
		keys, _ := p.Accounts.Passkeys(ctx, owner.ID)
		id := strconv.FormatInt(keys[0].ID, 10)

		// The only second factor of an owner stays.
		if resp := b.Post("/admin/account/passkeys/remove", url.Values{"id": {id}, "password": {admintest.Password}}); resp.Status != http.StatusConflict {
			t.Errorf("removing the only second factor: status %d, want 409", resp.Status)
		}
		// With an authenticator app too, it may go, given the password.
		if err := p.Accounts.SetTOTP(ctx, owner.ID, "JBSWY3DPEHPK3PXP"); err != nil {
			t.Fatal(err)
		}
		if resp := b.Post("/admin/account/passkeys/remove", url.Values{"id": {id}, "password": {"wrong"}}); resp.Status != http.StatusUnprocessableEntity {
			t.Errorf("removing with a wrong password: status %d, want 422", resp.Status)
		}
		other := p.AddUser("other@example.jp", account.Owner)
		p.register(p.SignedIn(other), p.authenticator(true), "theirs")
		theirs, _ := p.Accounts.Passkeys(ctx, other.ID)
		if resp := b.Post("/admin/account/passkeys/remove", url.Values{"id": {strconv.FormatInt(theirs[0].ID, 10)}, "password": {admintest.Password}}); resp.Status != http.StatusNotFound {
			t.Errorf("removing another account's passkey: status %d, want 404", resp.Status)
		}
		if resp := b.Post("/admin/account/passkeys/remove", url.Values{"id": {id}, "password": {admintest.Password}}); resp.Status != http.StatusSeeOther {
			t.Fatalf("removing a passkey: status %d\n%s", resp.Status, resp.Body)
		}
		if n, _ := p.Accounts.CountPasskeys(ctx, owner.ID); n != 0 {
			t.Errorf("%d passkeys left", n)
		}
		if !auditHas(p.Harness, "passkey.removed", audit.OK, map[string]string{"passkey": "only key"}) {
			t.Error("the removal is not audited")
		}

		// A passkey lets the owner remove the authenticator app.
		p.register(b, p.authenticator(true), "new key")
		if resp := b.Post("/admin/account/totp/remove", url.Values{"password": {admintest.Password}}); resp.Status != http.StatusSeeOther {
			t.Errorf("removing the app while a passkey remains: status %d", resp.Status)
		}

		// The owner's view of another account counts its passkeys, and a
		// reset removes them.
		if page := b.Get("/admin/users/" + strconv.FormatInt(other.ID, 10)); !strings.Contains(page.Body, "<dt>Passkeys</dt><dd>1</dd>") {
			t.Errorf("the account page of another account does not count its passkey")
		}
		if resp := b.Post("/admin/users/"+strconv.FormatInt(other.ID, 10)+"/reset-second-factor", nil); resp.Status != http.StatusSeeOther {
			t.Fatalf("reset: status %d", resp.Status)
		}
		if n, _ := p.Accounts.CountPasskeys(ctx, other.ID); n != 0 {
			t.Errorf("%d passkeys survive a reset", n)
		}
	})
}

// TestPasskeysOff checks a console without a relying-party id, or reached
// under another name, offers no passkeys.
func TestPasskeysOff(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	b := h.Browser()
	page := b.Get("/admin/login")
	if strings.Contains(page.Body, "passkey") {
		t.Error("the sign-in page mentions passkeys with passkeys off")
	}
	req, _ := http.NewRequest("POST", h.Server.URL+"/admin/login/passkey/begin", strings.NewReader("{}"))
	req.Header.Set("X-CSRF-Token", admintest.Field(page.Body, "csrf"))
	if resp := b.Do(req); resp.Status != http.StatusNotFound {
		t.Errorf("begin with passkeys off: status %d, want 404", resp.Status)
	}

	p := newPasskeyHarness(t, storetest.SQLite(t))
	if page := p.Harness.Browser().Get("/admin/login"); strings.Contains(page.Body, "passkey/begin") {
		t.Error("the sign-in page reached at 127.0.0.1 offers passkeys bound to localhost")
	}
}

package admin_test

import (
	"bufio"
	"context"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/web"
)

// tunnel is an HTTP proxy on loopback that opens CONNECT tunnels to one
// host name only, which it dials at a loopback address. Browsers refuse
// passkeys on an IP address, so the browser must reach the console as
// localhost, and the tests' browser resolves no names at all: through the
// proxy it needs none.
type tunnel struct {
	ln    net.Listener
	host  string // the name:port tunnels are opened to
	addr  string // where that is dialled
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func newTunnel(t *testing.T, host, addr string) *tunnel {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tn := &tunnel{ln: ln, host: host, addr: addr}
	tn.wg.Add(1)
	go tn.serve()
	t.Cleanup(func() {
		ln.Close()
		tn.mu.Lock()
		for _, c := range tn.conns {
			c.Close()
		}
		tn.mu.Unlock()
		tn.wg.Wait()
	})
	return tn
}

func (tn *tunnel) track(c net.Conn) {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	tn.conns = append(tn.conns, c)
}

func (tn *tunnel) serve() {
	defer tn.wg.Done()
	for {
		conn, err := tn.ln.Accept()
		if err != nil {
			return
		}
		tn.track(conn)
		tn.wg.Add(1)
		go func() {
			defer tn.wg.Done()
			tn.handle(conn)
		}()
	}
}

func (tn *tunnel) handle(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if req.Method != http.MethodConnect || req.Host != tn.host {
		io.WriteString(conn, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
		return
	}
	up, err := net.Dial("tcp", tn.addr)
	if err != nil {
		io.WriteString(conn, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	tn.track(up)
	defer up.Close()
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, br); done <- struct{}{} }()
	go func() { io.Copy(conn, up); done <- struct{}{} }()
	<-done
}

// passkeyTab opens a Chromium tab on a console served as the site serves
// it, with its static files and security headers, at https://localhost,
// with a virtual authenticator that holds discoverable credentials and
// verifies the user. It returns the tab and the authenticator's id.
func passkeyTab(t *testing.T, h *admintest.Harness) (*admintest.Tab, webauthn.AuthenticatorID) {
	t.Helper()
	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		t.Fatal(err)
	}
	headers, err := server.SecurityHeaders(server.HeaderPolicy{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Console.Register(mux)
	mux.Handle("GET /noren/", http.StripPrefix("/noren", http.FileServerFS(static)))
	srv := httptest.NewTLSServer(headers(mux))
	t.Cleanup(srv.Close)

	addr, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	host := "localhost:" + addr.Port()
	proxy := newTunnel(t, host, addr.Host)

	root := browsertest.New(t, srv.Certificate())
	// Chromium sends localhost past any proxy unless told <-loopback>.
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext(func(p *target.CreateBrowserContextParams) {
		p.ProxyServer = "http://" + proxy.ln.Addr().String()
		p.ProxyBypassList = "<-loopback>"
	}))
	t.Cleanup(cancel)
	b := &admintest.Tab{T: t, Ctx: ctx, Base: &url.URL{Scheme: "https", Host: host}}

	// The first action opens the tab and ties its life to the context it
	// runs on, so it runs on ctx itself, and the wait is bounded here.
	opened := make(chan error, 1)
	go func() { opened <- chromedp.Do(ctx) }()
	select {
	case err := <-opened:
		if err != nil {
			t.Fatalf("open a tab: %v", err)
		}
	case <-time.After(admintest.StepTimeout):
		t.Fatal("open a tab: no answer")
	}
	setup, done := context.WithTimeout(ctx, admintest.StepTimeout)
	defer done()
	if _, err := chromedp.Call(setup, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("enable WebAuthn: %v", err)
	}
	res, err := chromedp.Call(setup, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		t.Fatalf("add a virtual authenticator: %v", err)
	}
	return b, res.AuthenticatorID
}

// TestBrowserPasskey registers a passkey from the account page in a real
// Chromium with a virtual authenticator, signs out, and signs in again
// with the passkey alone; then an owner enrols a passkey at the first
// sign-in and uses it as the second factor after the password.
func TestBrowserPasskey(t *testing.T) {
	start := time.Now()
	h := newHarness(t, storetest.SQLite(t), func(o *admin.Options) { o.WebAuthnRPID = "localhost" })
	analyst := h.AddUser("analyst@example.jp", account.Analyst)
	owner := h.AddUser("owner@example.jp", account.Owner)
	b, authenticator := passkeyTab(t, h)
	t.Cleanup(func() { t.Logf("browser test ran for %v", time.Since(start).Round(time.Millisecond)) })

	b.Open("/admin/login", http.StatusOK)
	b.Load("sign in with the password", http.StatusOK, "/admin/",
		chromedp.SendKeys(chromedp.ID("email"), analyst.Email),
		chromedp.SendKeys(chromedp.ID("password"), admintest.Password),
		admintest.Submit("/admin/login"))

	const add = "/admin/account/passkeys/begin"
	b.Open("/admin/account", http.StatusOK)
	if hidden := admintest.Value(b, "add form", chromedp.Evaluate[bool](`document.querySelector('form[action="`+add+`"]').hidden`)); hidden {
		b.Fatalf("the passkey form is still hidden: the script did not run")
	}
	b.Load("add a passkey", http.StatusOK, "/admin/account",
		chromedp.SendKeys(chromedp.ID("passkey-name"), "Virtual key"),
		chromedp.SendKeys(chromedp.ID("passkey-password"), admintest.Password),
		admintest.Submit(add))
	if got := admintest.Value(b, "passkey list", chromedp.Text(chromedp.CSS("section[aria-labelledby=h-passkeys] table"))); !strings.Contains(got, "Virtual key") {
		b.Fatalf("the account page lists %q, want the new passkey", got)
	}
	creds, err := chromedp.Call(b.Ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: authenticator})
	if err != nil || len(creds.Credentials) != 1 || !creds.Credentials[0].IsResidentCredential || creds.Credentials[0].RpID != "localhost" {
		t.Fatalf("the authenticator holds %+v (%v), want one discoverable credential for localhost", creds.Credentials, err)
	}

	b.Load("sign out", http.StatusOK, "/admin/login", admintest.Submit("/admin/logout"))
	b.Load("sign in with the passkey", http.StatusOK, "/admin/", admintest.Submit("/admin/login/passkey/begin"))
	showsSignedIn(b, analyst.Email)
	if !auditHas(h, "login", audit.OK, map[string]string{"method": "passkey", "passkey": "Virtual key"}) {
		t.Error("the passwordless sign-in is not in the audit trail")
	}

	// An owner's first sign-in registers a passkey instead of an app, and
	// the next one asks for it after the password.
	b.Load("sign out", http.StatusOK, "/admin/login", admintest.Submit("/admin/logout"))
	b.Load("owner's password", http.StatusOK, "/admin/login/enrol",
		chromedp.SendKeys(chromedp.ID("email"), owner.Email),
		chromedp.SendKeys(chromedp.ID("password"), admintest.Password),
		admintest.Submit("/admin/login"))
	b.Load("register a passkey at enrolment", http.StatusOK, "/admin/",
		chromedp.SendKeys(chromedp.ID("passkey-name"), "Owner's key"),
		admintest.Submit("/admin/login/passkey/enrol/begin"))
	showsSignedIn(b, owner.Email)
	b.Load("sign out", http.StatusOK, "/admin/login", admintest.Submit("/admin/logout"))
	b.Load("owner's password again", http.StatusOK, "/admin/login/verify",
		chromedp.SendKeys(chromedp.ID("email"), owner.Email),
		chromedp.SendKeys(chromedp.ID("password"), admintest.Password),
		admintest.Submit("/admin/login"))
	b.Load("passkey as the second factor", http.StatusOK, "/admin/", admintest.Submit("/admin/login/passkey/verify/begin"))
	showsSignedIn(b, owner.Email)
	if !auditHas(h, "login", audit.OK, map[string]string{"method": "password+passkey", "passkey": "Owner's key"}) {
		t.Error("the second-factor sign-in is not in the audit trail")
	}
}

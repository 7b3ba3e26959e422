package main

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
)

// fleetNodeHeader names, in each answer of a fleet's proxy, the instance
// that served it; in a request, it makes the proxy send it to that
// instance instead of the next in turn.
const fleetNodeHeader = "X-Test-Fleet-Node"

// fleetSite is the site the fleet counts.
const fleetSite = "demo.localhost"

// fleet is several noren serve processes as a site runs them behind a
// load balancer: each with a data folder of its own, all on one
// PostgreSQL database and one ClickHouse database, with the same vault
// keys, manifest and configuration, behind a reverse proxy that sends
// each request to the next instance in turn. The proxy passes the
// client's address in X-Forwarded-For, as the instances' trusted_proxies
// allow.
type fleet struct {
	dsn        string // PostgreSQL
	clickhouse string
	keyFile    string
	smtpAddr   string
	nodes      []*fleetNode
	proxy      *httptest.Server
	turn       atomic.Uint64
}

// fleetNode is one instance of a fleet.
type fleetNode struct {
	name  string
	dir   string
	proc  atomic.Pointer[process]
	up    atomic.Bool
	proxy *httputil.ReverseProxy
}

// newFleet starts n instances, one after the other so that the first
// alone brings the database's schema up to date, and the proxy in front
// of them. dsn and clickhouse name their databases; the SMTP server at
// smtpAddr receives their mail.
func newFleet(t *testing.T, n int, dsn, clickhouse, smtpAddr string) *fleet {
	t.Helper()
	f := &fleet{dsn: dsn, clickhouse: clickhouse, keyFile: filepath.Join(t.TempDir(), "vault.keys"), smtpAddr: smtpAddr}
	if code, _, stderr := runNoren("keys", "generate", f.keyFile); code != 0 {
		t.Fatalf("keys generate: %s", stderr)
	}
	for i := range n {
		node := &fleetNode{name: strconv.Itoa(i), dir: t.TempDir()}
		node.proxy = &httputil.ReverseProxy{
			Rewrite:  node.rewrite,
			ErrorLog: log.New(io.Discard, "", 0),
			ModifyResponse: func(r *http.Response) error {
				r.Header.Set(fleetNodeHeader, node.name)
				return nil
			},
		}
		f.start(t, node)
		f.nodes = append(f.nodes, node)
	}
	f.proxy = httptest.NewServer(http.HandlerFunc(f.route))
	t.Cleanup(f.proxy.Close)
	return f
}

// env is the configuration every instance shares, beyond the flags of
// fleetNode.start.
func (f *fleet) env() []string {
	host, port, _ := strings.Cut(f.smtpAddr, ":")
	return []string{
		"NOREN_DATABASE=" + f.dsn,
		"NOREN_SITE_DOMAIN=" + fleetSite,
		"NOREN_ANALYTICS_BACKEND=clickhouse",
		"NOREN_ANALYTICS_CLICKHOUSE_URL=" + f.clickhouse,
		"NOREN_ANALYTICS_RATE_LIMIT=0",
		"NOREN_ADMIN_LOCKOUT_THRESHOLD=" + strconv.Itoa(fleetLockout),
		"NOREN_SMTP_HOST=" + host,
		"NOREN_SMTP_PORT=" + port,
		"NOREN_SMTP_TLS=none",
		"NOREN_SMTP_FROM=noren@example.jp",
		"NOREN_LOG_LEVEL=warn",
	}
}

// start runs the instance n on its data folder, on a new port, and puts
// it in the rotation.
func (f *fleet) start(t *testing.T, n *fleetNode) {
	t.Helper()
	p := startWith(t, f.env(), "serve", "--listen", "127.0.0.1:0", "--data", n.dir,
		"--manifest", "../../web/demo/manifest.yaml", "--site-root", "../../web/demo/site",
		"--trusted-proxies", "127.0.0.0/8", "--vault-key-file", f.keyFile)
	n.proc.Store(p)
	n.up.Store(true)
}

// rewrite sends a request on to the instance, keeping the Host the client
// asked for and adding the client's address to X-Forwarded-For.
func (n *fleetNode) rewrite(pr *httputil.ProxyRequest) {
	u, _ := url.Parse(n.proc.Load().url)
	pr.SetURL(u)
	pr.Out.Host = pr.In.Host
	if v := pr.In.Header["X-Forwarded-For"]; len(v) > 0 {
		pr.Out.Header["X-Forwarded-For"] = v
	}
	pr.SetXForwarded()
}

// kill ends the instance with SIGKILL, then takes it out of the rotation,
// as a load balancer does once its probe fails: requests in flight to it
// fail.
func (n *fleetNode) kill(t *testing.T) {
	t.Helper()
	stop(t, n.proc.Load(), syscall.SIGKILL)
	n.up.Store(false)
}

// route sends r to the instance it names, or else to the next instance
// that is up.
func (f *fleet) route(w http.ResponseWriter, r *http.Request) {
	if name := r.Header.Get(fleetNodeHeader); name != "" {
		i, err := strconv.Atoi(name)
		if err != nil || i < 0 || i >= len(f.nodes) {
			http.Error(w, "no such instance", http.StatusBadRequest)
			return
		}
		f.nodes[i].proxy.ServeHTTP(w, r)
		return
	}
	for range f.nodes {
		n := f.nodes[f.turn.Add(1)%uint64(len(f.nodes))]
		if n.up.Load() {
			n.proxy.ServeHTTP(w, r)
			return
		}
	}
	http.Error(w, "no instance is up", http.StatusBadGateway)
}

// fleetClient follows no redirects, so that a test sees each answer.
func fleetClient() *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// do sends a request with the client address addr (given to the proxy in
// X-Forwarded-For) and returns the answer, its body read, and the
// instance that served it.
func do(t *testing.T, c *http.Client, method, target, addr string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, target, err)
	}
	return resp, string(b)
}

// count runs a query of one number on the fleet's PostgreSQL database.
func (f *fleet) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// eventually retries check every 100 ms until it reports nil or timeout
// has passed, and returns its last error.
func eventually(timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

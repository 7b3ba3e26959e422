package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the noren executable the acceptance tests run, built once.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "noren-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "noren")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build noren:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// process is a running noren command.
type process struct {
	cmd    *exec.Cmd
	url    string // the URL it printed, with 127.0.0.1 as the host
	mu     sync.Mutex
	output bytes.Buffer
	done   chan error
}

func (p *process) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

type lockedWriter struct{ p *process }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.output.Write(b)
}

var servingLine = regexp.MustCompile(`Noren is serving (https?)://[^:/]+:(\d+)/`)

// start runs noren with args and waits for it to print the URL it serves.
func start(t *testing.T, args ...string) *process {
	t.Helper()
	return startWith(t, nil, args...)
}

// startWith is start with further environment variables.
func startWith(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	return startIn(t, "", env, args...)
}

// startIn is startWith in the working directory dir ("" for the test's).
func startIn(t *testing.T, dir string, env []string, args ...string) *process {
	t.Helper()
	p := &process{done: make(chan error, 1)}
	p.cmd = exec.Command(binary, args...)
	p.cmd.Dir = dir
	// No load balancer waits on the tests' servers: they stop at once.
	p.cmd.Env = append(append(os.Environ(), "NOREN_CONFIG=", "NOREN_HTTP_DRAIN_DELAY=0s"), env...)
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = lockedWriter{p}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			lockedWriter{p}.Write([]byte(line + "\n"))
			if m := servingLine.FindStringSubmatch(line); m != nil {
				found <- m[1] + "://127.0.0.1:" + m[2]
			}
		}
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("noren output:\n%s", p.Output())
		}
	})
	select {
	case p.url = <-found:
	case err := <-p.done:
		t.Fatalf("noren %v exited before serving: %v\n%s", args, err, p.Output())
	case <-time.After(60 * time.Second):
		t.Fatalf("noren %v did not report its address\n%s", args, p.Output())
	}
	return p
}

func get(t *testing.T, client *http.Client, url string) (*http.Response, string) {
	t.Helper()
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp, string(body)
}

// TestDemoServesSiteAndPolicies is the acceptance check of the demo: the
// site and the generated policies in both languages, stating the manifest's
// purposes in the page's language.
func TestDemoServesSiteAndPolicies(t *testing.T) {
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	tests := []struct {
		path string
		want []string
	}{
		{"/en/", []string{"Minato Bay City"}},
		{"/ja/", []string{"みなとベイ市"}},
		{"/en/privacy", []string{"Name, email address: for contact", `lang="en"`}},
		{"/ja/privacy", []string{"氏名、メールアドレス：ご連絡のため", `lang="ja"`}},
		{"/en/cookies", []string{"Noren"}},
		{"/ja/cookies", []string{"Noren"}},
		{"/en/privacy/history", []string{"2026.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, nil, p.url+tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
	t.Run("English privacy page does not carry the Japanese purpose", func(t *testing.T) {
		_, body := get(t, nil, p.url+"/en/privacy")
		if strings.Contains(body, "氏名、メールアドレス：ご連絡のため") {
			t.Error("English page shows the Japanese purpose text")
		}
	})
	t.Run("root redirects by Accept-Language", func(t *testing.T) {
		for lang, want := range map[string]string{"ja-JP,ja;q=0.9": "/ja/", "en-US,en;q=0.8": "/en/"} {
			req, _ := http.NewRequest("GET", p.url+"/", nil)
			req.Header.Set("Accept-Language", lang)
			resp, err := (&http.Transport{}).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || loc != want {
				t.Errorf("Accept-Language %s: %d %q, want redirect to %s", lang, resp.StatusCode, loc, want)
			}
		}
	})
	t.Run("injected footer links and head snippet", func(t *testing.T) {
		_, body := get(t, nil, p.url+"/en/")
		for _, w := range []string{`href="/en/privacy"`, `href="/en/cookies"`, `rel="privacy-policy"`} {
			if !strings.Contains(body, w) {
				t.Errorf("page lacks %s", w)
			}
		}
	})
	t.Run("healthz", func(t *testing.T) {
		resp, _ := get(t, nil, p.url+"/healthz")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("healthz status %d", resp.StatusCode)
		}
	})
	t.Run("metrics", func(t *testing.T) {
		resp, body := get(t, nil, p.url+"/metrics")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "go_goroutines") {
			t.Errorf("metrics status %d", resp.StatusCode)
		}
		if !strings.Contains(body, `noren_job_failures_total{job="console-housekeeping"} 0`) {
			t.Error("metrics lack the jobs' failures")
		}
	})
}

// TestSecurityHeaders checks the headers every response carries, and the
// nonce-based CSP of HTML responses.
func TestSecurityHeaders(t *testing.T) {
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	nonce := regexp.MustCompile(`script-src [^;]*'nonce-([A-Za-z0-9+/=_-]{16,})'`)
	seen := map[string]bool{}
	for _, path := range []string{"/en/", "/ja/privacy", "/en/cookies", "/assets/site.css", "/noren/noren.css", "/en/no-such-page", "/healthz"} {
		resp, _ := get(t, nil, p.url+path)
		h := resp.Header
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "strict-origin-when-cross-origin",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", path, name, got, want)
			}
		}
		if h.Get("Permissions-Policy") == "" {
			t.Errorf("%s: no Permissions-Policy", path)
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors") {
			t.Errorf("%s: CSP without frame-ancestors: %q", path, csp)
		}
		if strings.Contains(csp, "unsafe-inline") && strings.Contains(strings.SplitN(strings.SplitN(csp, "script-src", 2)[1], ";", 2)[0], "unsafe-inline") {
			t.Errorf("%s: script-src allows unsafe-inline: %q", path, csp)
		}
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			m := nonce.FindStringSubmatch(csp)
			if m == nil {
				t.Errorf("%s: HTML response without a nonce CSP: %q", path, csp)
				continue
			}
			if seen[m[1]] {
				t.Errorf("%s: nonce %q reused", path, m[1])
			}
			seen[m[1]] = true
		}
	}
}

// TestCheckReportsAllProblems runs noren check on a manifest with an
// undefined purpose, a cookie without category and a missing translation.
func TestCheckReportsAllProblems(t *testing.T) {
	var out, errOut bytes.Buffer
	env := &environment{stdout: &out, stderr: &errOut}
	code := run(context.Background(), env, []string{"check", "../../internal/manifest/testdata/bad.yaml"})
	if code == 0 {
		t.Fatal("check exited 0 for a bad manifest")
	}
	for _, want := range []string{
		`purposes[0].description: missing translation`,
		`collection_points[0].fields[0].purpose: undefined purpose "newsletter"`,
		`tools[0].cookies[0].category: required`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := run(context.Background(), env, []string{"check", "../../web/demo/manifest.yaml"}); code != 0 {
		t.Errorf("check of the demo manifest exited %d: %s", code, out.String())
	}
}

// TestServeRefusesInvalidManifest checks that serve does not start with a
// manifest that does not validate, and says why.
func TestServeRefusesInvalidManifest(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data", dir, "--site-root", dir,
		"--manifest", "../../internal/manifest/testdata/bad.yaml")
	cmd.Env = append(os.Environ(), "NOREN_CONFIG=")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("serve started with an invalid manifest:\n%s", out)
	}
	if !strings.Contains(string(out), `undefined purpose "newsletter"`) {
		t.Errorf("serve did not list the manifest's problems:\n%s", out)
	}
}

// TestTLS checks that a TLS 1.1 client is refused and a TLS 1.2 client is
// served.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--tls-cert", cert, "--tls-key", key)
	if !strings.HasPrefix(p.url, "https://") {
		t.Fatalf("served %s, want https", p.url)
	}
	client := func(max uint16) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
			InsecureSkipVerify: true, // the test's own self-signed certificate
			MinVersion:         tls.VersionTLS10,
			MaxVersion:         max,
		}}}
	}
	if _, err := client(tls.VersionTLS11).Get(p.url + "/en/"); err == nil {
		t.Error("a TLS 1.1 client was served")
	}
	resp, err := client(tls.VersionTLS12).Get(p.url + "/en/")
	if err != nil {
		t.Fatalf("TLS 1.2 client: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS.Version != tls.VersionTLS12 {
		t.Errorf("TLS 1.2 client: status %d, version %x", resp.StatusCode, resp.TLS.Version)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over TLS")
	}
}

// TestManifestChangeAddsHistoryVersion edits the manifest of a running
// server and checks that the history gains a version with a diff.
func TestManifestChangeAddsHistoryVersion(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "manifest.yaml")
	orig, err := os.ReadFile("../../web/demo/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--manifest", path)
	_, before := get(t, nil, p.url+"/en/privacy/history")

	edited := strings.Replace(string(orig), `version: "2026.1"`, `version: "2026.2"`, 1)
	edited = strings.Replace(edited, "Logs record only the leading part of IP addresses;", "Logs record only the leading part of IP addresses, and are pruned daily;", 1)
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	var after string
	for range 100 {
		_, after = get(t, nil, p.url+"/en/privacy/history")
		if strings.Contains(after, "2026.2") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if strings.Contains(before, "2026.2") || !strings.Contains(after, "2026.2") || !strings.Contains(after, "2026.1") {
		t.Fatalf("history does not list both versions after the change")
	}
	if !strings.Contains(after, "are pruned daily") {
		t.Error("history does not show the changed text in a diff")
	}
	_, privacy := get(t, nil, p.url+"/en/privacy")
	if !strings.Contains(privacy, "2026.2") {
		t.Error("the privacy page does not show the new version")
	}
}

// TestGracefulShutdown checks that SIGTERM ends the server cleanly.
func TestGracefulShutdown(t *testing.T) {
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
		p.done <- err
	case <-time.After(15 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}

func TestHelp(t *testing.T) {
	for _, name := range []string{"demo", "serve", "check", "policy", "migrate", "init", "version"} {
		var out bytes.Buffer
		env := &environment{stdout: &out, stderr: &out}
		if code := run(context.Background(), env, []string{name, "-h"}); code != 0 {
			t.Errorf("%s -h exited %d", name, code)
		}
		if !strings.Contains(out.String(), "Usage: noren "+name) {
			t.Errorf("%s -h printed no usage:\n%s", name, out.String())
		}
	}
	var out bytes.Buffer
	if code := run(context.Background(), &environment{stdout: &out, stderr: &out}, []string{"help"}); code != 0 || !strings.Contains(out.String(), "migrate") {
		t.Errorf("help: %d %s", code, out.String())
	}
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "noren test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"demo.localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

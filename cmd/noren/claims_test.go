package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/manifest"
)

// demoConfig is a noren.yaml the demo manifest holds true of, as noren
// demo configures itself: plain HTTP on loopback, which the manifest
// states as its exception, the demo's domain for the analytics and the
// access log in files.
const demoConfig = "listen: 127.0.0.1:8080\nsite:\n  domain: demo.localhost\nlog:\n  access_file: logs/access.log\n"

// writeConfig writes a noren.yaml of body naming the manifest at
// manifestPath into a folder of its own, and returns its path.
func writeConfig(t *testing.T, manifestPath, body string) string {
	t.Helper()
	abs, err := filepath.Abs(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "noren.yaml")
	if err := os.WriteFile(path, []byte("manifest: "+abs+"\n"+body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// claimAt is where the manifest at path writes the claim at field, as
// the check prints it.
func claimAt(t *testing.T, path, field string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(abs)
	if err != nil {
		t.Fatal(err)
	}
	return m.Position(field) + ": " + field + ": "
}

func TestCheckClaims(t *testing.T) {
	const demo = "../../web/demo/manifest.yaml"
	fixture := filepath.Join(checkFixture, "manifest.yaml")
	tests := []struct {
		name     string
		manifest string
		config   string
		code     int
		stdout   []string
		stderr   []string
	}{
		{
			name: "a TLS claim the configuration contradicts", manifest: fixture, config: "listen: 127.0.0.1:8080\n", code: 1,
			stdout: []string{claimAt(t, fixture, "security.tls_min_version") + "the policy says traffic is encrypted with TLS 1.2 or later, but Noren serves plain HTTP on 127.0.0.1:8080"},
			stderr: []string{"1 claim(s) of the manifest the configuration makes false"},
		},
		{
			name: "the TLS exception beyond loopback", manifest: demo, config: strings.Replace(demoConfig, "127.0.0.1:8080", ":8080", 1), code: 1,
			stdout: []string{claimAt(t, demo, "security.tls_exception") + "allows plain HTTP on loopback only"},
		},
		{
			name: "TLS offloaded to a proxy", manifest: fixture, config: "tls:\n  offloaded: true\n", code: 0,
			stderr: []string{claimAt(t, fixture, "security.tls_min_version") + "warning: tls.offloaded"},
		},
		{
			name: "analytics retention longer than declared", manifest: demo, config: demoConfig + "analytics:\n  raw_retention: 9000h\n", code: 1,
			stdout: []string{claimAt(t, demo, "automatic_collection[1].retention") +
				"states that analytics events are kept for 365d, but analytics.raw_retention keeps them for 9000h (375 days)"},
		},
		{
			name: "the demo passes", manifest: demo, config: demoConfig, code: 0,
			stderr: []string{claimAt(t, demo, "security.tls_exception") + "warning: in force: Noren serves plain HTTP on 127.0.0.1:8080"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runNoren("check", "--config", writeConfig(t, tt.manifest, tt.config))
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("standard error lacks %q:\n%s", want, errOut)
				}
			}
			if tt.code == 0 && strings.Contains(out+errOut, "makes false") {
				t.Errorf("a passing check reports a false claim:\n%s%s", out, errOut)
			}
		})
	}
}

// TestServeRefusesFalseClaims checks that serve does not start with a
// manifest whose claim the configuration makes false, and names the
// claim's line.
func TestServeRefusesFalseClaims(t *testing.T) {
	fixture := filepath.Join(checkFixture, "manifest.yaml")
	root := t.TempDir()
	config := writeConfig(t, fixture, "listen: 127.0.0.1:0\ndata_dir: "+filepath.Join(root, "data")+"\nsite:\n  root: "+root+"\n")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code, out, errOut := runNorenContext(ctx, "serve", "--config", config)
	if code == 0 || strings.Contains(out, "Noren is serving") {
		t.Fatalf("serve started: exit %d\n%s%s", code, out, errOut)
	}
	want := claimAt(t, fixture, "security.tls_min_version") + "the policy says traffic is encrypted"
	if !strings.Contains(errOut, "refusing to start") || !strings.Contains(errOut, want) {
		t.Errorf("serve does not name the claim, %q:\n%s", want, errOut)
	}
	if _, err := os.Stat(filepath.Join(root, "data")); err == nil {
		t.Error("serve created its data folder before it refused")
	}
}

// TestDemoKeepsItsClaims checks the demo against its own manifest: it
// starts with the loopback exception in force, writes its access log to
// the daily files its manifest's retention applies to, and refuses a
// changed manifest that drops the exception, keeping the one in force.
func TestDemoKeepsItsClaims(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "manifest.yaml")
	orig, err := os.ReadFile("../../web/demo/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0", "--manifest", path)
	get(t, nil, p.url+"/en/privacy")

	out := p.Output()
	if !strings.Contains(out, "path=security.tls_exception") || strings.Count(out, "msg=\"manifest claim\"") != 1 {
		t.Errorf("the demo's start does not log the exception in force, and it alone:\n%s", out)
	}
	if strings.Contains(out, "path=/en/privacy") {
		t.Errorf("requests are logged with the other logs:\n%s", out)
	}
	var logged string
	for range 50 {
		files, _ := filepath.Glob(filepath.Join(dir, "logs", "access-*.log"))
		if len(files) == 1 {
			data, _ := os.ReadFile(files[0])
			if logged = string(data); strings.Contains(logged, "path=/en/privacy") {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(logged, "path=/en/privacy") || !regexp.MustCompile(`client=127\.0\.0\.0/24`).MatchString(logged) {
		t.Errorf("the access log's file lacks the request, masked:\n%s", logged)
	}

	plain := regexp.MustCompile(`(?m)^  tls_exception:\n(    .*\n)+`).ReplaceAllString(string(orig), "")
	plain = strings.Replace(plain, `version: "2026.1"`, `version: "2026.9"`, 1)
	if plain == string(orig) || strings.Contains(plain, "tls_exception:") {
		t.Fatal("the demo manifest no longer states its exception as expected")
	}
	if err := os.WriteFile(path, []byte(plain), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if strings.Contains(p.Output(), "manifest reload refused") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out := p.Output(); !strings.Contains(out, "manifest reload refused") || !strings.Contains(out, "security.tls_min_version: the policy says traffic is encrypted") {
		t.Errorf("the reload is not refused with the claim:\n%s", out)
	}
	if _, body := get(t, nil, p.url+"/en/privacy"); strings.Contains(body, "2026.9") {
		t.Error("the refused manifest is in force")
	}
}

// runNorenContext is runNoren under ctx, for a command that might serve.
func runNorenContext(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(ctx, &environment{stdout: &out, stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

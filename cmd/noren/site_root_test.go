package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeRefusesBadSite runs noren serve with a site it cannot serve: it
// must exit non-zero, naming the folder or URL and the reason, rather than
// start healthy and answer 404 to everything.
func TestServeRefusesBadSite(t *testing.T) {
	// The process may run as another user (see below), so everything it
	// touches lives in a folder anyone may enter.
	dir := openFolder(t)
	bin := filepath.Join(dir, "noren")
	copyFile(t, binary, bin, 0o755)
	manifestPath := filepath.Join(dir, "manifest.yaml")
	copyFile(t, "../../web/demo/manifest.yaml", manifestPath, 0o644)
	site := filepath.Join(dir, "mysite")
	if err := os.Mkdir(site, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(site, "index.html")
	if err := os.WriteFile(file, []byte("<p>hello</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(site, "locked")
	if err := os.Mkdir(locked, 0o000); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(site, "noren.yaml")
	if err := os.WriteFile(config, []byte("manifest: ../manifest.yaml\nsite:\n  root: ./public\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"missing folder", []string{"--site-root", filepath.Join(dir, "nowhere")}, []string{"site.root: the folder " + filepath.Join(dir, "nowhere"), "does not exist"}},
		{"missing folder beside the configuration file", []string{"--config", config}, []string{"site.root: the folder " + filepath.Join(site, "public"), "does not exist"}},
		{"a file", []string{"--site-root", file}, []string{"site.root: " + file + " is a file, not a folder"}},
		{"unreadable folder", []string{"--site-root", locked}, []string{"site.root: the folder " + locked + " cannot be read: permission denied"}},
		{"upstream without scheme", []string{"--upstream", "localhost:3000"}, []string{`site.upstream: "localhost:3000": want an http:// or https:// URL`}},
		{"upstream of another scheme", []string{"--upstream", "ftp://files.example.jp"}, []string{`site.upstream: "ftp://files.example.jp": want an http:// or https:// URL`}},
		{"upstream without host", []string{"--upstream", "http://:3000"}, []string{`site.upstream: "http://:3000": no host`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--manifest", manifestPath}, tt.args...)
			// Should serve start after all, it is stopped after a while
			// and the output below shows it serving.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Env = append(os.Environ(), "NOREN_CONFIG=")
			if os.Geteuid() == 0 {
				// Permissions do not stop root: the unreadable folder is
				// only unreadable to an ordinary user.
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			}
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("serve started:\n%s", out)
			}
			if strings.Contains(string(out), "Noren is serving") {
				t.Errorf("serve began serving before it refused:\n%s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("the refusal does not say %q:\n%s", w, out)
				}
			}
		})
	}
}

// openFolder is a fresh folder that every user may enter and read.
func openFolder(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "noren-site-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The locked folder inside must be opened to be removed.
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if d != nil && d.IsDir() {
				os.Chmod(path, 0o755)
			}
			return nil
		})
		os.RemoveAll(dir)
	})
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

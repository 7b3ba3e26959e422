package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/manifest"
)

func TestHostOverlap(t *testing.T) {
	tests := []struct {
		a, b string
		want string
		ok   bool
	}{
		{"www.google.com", "www.google.com", "www.google.com", true},
		{"www.google.com", "maps.google.com", "", false},
		{"*.google.com", "www.google.com", "www.google.com", true},
		{"www.google.com", "*.google.com", "www.google.com", true},
		{"*.google.com", "google.com", "", false},
		{"*.ytimg.com", "*.ytimg.com", "*.ytimg.com", true},
		{"*.i.ytimg.com", "*.ytimg.com", "*.i.ytimg.com", true},
		{"*.ytimg.com", "*.i.ytimg.com", "*.i.ytimg.com", true},
		{"*.xytimg.com", "*.ytimg.com", "", false},
		{"*.example.com", "*.example.org", "", false},
	}
	for _, tt := range tests {
		got, ok := hostOverlap(tt.a, tt.b)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("hostOverlap(%q, %q) = %q, %v; want %q, %v", tt.a, tt.b, got, ok, tt.want, tt.ok)
		}
	}
}

// writeCheckManifest writes the check fixture's manifest with tools added
// after its last tool, and returns its path.
func writeCheckManifest(t *testing.T, tools string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(checkFixture, "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const last = "  - use: google-analytics\n"
	if !strings.Contains(string(data), last) {
		t.Fatalf("the fixture manifest lacks %q", last)
	}
	path := filepath.Join(t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), last, last+tools, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSharedHosts(t *testing.T) {
	tests := []struct {
		name  string
		tools string
		want  []string // open tool, gated tool, host
	}{
		{
			name:  "reCAPTCHA lets Maps and Custom Search through on www.google.com",
			tools: "  - use: recaptcha\n  - use: google-maps\n  - use: google-cse\n",
			want:  []string{"recaptcha google-maps www.google.com", "recaptcha google-cse www.google.com"},
		},
		{
			name:  "reCAPTCHA that waits for consent shares nothing",
			tools: "  - use: recaptcha\n    category: embeds\n  - use: google-maps\n",
		},
		{
			name:  "a first-party tool under a wildcard",
			tools: "  - use: google-fonts\n    id: own-fonts\n    party: first\n    hosts: [\"*.gstatic.com\"]\n  - use: google-maps\n",
			want:  []string{"own-fonts google-maps maps.gstatic.com"},
		},
		{
			name:  "tools that all wait for consent share freely",
			tools: "  - use: google-tag-manager\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := manifest.Load(writeCheckManifest(t, tt.tools))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range sharedHosts(m) {
				got = append(got, s.open.ID+" "+s.gated.ID+" "+s.host)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("shared hosts:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestCheckWarnsOfSharedHost checks that the check warns of a shared host,
// naming both tools, the host and what to do, and still passes.
func TestCheckWarnsOfSharedHost(t *testing.T) {
	path := writeCheckManifest(t, "  - use: recaptcha\n  - use: google-maps\n")
	for _, args := range [][]string{{"check", path}, {"check", "-q", path}} {
		code, out, errOut := runNoren(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d, want 0\n%s%s", args, code, out, errOut)
		}
		for _, w := range []string{
			path + `: warning: tools "recaptcha" (in the required category "necessary", never held back) and "google-maps" (waits for consent) share the host www.google.com`,
			`what "google-maps" loads from it is not held back until consent`,
			`give "recaptcha" a category that waits for consent`,
		} {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: standard error lacks %q:\n%s", args, w, errOut)
			}
		}
	}
	code, out, errOut := runNoren("check", filepath.Join(checkFixture, "manifest.yaml"))
	if code != 0 || strings.Contains(errOut, "warning") {
		t.Errorf("fixture without a shared host: exit %d\n%s%s", code, out, errOut)
	}
}

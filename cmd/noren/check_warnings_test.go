package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckWarnsOfWording checks that the check prints the manifest's
// warnings with their lines on standard error, even with -q, and still
// passes.
func TestCheckWarnsOfWording(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(checkFixture, "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const measure = "{ja: 通信を暗号化します。, en: Traffic is encrypted.}"
	if !strings.Contains(string(data), measure) {
		t.Fatalf("the fixture manifest lacks %q", measure)
	}
	doc := strings.Replace(string(data), measure, "{ja: ブラウザとサーバーの通信を暗号化します。, en: Traffic is encrypted.}", 1)
	doc = strings.Replace(doc, "  effective: 2026-04-01\n", "  effective: 2026-04-01\n  basis: {ja: 電気通信事業法, en: the Telecommunications Business Act}\n", 1)
	path := filepath.Join(t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check", path}, {"check", "-q", path}} {
		code, out, errOut := runNoren(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d, want 0\n%s%s", args, code, out, errOut)
		}
		for _, w := range []string{
			path + ":23: security.measures[0].ja: warning: 「ブラウザ」: write 「ブラウザー」",
			path + ":17: policy.basis.ja: warning: the Telecommunications Business Act is not a basis for handling personal information",
			path + ":17: policy.basis.en: warning:",
		} {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: standard error lacks %q:\n%s", args, w, errOut)
			}
		}
	}
}

package policy

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/web"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// demoManifest is the manifest of the bundled demo site.
func demoManifest(t testing.TB) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse("demo manifest", web.DemoManifest)
	if err != nil {
		t.Fatalf("demo manifest: %v", err)
	}
	return m
}

// fullManifest is testdata/full.yaml, which uses every part of the
// generator.
func fullManifest(t testing.TB) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatalf("full manifest: %v", err)
	}
	return m
}

// minimalYAML is the smallest valid manifest: one language, nothing
// collected, no tools and no cookies.
const minimalYAML = `schema: 1
languages: [ja]
site:
  name: {ja: 最小のサイト}
operator:
  name: {ja: 最小市}
  section: {ja: 広報課}
  email: koho@example.jp
policy:
  version: "1"
  effective: 2026-01-01
security:
  measures:
    - {ja: 通信を暗号化します。}
copyright:
  statement: {ja: 著作権は最小市に帰属します。}
`

func parseManifest(t testing.TB, name, yaml string) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse(name, []byte(yaml))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// demoVariant is the demo manifest with one more purpose and a later
// version label: a second version of the same policy.
func demoVariant(t testing.TB) *manifest.Manifest {
	t.Helper()
	src := string(web.DemoManifest)
	src = strings.Replace(src, `version: "2026.1"`, `version: "2026.2"`, 1)
	src = strings.Replace(src, "\ncollection_points:", `
  - id: newsletter
    name: {ja: メールマガジンの配信, en: Sending the newsletter}
    description:
      ja: メールアドレス：メールマガジンを配信するため
      en: "Email address: to send the newsletter"
    data: [email]

collection_points:`, 1)
	m := parseManifest(t, "demo variant", src)
	if m.Hash() == demoManifest(t).Hash() {
		t.Fatal("the variant has the demo's hash")
	}
	return m
}

// renderString renders one document with Render.
func renderString(t testing.TB, m *manifest.Manifest, lang string, doc Document, format Format) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, m, lang, doc, format); err != nil {
		t.Fatalf("Render(%s, %s, %s): %v", lang, doc, format, err)
	}
	return b.String()
}

// checkGolden compares got with testdata/golden/name, or rewrites the file
// under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./internal/policy -update and review the diff\n%s",
			name, firstDifference(want, got))
	}
}

// firstDifference shows the first line where two texts differ.
func firstDifference(want, got []byte) string {
	wl := strings.Split(string(want), "\n")
	gl := strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant: %s\n got: %s", i+1, w, g)
		}
	}
	return ""
}

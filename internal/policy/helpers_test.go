package policy

import (
	"bytes"
	"github.com/noren-web/noren/internal/goldentest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/web"
)

// testChrome is the chrome of the embedded templates.
func testChrome(t testing.TB) *page.Chrome {
	t.Helper()
	c, err := page.NewChrome(web.Templates)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testRenderer renders in the chrome of the embedded templates.
func testRenderer(t testing.TB) *renderer {
	t.Helper()
	r, err := newRenderer(testChrome(t))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newHandler is NewHandler with the chrome of the embedded templates.
func newHandler(t testing.TB, opts Options) *Handler {
	t.Helper()
	opts.Chrome = testChrome(t)
	h, err := NewHandler(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

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
  regime: local_government
  ordinance: {name: {ja: 最小市個人情報の保護に関する法律施行条例}}
policy:
  version: "1"
  effective: 2026-01-01
security:
  measures:
    - {ja: 通信を暗号化します。}
requests:
  fee: {ja: 開示請求の手数料は無料です。}
  identity: {ja: 本人確認書類の提示又はその写しの提出により確認します。}
  file_register: https://www.example.jp/kojinjoho/file-register/
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
	goldentest.Check(t, filepath.Join("testdata", "golden", name), got)
}

package manifest_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/noren-web/noren/internal/goldentest"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/policy"
)

// TestUsePolicyGolden renders the policies of a manifest whose tools come
// from the catalogue, so that a change of the catalogue's texts shows in
// review as the policy visitors read.
func TestUsePolicyGolden(t *testing.T) {
	m, err := manifest.Load(filepath.Join("testdata", "use.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []policy.Document{policy.Privacy, policy.Cookies} {
		for _, lang := range m.Languages {
			name := "use-" + string(doc) + "." + lang + ".md"
			t.Run(name, func(t *testing.T) {
				var b bytes.Buffer
				if err := policy.Render(&b, m, lang, doc, policy.Markdown); err != nil {
					t.Fatal(err)
				}
				goldentest.Check(t, filepath.Join("testdata", "golden", name), b.Bytes())
			})
		}
	}
}

package results

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/noren-web/noren/internal/goldentest"
)

// TestPageGolden keeps the rendered search page, in both languages, with
// results, without, and as the empty form, in golden files for review.
func TestPageGolden(t *testing.T) {
	s := newTestServer(t, append(slices.Clone(testDocs), pagedDocs(25)...), nil)
	for _, tt := range []struct{ name, path string }{
		{"ja-results.html", "/ja/search?q=創業"},
		{"ja-none.html", "/ja/search?q=存在しない語"},
		{"ja-empty.html", "/ja/search"},
		{"en-results.html", "/en/search?q=notice&page=2"},
		{"en-suggestion.html", "/en/search?q=subsidu"},
		{"en-bad-query.html", "/en/search?q=((((a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := s.get(t, tt.path)
			goldentest.Check(t, filepath.Join("testdata", "golden", tt.name), []byte(res.body))
		})
	}
}

package extract

import (
	"strings"
	"testing"
)

// TestNoIndexNotMissed checks that a page asking not to be indexed is
// never taken for one that does not, whatever comes before or around its
// robots meta tag: an element whose content is left out of the text (the
// <noscript> of a page's head, which the indexer, running no script, reads
// as a browser without scripts does), or a token too long for the
// tokenizer, after which the rest of the page is unread. A page cut short
// like that is refused rather than indexed without its last word.
func TestNoIndexNotMissed(t *testing.T) {
	meta := `<meta name="robots" content="noindex">`
	tests := []struct {
		name string
		in   string
	}{
		{"in the head's noscript", `<html><head><noscript>` + meta + `</noscript></head><body><p>secret</p></body></html>`},
		{"in the page's header", `<html><body><header>` + meta + `</header><p>secret</p></body></html>`},
		{"in a hidden block", `<html><body><div hidden>` + meta + `</div><p>secret</p></body></html>`},
		{"after a style longer than a token may be", `<html><head><style>` + strings.Repeat("a", maxToken+1) + `</style>` + meta + `</head><body><p>secret</p></body></html>`},
		{"after a script longer than a token may be", `<html><head><script>` + strings.Repeat("a", maxToken+1) + `</script>` + meta + `</head><body><p>secret</p></body></html>`},
	}
	for _, tt := range tests {
		p, err := HTML(strings.NewReader(tt.in), "text/html; charset=utf-8")
		if err == nil && !p.NoIndex {
			t.Errorf("%s: indexed with body %.40q, want noindex or an error", tt.name, p.Body)
		}
	}
}

package searchbench

import (
	"context"
	"fmt"
	"strings"

	"github.com/noren-web/noren/internal/search"
)

// Hits are the pages one index found for a query, checked against the text
// of the documents.
type Hits struct {
	Found int // pages the index returned
	True  int // of them, pages whose text has the word
	False int // of them, pages whose text lacks it
	Want  int // pages whose text has the word
	// Lead counts the right pages ranked before the first false one: when
	// it equals Want, every page with the word comes before any without.
	Lead int
}

// String gives the counts as the benchmark prints them.
func (h Hits) String() string {
	return fmt.Sprintf("%d found, %d right, %d false, %d of %d pages missed, %d right before the first false",
		h.Found, h.True, h.False, h.Want-h.True, h.Want, h.Lead)
}

// Kyoto reports whether a text has 京都 other than inside 東京都: the
// word a query for 京都 should find.
func Kyoto(text string) bool {
	return strings.Contains(strings.ReplaceAll(text, "東京都", ""), "京都")
}

// count checks the paths an index found against has.
func count(paths []string, docs map[string]search.Document, has func(string) bool) Hits {
	var h Hits
	for _, d := range docs {
		if has(Text(d)) {
			h.Want++
		}
	}
	for _, p := range paths {
		h.Found++
		if d, ok := docs[p]; ok && has(Text(d)) {
			h.True++
			if h.False == 0 {
				h.Lead++
			}
		} else {
			h.False++
		}
	}
	return h
}

// NorenHits runs q on a Noren index, reading every page of results, and
// checks what it found.
func NorenHits(ctx context.Context, ix *search.Index, q string, docs map[string]search.Document, has func(string) bool) (Hits, error) {
	var paths []string
	for page := 1; ; page++ {
		res, err := ix.Search(ctx, search.Query{Text: q, Page: page, PerPage: 50})
		if err != nil {
			return Hits{}, fmt.Errorf("noren %q page %d: %w", q, page, err)
		}
		for _, h := range res.Hits {
			paths = append(paths, h.Path)
		}
		if len(res.Hits) < 50 || page == 100 {
			break
		}
	}
	return count(paths, docs, has), nil
}

// BaselineHits runs q on the baseline index and checks what it found.
func BaselineHits(ctx context.Context, b *Baseline, q string, docs map[string]search.Document, has func(string) bool) (Hits, error) {
	res, err := b.Search(ctx, q, "", 1, -1)
	if err != nil {
		return Hits{}, err
	}
	paths := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		paths[i] = h.ID
	}
	return count(paths, docs, has), nil
}

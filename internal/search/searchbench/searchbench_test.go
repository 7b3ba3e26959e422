package searchbench

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/search"
	"github.com/noren-web/noren/internal/search/corpus"
)

// built is a generated site with both indexes of it.
type built struct {
	docs     map[string]search.Document
	noren    *search.Index
	baseline *Baseline
}

// build indexes a generated site of pages pages with Noren and with the
// baseline.
func build(tb testing.TB, pages int) built {
	tb.Helper()
	ctx := context.Background()
	fsys := corpus.FS(pages, 1)
	all, err := ReadDocuments(ctx, fsys)
	if err != nil {
		tb.Fatal(err)
	}
	if len(all) != pages {
		tb.Fatalf("read %d documents of %d pages", len(all), pages)
	}
	docs := map[string]search.Document{}
	for _, d := range all {
		docs[d.Path] = d
	}
	ix, err := search.Open(ctx, search.Options{Dir: filepath.Join(tb.TempDir(), "noren")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ix.Close() })
	if err := search.NewIndexer(search.IndexerOptions{Index: ix, Source: search.FolderSource(fsys)}).Run(ctx, nil); err != nil {
		tb.Fatal(err)
	}
	b, err := CreateBaseline(filepath.Join(tb.TempDir(), "baseline"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = b.Close() })
	if err := b.Add(ctx, all, 64); err != nil {
		tb.Fatal(err)
	}
	return built{docs: docs, noren: ix, baseline: b}
}

// TestSmoke builds both indexes of a small site and checks what the
// benchmark reports on: every query runs on both, and 京都 gives the
// baseline the false hits Noren avoids.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes a generated site")
	}
	s := build(t, 120)
	ctx := t.Context()
	for _, q := range Queries {
		if _, err := s.noren.Search(ctx, search.Query{Text: q}); err != nil {
			t.Errorf("noren %q: %v", q, err)
		}
		if _, err := s.baseline.Search(ctx, q, "", 1, 0); err != nil {
			t.Errorf("baseline %q: %v", q, err)
		}
	}
	n, err := NorenHits(ctx, s.noren, "京都", s.docs, Kyoto)
	if err != nil {
		t.Fatal(err)
	}
	b, err := BaselineHits(ctx, s.baseline, "京都", s.docs, Kyoto)
	if err != nil {
		t.Fatal(err)
	}
	if n.False != 0 || n.True != n.Want {
		t.Errorf("noren 京都: %s, want every page with 京都 and no other", n)
	}
	if b.False == 0 {
		t.Errorf("baseline 京都: %s, want false hits from 東京都", b)
	}
}

func TestWrkScriptHasTheQueries(t *testing.T) {
	data, err := os.ReadFile("../../../scripts/bench/search.lua")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)local queries = \{(.*?)\n\}`).FindSubmatch(data)
	if block == nil {
		t.Fatal("search.lua has no queries table")
	}
	var got []string
	for _, m := range regexp.MustCompile(`(?m)^\s*("(?:[^"\\]|\\.)*"),$`).FindAllSubmatch(block[1], -1) {
		s, err := strconv.Unquote(string(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if !slices.Equal(got, Queries) {
		t.Errorf("search.lua queries\n%q\nwant those of queries.go\n%q", got, Queries)
	}
}

func TestDistribution(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	l := Distribution(ds)
	if l.P50 != 50*time.Millisecond || l.P95 != 95*time.Millisecond || l.P99 != 99*time.Millisecond || l.Max != 100*time.Millisecond {
		t.Errorf("Distribution = %+v", l)
	}
}

// BenchmarkQuery times every query on both indexes of a generated site of
// NOREN_BENCH_SEARCH_PAGES pages (default 2,000); run it with -bench.
func BenchmarkQuery(b *testing.B) {
	pages := 2000
	if v := os.Getenv("NOREN_BENCH_SEARCH_PAGES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("NOREN_BENCH_SEARCH_PAGES: %v", err)
		}
		pages = n
	}
	s := build(b, pages)
	for _, q := range Queries {
		b.Run("noren/"+q, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.noren.Search(b.Context(), search.Query{Text: q}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("baseline/"+q, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.baseline.Search(b.Context(), q, "", 1, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package search

import (
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/search/query"
)

// shape counts the leaves of a built query: every term the index reads,
// and among them the expansions bounds ration.
type shape struct {
	leaves, fuzzy, bigram, reading int
}

func shapeOf(q query.Query) shape {
	var s shape
	var walk func(query.Query)
	walk = func(q query.Query) {
		switch q := q.(type) {
		case *query.ConjunctionQuery:
			for _, c := range q.Conjuncts {
				walk(c)
			}
			return
		case *query.DisjunctionQuery:
			for _, c := range q.Disjuncts {
				walk(c)
			}
			return
		case *query.FuzzyQuery:
			s.fuzzy++
		case *query.MultiPhraseQuery:
			if slices.Contains(fieldsBG[:], q.FieldVal) {
				s.bigram++
			}
		case *query.TermQuery:
			if slices.Contains(fieldsBG[:], q.FieldVal) {
				s.bigram++
			}
			if q.FieldVal == fieldReading {
				s.reading++
			}
		}
		s.leaves++
	}
	if q != nil {
		walk(q)
	}
	return s
}

func TestBoundsApply(t *testing.T) {
	ix := openTest(t, [][]string{{"創業", "起業", "スタートアップ", "startup"}, {"subsidy", "grant"}})
	words := func(n int, w ...string) string {
		var out []string
		for i := range n {
			out = append(out, w[i%len(w)])
		}
		return strings.Join(out, " ")
	}
	// maxLeaves is far below what the unbounded queries built (thousands
	// of terms for a page of Japanese prose with its synonyms).
	const maxLeaves = 150
	tests := []struct {
		name    string
		text    string
		ignored int // at least
	}{
		{"200 one-letter words", words(200, "a", "b", "x", "q"), 190},
		{"200 long words with typos", words(200, "subsidiry", "applicaton", "enviroment", "goverment", "managment"), 190},
		{"words joined by hyphens", words(60, "startup") + " " + strings.ReplaceAll(words(60, "grant"), " ", "-"), 50},
		{"Japanese prose", strings.Repeat("東京都の創業支援事業について、区市町村と連携してスタートアップの育成を進めています。", 4), 1},
		{"kana terms", words(30, "そうぎょう", "ほじょきん", "みなとぺい"), 20},
		{"synonyms everywhere", words(40, "創業支援", "startup", "起業"), 30},
		{"phrases", words(40, `"local business"`, `"創業 支援"`), 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			terms, err := parseQuery(tt.text)
			if err != nil {
				// Longer than a visitor may type: build the terms as
				// parseQuery would, to bound them all the same.
				for _, w := range strings.Fields(normalize(tt.text)) {
					terms = append(terms, term{Text: strings.Trim(w, `"`), Phrase: strings.HasPrefix(w, `"`)})
				}
			}
			sp := splitter{}
			kept, ignored := ix.bound(terms, sp)
			if len(kept) > maxTerms {
				t.Errorf("kept %d terms, want at most %d", len(kept), maxTerms)
			}
			if len(ignored) < tt.ignored {
				t.Errorf("ignored %d, want at least %d", len(ignored), tt.ignored)
			}
			s := shapeOf(ix.plan(kept, sp).query)
			if s.leaves > maxLeaves {
				t.Errorf("%d clauses, want at most %d", s.leaves, maxLeaves)
			}
			if s.fuzzy > maxFuzzyWords {
				t.Errorf("%d words with typos, want at most %d", s.fuzzy, maxFuzzyWords)
			}
			if bg := maxExpandedTerms * maxVariants * len(fieldsBG); s.bigram > bg {
				t.Errorf("%d character-pair clauses, want at most %d", s.bigram, bg)
			}
			if s.reading > maxExpandedTerms*maxVariants {
				t.Errorf("%d reading clauses, want at most %d", s.reading, maxExpandedTerms*maxVariants)
			}
		})
	}
}

func TestSearchReportsIgnoredWords(t *testing.T) {
	ix := openCorpus(t, nil)
	tests := []struct {
		text    string
		ignored []string
	}{
		{"subsidy apply", nil},
		{"subsidy a b c d e f g h i j k", []string{"j", "k"}},
		{"東京都 " + strings.Repeat("創業支援事業", 8), []string{strings.Repeat("創業支援事業", 2)}},
	}
	for _, tt := range tests {
		res, err := ix.Search(t.Context(), Query{Text: tt.text})
		if err != nil {
			t.Fatalf("Search(%q): %v", tt.text, err)
		}
		if !slices.Equal(res.Ignored, tt.ignored) {
			t.Errorf("Search(%q).Ignored = %q, want %q", tt.text, res.Ignored, tt.ignored)
		}
	}
}

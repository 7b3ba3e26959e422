package search

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"
)

// Bounds on the work of a suggestion: the dictionary entries read for one
// word, and the words of a query worth correcting.
const (
	maxDictScan     = 2000
	maxSuggestTerms = 6
)

// suggest offers, for a query that found nothing, the query with each
// English word the index lacks replaced by the nearest word it has (the
// most frequent among the nearest), when that query finds something.
func (ix *Index) suggest(ctx context.Context, terms []term, q Query) string {
	if len(terms) > maxSuggestTerms {
		return ""
	}
	adv, err := ix.bi.Advanced()
	if err != nil {
		return ""
	}
	r, err := adv.Reader()
	if err != nil {
		return ""
	}
	defer func() { _ = r.Close() }()
	fz, ok := r.(index.IndexReaderFuzzy)
	if !ok {
		return ""
	}
	changed := false
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		w := t.Text
		switch {
		case t.Phrase:
		case hasCJK(t.Text):
			if s := ix.nearestJapanese(ctx, fz, t.Text); s != "" {
				w, changed = s, true
			}
		default:
			if s := ix.nearestWord(fz, t.Text); s != "" {
				w, changed = s, true
			}
		}
		if t.Phrase {
			w = `"` + w + `"`
		}
		out = append(out, w)
	}
	if !changed || ctx.Err() != nil {
		return ""
	}
	s := strings.Join(out, " ")
	st, err := parseQuery(s)
	if err != nil {
		return ""
	}
	sp := splitter{}
	st, ignored := ix.bound(st, sp)
	if len(ignored) > 0 {
		return ""
	}
	p := ix.plan(st, sp)
	if p.query == nil {
		return ""
	}
	check := q
	check.Page, check.PerPage = 1, 1
	sr, err := ix.execute(ctx, p.query, check, false)
	if err != nil || sr.Total == 0 {
		return ""
	}
	return s
}

// nearestWord returns the indexed English word nearest to word, or "" when
// word is indexed itself or nothing is near.
func (ix *Index) nearestWord(fz index.IndexReaderFuzzy, word string) string {
	n := utf8.RuneCountInString(word)
	if n < 3 || n > maxFuzzyRunes || strings.ContainsFunc(word, func(r rune) bool { return !unicode.IsLetter(r) }) {
		return ""
	}
	// Search tolerates no typo in words under five letters and one under
	// nine; a suggestion reaches further.
	return nearestTerm(fz, fieldWordsEN, word, 2)
}

// nearestJapanese replaces each word of text (three characters or more)
// the index lacks by the nearest indexed word, or returns "" when nothing
// changes.
func (ix *Index) nearestJapanese(ctx context.Context, fz index.IndexReaderFuzzy, text string) string {
	toks := analyzeJapanese(text)
	out, changed := text, false
	// Replace from the end so earlier offsets stay valid.
	for i := len(toks) - 1; i >= 0; i-- {
		tok := toks[i]
		n := utf8.RuneCountInString(tok.Term)
		if n < 3 || n > maxFuzzyRunes {
			continue
		}
		fuzz := 1
		if n >= 6 {
			fuzz = 2
		}
		best := nearestTerm(fz, fieldBodyJA, tok.Term, fuzz)
		if best == "" {
			continue
		}
		surface := ix.japaneseSurface(ctx, best)
		if surface == "" {
			continue
		}
		out = out[:tok.Start] + surface + out[tok.End:]
		changed = true
	}
	if !changed {
		return ""
	}
	return out
}

// nearestTerm returns the term of field nearest to term (the most frequent
// among the nearest), or "" when term is indexed itself or nothing is near.
func nearestTerm(fz index.IndexReaderFuzzy, field, term string, fuzz int) string {
	dict, err := fz.FieldDictFuzzy(field, term, fuzz, "")
	if err != nil {
		return ""
	}
	defer func() { _ = dict.Close() }()
	best, bestDist, bestCount := "", fuzz+1, uint64(0)
	for i := 0; i < maxDictScan; i++ {
		e, err := dict.Next()
		if err != nil || e == nil {
			break
		}
		d := editDistance(e.Term, term, fuzz)
		if d == 0 {
			return ""
		}
		if d < bestDist || (d == bestDist && e.Count > bestCount) {
			best, bestDist, bestCount = e.Term, d, e.Count
		}
	}
	return best
}

// japaneseSurface finds how an indexed (kana-folded) word is written in a
// page: いんきゅべーしょん is インキュベーション.
func (ix *Index) japaneseSurface(ctx context.Context, term string) string {
	tq := bleve.NewTermQuery(term)
	tq.SetField(fieldBodyJA)
	req := bleve.NewSearchRequestOptions(tq, 1, 0, false)
	req.Fields = []string{fieldBody}
	sr, err := ix.bi.SearchInContext(ctx, req)
	if err != nil || len(sr.Hits) == 0 {
		return ""
	}
	body, _ := sr.Hits[0].Fields[fieldBody].(string)
	view, from := foldedView(body)
	i := strings.Index(view, term)
	if i < 0 {
		return ""
	}
	end := len(body)
	if j := i + len(term); j < len(view) {
		end = int(from[j])
	}
	return normalize(body[from[i]:end])
}

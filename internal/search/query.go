package search

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Boosts: where a word appears says how much the page is about it.
const (
	boostTitle    = 3.0
	boostHeadings = 2.0
	boostBody     = 1.0
	// A Japanese term's words side by side weigh more than the same words
	// apart.
	boostAdjacent = 2.0
	// Character pairs are a fallback: they find, kagome words rank.
	boostBigram = 0.5
	// A kana term matching a kanji word's reading finds it (ほじょきん,
	// 補助金) below pages that have the term as written.
	boostReading = 0.8
	// A misspelt word finds the page, the right spelling ranks above it.
	boostFuzzy = 0.4
	// A word still being typed finds the words it begins, below the word
	// itself.
	boostPrefix = 0.3
)

// minPrefixRunes is the shortest word being typed that matches the words it
// begins: shorter prefixes match too much to help.
const minPrefixRunes = 3

var (
	fieldsJA = [3]string{fieldTitleJA, fieldHeadJA, fieldBodyJA}
	fieldsBG = [3]string{fieldTitleBG, fieldHeadBG, fieldBodyBG}
	fieldsEN = [3]string{fieldTitleEN, fieldHeadEN, fieldBodyEN}
	boosts   = [3]float64{boostTitle, boostHeadings, boostBody}
)

// maxVariants bounds the synonym variants of one term.
const maxVariants = 8

// Search runs q. A zero Page is the first page and a zero PerPage is
// DefaultPerPage. Malformed queries are refused with an error wrapping
// ErrBadQuery; a query with no words (only punctuation, say) finds nothing.
// Facets count the matches with the filters applied.
func (ix *Index) Search(ctx context.Context, q Query) (*Results, error) {
	start := time.Now()
	if q.Page == 0 {
		q.Page = 1
	}
	if q.PerPage == 0 {
		q.PerPage = DefaultPerPage
	}
	switch {
	case q.Page < 1 || q.Page > maxPage:
		return nil, fmt.Errorf("%w: page %d out of 1–%d", ErrBadQuery, q.Page, maxPage)
	case q.PerPage < 1 || q.PerPage > maxPerPage:
		return nil, fmt.Errorf("%w: %d results a page out of 1–%d", ErrBadQuery, q.PerPage, maxPerPage)
	}
	for _, f := range []string{q.Lang, q.Section, q.Type} {
		if len(f) > 64 || !utf8.ValidString(f) {
			return nil, fmt.Errorf("%w: filter %.64q", ErrBadQuery, f)
		}
	}
	terms, err := parseQuery(q.Text)
	if err != nil {
		return nil, err
	}
	if n := len(terms); n > 0 && !terms[n-1].Phrase {
		last, _ := utf8.DecodeLastRuneInString(q.Text)
		terms[n-1].prefix = !unicode.IsSpace(last)
	}
	sp := splitter{}
	terms, ignored := ix.bound(terms, sp)
	res := &Results{Query: q, Hits: []Hit{}, Ignored: ignored}
	p := ix.plan(terms, sp)
	if p.query == nil {
		res.Took = time.Since(start)
		return res, nil
	}
	sr, err := ix.execute(ctx, p.query, q, true)
	if err != nil {
		return nil, err
	}
	res.Total = int(sr.Total)
	res.Facets = facets(sr)
	for _, h := range sr.Hits {
		res.Hits = append(res.Hits, ix.hit(h, p))
	}
	if res.Total == 0 && q.Page == 1 && len(ignored) == 0 && utf8.RuneCountInString(q.Text) <= maxSuggestRunes {
		res.Suggestion = ix.suggest(ctx, terms, q)
	}
	res.Took = time.Since(start)
	return res, nil
}

// execute runs a built query with the filters and page of q.
func (ix *Index) execute(ctx context.Context, qq query.Query, q Query, withFacets bool) (*bleve.SearchResult, error) {
	must := []query.Query{qq}
	for _, f := range []struct{ field, value string }{
		{fieldLang, q.Lang}, {fieldSection, q.Section}, {fieldType, q.Type},
	} {
		if f.value == "" {
			continue
		}
		t := bleve.NewTermQuery(f.value)
		t.SetField(f.field)
		must = append(must, t)
	}
	var full query.Query = qq
	if len(must) > 1 {
		full = bleve.NewConjunctionQuery(must...)
	}
	size := q.PerPage
	from := (q.Page - 1) * q.PerPage
	req := bleve.NewSearchRequestOptions(full, size, from, false)
	// Ties are broken by path: segments merge between two pages of results,
	// and without a stable order a page could repeat a hit of the last.
	req.SortBy([]string{"-_score", "_id"})
	if withFacets {
		req.Fields = []string{fieldPath, fieldTitle, fieldBody, fieldLang, fieldSection, fieldType, fieldDate}
		req.AddFacet(fieldLang, bleve.NewFacetRequest(fieldLang, 10))
		req.AddFacet(fieldSection, bleve.NewFacetRequest(fieldSection, 30))
		req.AddFacet(fieldType, bleve.NewFacetRequest(fieldType, 5))
	}
	sr, err := ix.bi.SearchInContext(ctx, req)
	if err == nil {
		err = ctx.Err() // a search cut short by its deadline is no answer
	}
	if err != nil {
		// The query stays out of the error: it is the visitor's, and errors are logged.
		return nil, fmt.Errorf("search: %w", err)
	}
	return sr, nil
}

func facets(sr *bleve.SearchResult) Facets {
	get := func(name string) []FacetCount {
		fr, ok := sr.Facets[name]
		if !ok || fr.Terms == nil {
			return nil
		}
		var out []FacetCount
		for _, t := range fr.Terms.Terms() {
			if t.Term == "" {
				continue
			}
			out = append(out, FacetCount{Value: t.Term, Count: t.Count})
		}
		return out
	}
	return Facets{Lang: get(fieldLang), Section: get(fieldSection), Type: get(fieldType)}
}

func (ix *Index) hit(h *search.DocumentMatch, p plan) Hit {
	str := func(f string) string { s, _ := h.Fields[f].(string); return s }
	hit := Hit{
		Path:    h.ID,
		Title:   str(fieldTitle),
		Lang:    str(fieldLang),
		Section: str(fieldSection),
		Type:    str(fieldType),
		Score:   h.Score,
	}
	if d := str(fieldDate); d != "" {
		if t, err := time.Parse(time.RFC3339, d); err == nil {
			hit.Date = t
		}
	}
	hit.Snippet = snippet(str(fieldBody), p.marks, ix.stem)
	return hit
}

// plan is a query built from terms, with what snippets highlight.
type plan struct {
	query query.Query
	marks marks
}

// plan builds the bleve query: every term must match (in any field), and
// each of the first terms is the disjunction of its synonyms. terms are
// bound's; sp splits their Japanese.
func (ix *Index) plan(terms []term, sp splitter) plan {
	syn := newSynonyms(ix.opt.Synonyms, ix.stem)
	var p plan
	var must []query.Query
	ex := expansions{fuzzy: maxFuzzyWords}
	for i, t := range terms {
		vs := []term{t}
		if i < maxSynonymTerms && (!hasCJK(t.Text) || len(sp.split(t.Text)) <= maxSynonymWords) {
			vs = syn.variants(t, ix.stem, sp)
		}
		var alts []query.Query
		for j, v := range vs {
			// Synonyms are spelt right: only the term as typed gets typos.
			ex.typos = j == 0
			ex.extra = i < maxExpandedTerms
			if q := ix.termQuery(v, i, &p.marks, &ex, sp); q != nil {
				alts = append(alts, q)
			}
		}
		switch len(alts) {
		case 0:
			continue // a stop word, say: it constrains nothing
		case 1:
			must = append(must, alts[0])
		default:
			must = append(must, bleve.NewDisjunctionQuery(alts...))
		}
	}
	switch len(must) {
	case 0:
	case 1:
		p.query = must[0]
	default:
		p.query = bleve.NewConjunctionQuery(must...)
	}
	return p
}

// expansions are what a term's query may add to its words.
type expansions struct {
	fuzzy int  // words left that may match with typos
	typos bool // this term may use them
	extra bool // character pairs and readings
}

// termQuery builds the query of one term (already normalised), recording
// what a snippet should mark as term id.
func (ix *Index) termQuery(t term, id int, m *marks, ex *expansions, sp splitter) query.Query {
	if hasCJK(t.Text) {
		return japaneseQuery(t, id, m, ex.extra, sp)
	}
	return ix.englishQuery(t, id, m, ex)
}

// japaneseQuery builds the query of a Japanese term; extra adds character
// pairs and readings where they help.
func japaneseQuery(t term, id int, m *marks, extra bool, sp splitter) query.Query {
	toks := sp.split(t.Text)
	bigram := extra && useBigrams(t.Text, toks)
	// A term the dictionary knows is marked only as whole words, as it is
	// found; one found through character pairs is marked wherever it is.
	mark := m.addWord
	if bigram {
		mark = m.addText
	}
	mark(id, foldKana(t.Text))
	var alts []query.Query
	if len(toks) > 0 {
		slots := jaSlots(toks)
		for i, f := range fieldsJA {
			var q query.Query
			if len(slots) == 1 {
				tq := bleve.NewTermQuery(slots[0][0])
				tq.SetField(f)
				tq.SetBoost(boosts[i] * boostAdjacent)
				q = tq
			} else {
				mp := query.NewMultiPhraseQuery(slots, f)
				mp.SetBoost(boosts[i] * boostAdjacent)
				q = mp
			}
			alts = append(alts, q)
		}
		if len(toks) > 1 && !t.Phrase {
			// The words of the term anywhere in the page, each in any field.
			var each []query.Query
			for _, tok := range toks {
				var per []query.Query
				for i, f := range fieldsJA {
					tq := bleve.NewTermQuery(tok.Term)
					tq.SetField(f)
					tq.SetBoost(boosts[i])
					per = append(per, tq)
				}
				each = append(each, bleve.NewDisjunctionQuery(per...))
			}
			alts = append(alts, bleve.NewConjunctionQuery(each...))
		}
		for _, tok := range toks {
			// A lone kanji split off a compound (金 of 補助金) would light
			// up every 金 in the page.
			if len(toks) > 1 && utf8.RuneCountInString(tok.Surface) == 1 {
				continue
			}
			mark(id, foldKana(tok.Surface))
			if tok.Term != foldKana(tok.Surface) {
				// An inflected word: 受け付ける is written 受け付け.
				m.addTerm(id, tok.Term)
			}
		}
	}
	if kana := foldKana(strings.Join(strings.Fields(t.Text), "")); extra && allKana(kana) {
		tq := bleve.NewTermQuery(kana)
		tq.SetField(fieldReading)
		tq.SetBoost(boostReading)
		alts = append(alts, tq)
		m.addReading(id, kana)
	}
	if bigram {
		slots := bigramSlots(foldKana(t.Text))
		for i, f := range fieldsBG {
			if len(slots) == 0 {
				break
			}
			var q query.Query
			if len(slots) == 1 && len(slots[0]) == 1 {
				tq := bleve.NewTermQuery(slots[0][0])
				tq.SetField(f)
				tq.SetBoost(boosts[i] * boostBigram)
				q = tq
			} else {
				mp := query.NewMultiPhraseQuery(slots, f)
				mp.SetBoost(boosts[i] * boostBigram)
				q = mp
			}
			alts = append(alts, q)
		}
	}
	switch len(alts) {
	case 0:
		return nil
	case 1:
		return alts[0]
	}
	return bleve.NewDisjunctionQuery(alts...)
}

// useBigrams says whether a Japanese term also searches character pairs:
// only when the dictionary lacks one of its words (a new product name) or
// it is written all in kana (where kana variants split differently).
// Otherwise pairs would find 京都 inside 東京都.
func useBigrams(text string, toks []jaToken) bool {
	if len(toks) == 0 {
		return true
	}
	for _, t := range toks {
		if t.Unknown && hasCJK(t.Surface) {
			return true
		}
	}
	return allKana(strings.Join(strings.Fields(text), ""))
}

// jaSlots lays tokens out by position for a phrase, nil where a dropped
// particle stood.
func jaSlots(toks []jaToken) [][]string {
	first, last := toks[0].Position, toks[len(toks)-1].Position
	slots := make([][]string, last-first+1)
	for _, t := range toks {
		slots[t.Position-first] = append(slots[t.Position-first], t.Term)
	}
	return slots
}

func bigramSlots(folded string) [][]string {
	toks := bigrams(folded)
	if len(toks) == 0 {
		return nil
	}
	return streamSlots(toks)
}

func streamSlots(toks analysis.TokenStream) [][]string {
	first, last := toks[0].Position, toks[len(toks)-1].Position
	slots := make([][]string, last-first+1)
	for _, t := range toks {
		slots[t.Position-first] = append(slots[t.Position-first], string(t.Term))
	}
	return slots
}

// maxFuzzyRunes bounds the words given typo tolerance: the automaton grows
// with the word, and no English word worth correcting is longer.
const maxFuzzyRunes = 24

// fuzziness is the edit distance a word of n letters tolerates.
func fuzziness(n int) int {
	switch {
	case n > maxFuzzyRunes:
		return 0
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

func (ix *Index) englishQuery(t term, id int, m *marks, ex *expansions) query.Query {
	toks := ix.analyzeEnglish(t.Text)
	if len(toks) == 0 {
		return nil
	}
	if t.Phrase && len(toks) > 1 {
		slots := streamSlots(toks)
		var alts []query.Query
		for i, f := range fieldsEN {
			mp := query.NewMultiPhraseQuery(slots, f)
			mp.SetBoost(boosts[i])
			alts = append(alts, mp)
		}
		for _, tok := range toks {
			m.addStem(id, string(tok.Term))
		}
		return bleve.NewDisjunctionQuery(alts...)
	}
	var each []query.Query
	for _, tok := range toks {
		stem := string(tok.Term)
		m.addStem(id, stem)
		var per []query.Query
		for i, f := range fieldsEN {
			tq := bleve.NewTermQuery(stem)
			tq.SetField(f)
			tq.SetBoost(boosts[i])
			per = append(per, tq)
		}
		// Typos and unfinished words are matched against the words as
		// written, not their stems.
		typed := t.Text[tok.Start:tok.End]
		if !hasWordRune(typed) || strings.ContainsFunc(typed, func(r rune) bool { return !unicode.IsLetter(r) }) {
			typed = ""
		}
		if fuzz := fuzziness(utf8.RuneCountInString(typed)); fuzz > 0 && !t.Phrase && ex.typos && ex.fuzzy > 0 {
			ex.fuzzy--
			fq := bleve.NewFuzzyQuery(typed)
			fq.SetField(fieldWordsEN)
			fq.SetFuzziness(fuzz)
			fq.SetPrefix(fuzzyPrefix)
			fq.SetBoost(boostFuzzy)
			per = append(per, fq)
			m.addFuzzy(id, typed, fuzz)
		}
		if t.prefix && len(toks) == 1 && utf8.RuneCountInString(typed) >= minPrefixRunes {
			pq := bleve.NewPrefixQuery(typed)
			pq.SetField(fieldWordsEN)
			pq.SetBoost(boostPrefix)
			per = append(per, pq)
			m.addPrefix(id, typed)
		}
		each = append(each, bleve.NewDisjunctionQuery(per...))
	}
	if len(each) == 1 {
		return each[0]
	}
	return bleve.NewConjunctionQuery(each...)
}

// analyzeEnglish runs bleve's English analyzer: lower case, stop words
// dropped, stems.
func (ix *Index) analyzeEnglish(s string) analysis.TokenStream {
	a := ix.bi.Mapping().AnalyzerNamed(AnalyzerEnglish)
	if a == nil {
		return nil
	}
	return a.Analyze([]byte(s))
}

// stem is the English stem of one word, "" for a stop word.
func (ix *Index) stem(word string) string {
	toks := ix.analyzeEnglish(word)
	if len(toks) != 1 {
		return ""
	}
	return string(toks[0].Term)
}

package search

import "strings"

// Bounds on the work one query may cause, whatever it holds: every
// expansion (typos, character pairs, readings, synonyms) multiplies the
// terms the index reads, so each is granted to the first few words only.
const (
	// maxTerms is the number of words and phrases searched; the rest are
	// ignored and reported in Results.Ignored.
	maxTerms = 10
	// maxWords bounds the analysed words of all terms together: one term
	// can hold many (a Japanese sentence, words joined by hyphens).
	maxWords = 20
	// maxFuzzyWords is the number of words matched with typos.
	maxFuzzyWords = 3
	// fuzzyPrefix is the number of leading letters a typo leaves alone:
	// first letters are rarely mistyped, and fixing them lets the index
	// skip most of its dictionary.
	fuzzyPrefix = 1
	// maxExpandedTerms is the number of Japanese terms also searched by
	// character pairs and readings.
	maxExpandedTerms = 3
	// maxSynonymTerms is the number of terms whose synonyms are searched,
	// and maxSynonymWords the most words such a term may have: each
	// variant of a Japanese term repeats the query of all its words.
	maxSynonymTerms = 3
	maxSynonymWords = 4
	// maxSuggestRunes is the longest query offered a "did you mean":
	// correcting a long one costs a dictionary scan per word, for a
	// suggestion nobody would take.
	maxSuggestRunes = 64
)

// splitter splits Japanese text once per query, however many times the
// query's parts ask for it.
type splitter map[string][]jaToken

func (s splitter) split(text string) []jaToken {
	if toks, ok := s[text]; ok {
		return toks
	}
	toks := analyzeJapanese(text)
	s[text] = toks
	return toks
}

// bound keeps the terms a query searches: at most maxTerms, with at most
// maxWords analysed words among them, the term where the words run out cut
// after its last word that fits. It returns what it left out as typed, so
// that the page can say so.
func (ix *Index) bound(terms []term, sp splitter) (kept []term, ignored []string) {
	words := 0
	for _, t := range terms {
		if len(kept) >= maxTerms || words >= maxWords {
			ignored = append(ignored, t.Text)
			continue
		}
		n, cut := ix.fit(t.Text, maxWords-words, sp)
		words += n
		if cut < len(t.Text) {
			if rest := strings.TrimFunc(t.Text[cut:], func(r rune) bool { return !isWordRune(r) }); rest != "" {
				ignored = append(ignored, rest)
			}
			t.Text = strings.TrimFunc(t.Text[:cut], func(r rune) bool { return !isWordRune(r) })
			t.prefix = false // what is left is not what is being typed
		}
		if t.Text != "" {
			kept = append(kept, t)
		}
	}
	return kept, ignored
}

// fit counts the analysed words of text, up to left, and returns the byte
// offset where the words that fit end (len(text) when all do).
func (ix *Index) fit(text string, left int, sp splitter) (n, cut int) {
	if hasCJK(text) {
		toks := sp.split(text)
		if len(toks) <= left {
			return len(toks), len(text)
		}
		return left, toks[left-1].End
	}
	toks := ix.analyzeEnglish(text)
	if len(toks) <= left {
		return len(toks), len(text)
	}
	return left, toks[left-1].End
}

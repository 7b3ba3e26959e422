package manifest

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Search configures the site's own search as the manifest declares it.
type Search struct {
	// Synonyms are groups of words that a query for any one of them also
	// finds ([創業, 起業, スタートアップ, startup]). Omitted from the
	// canonical form when empty, so that it changes no other hash.
	Synonyms [][]string `yaml:"synonyms" json:",omitempty"`
}

// IsZero reports whether s declares nothing, which keeps the section out of
// the canonical form of a manifest that does not write it.
func (s Search) IsZero() bool { return len(s.Synonyms) == 0 }

// Bounds of search.synonyms: the groups are expanded into every query, so
// a long list would slow every search down.
const (
	maxSynonymGroups = 200
	maxSynonymWords  = 50
	maxSynonymRunes  = 64
)

// SearchSynonyms returns the synonym groups with every word folded as the
// search index folds text (NFKC, lower case), each word once per group.
func (m *Manifest) SearchSynonyms() [][]string {
	if len(m.Search.Synonyms) == 0 {
		return nil
	}
	out := make([][]string, 0, len(m.Search.Synonyms))
	for _, group := range m.Search.Synonyms {
		var words []string
		for _, w := range group {
			if f := foldWord(w); f != "" && !slices.Contains(words, f) {
				words = append(words, f)
			}
		}
		if len(words) >= 2 {
			out = append(out, words)
		}
	}
	return out
}

// foldWord folds a synonym as the index folds text, so that ｽﾀｰﾄｱｯﾌﾟ in
// the manifest meets スタートアップ in a page: full-width and half-width
// forms are unified by NFKC, and case is ignored.
func foldWord(w string) string {
	return strings.ToLower(strings.TrimSpace(norm.NFKC.String(w)))
}

// search checks search.synonyms: each group names at least two different
// words, each word is short and not empty, and the list stays small.
func (v *validator) search() {
	groups := v.m.Search.Synonyms
	const path = "search.synonyms"
	if len(groups) > maxSynonymGroups {
		v.addf(path, "%d groups: at most %d", len(groups), maxSynonymGroups)
	}
	for i, group := range groups {
		gp := fmt.Sprintf("%s[%d]", path, i)
		if len(group) > maxSynonymWords {
			v.addf(gp, "%d words: at most %d in a group", len(group), maxSynonymWords)
		}
		var distinct []string
		bad := false
		for j, w := range group {
			wp := fmt.Sprintf("%s[%d]", gp, j)
			f := foldWord(w)
			switch {
			case f == "":
				v.addf(wp, "empty word: write a word or leave the entry out")
				bad = true
			case utf8.RuneCountInString(f) > maxSynonymRunes:
				v.addf(wp, "word of %d characters: at most %d", utf8.RuneCountInString(f), maxSynonymRunes)
				bad = true
			case slices.Contains(distinct, f):
				v.addf(wp, "%q is already in the group (words are compared after width and case folding)", w)
			default:
				distinct = append(distinct, f)
			}
		}
		if !bad && len(distinct) < 2 {
			v.addf(gp, "a group of synonyms needs at least two different words, such as [創業, 起業]")
		}
	}
}

package search

import "strings"

// synonyms are the manifest's groups of words a query treats as one.
type synonyms struct {
	groups [][]string     // normalised members
	index  map[string]int // folded member → group
}

// stemKey prefixes the index entries of English members by their stem, so
// startups meets startup.
const stemKey = "\x00"

func newSynonyms(fn func() [][]string, stem func(string) string) synonyms {
	s := synonyms{index: map[string]int{}}
	if fn == nil {
		return s
	}
	for _, g := range fn() {
		var members []string
		for _, w := range g {
			n := normalize(w)
			if n == "" {
				continue
			}
			if _, dup := s.index[foldKana(n)]; dup {
				continue // a word in two groups stays in the first
			}
			s.index[foldKana(n)] = len(s.groups)
			members = append(members, n)
		}
		if len(members) < 2 {
			for _, n := range members {
				delete(s.index, foldKana(n))
			}
			continue
		}
		for _, n := range members {
			if hasCJK(n) || strings.ContainsRune(n, ' ') {
				continue
			}
			if st := stem(n); st != "" {
				if _, dup := s.index[stemKey+st]; !dup {
					s.index[stemKey+st] = len(s.groups)
				}
			}
		}
		s.groups = append(s.groups, members)
	}
	return s
}

// variants returns t and the terms its synonyms make: the whole term
// replaced by the other members of its group, or, for Japanese, one of its
// words replaced (創業支援 gives 起業支援 when 創業 = 起業).
func (s synonyms) variants(t term, stem func(string) string, sp splitter) []term {
	out := []term{t}
	if len(s.groups) == 0 {
		return out
	}
	add := func(text string) {
		if len(out) >= maxVariants {
			return
		}
		for _, o := range out {
			if o.Text == text {
				return
			}
		}
		out = append(out, term{Text: text, Phrase: t.Phrase, prefix: t.prefix})
	}
	g, ok := s.index[foldKana(t.Text)]
	if !ok && !hasCJK(t.Text) && !strings.ContainsRune(t.Text, ' ') {
		g, ok = s.index[stemKey+stem(t.Text)]
	}
	if ok {
		for _, m := range s.groups[g] {
			add(m)
		}
		return out
	}
	if !hasCJK(t.Text) {
		return out
	}
	for _, tok := range sp.split(t.Text) {
		g, ok := s.index[tok.Term]
		if !ok {
			g, ok = s.index[foldKana(tok.Surface)]
		}
		if !ok {
			continue
		}
		for _, m := range s.groups[g] {
			add(t.Text[:tok.Start] + m + t.Text[tok.End:])
		}
	}
	return out
}

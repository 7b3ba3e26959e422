package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ikawaha/kagome/v2/tokenizer"
	"golang.org/x/text/unicode/norm"
)

// snippetRunes is the length of a snippet; the window before the first
// match is at most snippetLead runes.
const (
	snippetRunes = 160
	snippetLead  = 30
	maxSpans     = 500
)

// marks are what a snippet highlights: the query's words as the index
// normalised them, each tagged with the query term it came from.
type marks struct {
	texts    []markText  // found as written, anywhere (pairs, kana, Latin)
	words    []markText  // found as written, but only as whole kagome words
	terms    []markText  // kagome base forms, matched word by word
	readings []markText  // kana readings of runs of words
	stems    []markText  // English stems
	fuzzy    []markFuzzy // English words with the typos they tolerate
	prefixes []markText  // words begun by these
}

type markText struct {
	id   int
	text string // normalised, kana folded
}

type markFuzzy struct {
	id   int
	word string
	fuzz int // edit distance tolerated
}

func addUnique(list []markText, id int, s string) []markText {
	if s == "" {
		return list
	}
	for _, t := range list {
		if t.text == s {
			return list
		}
	}
	return append(list, markText{id, s})
}

func (m *marks) addText(id int, s string)    { m.texts = addUnique(m.texts, id, s) }
func (m *marks) addWord(id int, s string)    { m.words = addUnique(m.words, id, s) }
func (m *marks) addTerm(id int, s string)    { m.terms = addUnique(m.terms, id, s) }
func (m *marks) addReading(id int, s string) { m.readings = addUnique(m.readings, id, s) }

func (m *marks) addStem(id int, s string) {
	if s != "" {
		m.stems = append(m.stems, markText{id, s})
	}
}

func (m *marks) addFuzzy(id int, w string, fuzz int) {
	m.fuzzy = append(m.fuzzy, markFuzzy{id, w, fuzz})
}

func (m *marks) addPrefix(id int, p string) {
	if p != "" {
		m.prefixes = append(m.prefixes, markText{id, p})
	}
}

// span is a match in the body: byte offsets and the term it matched.
type span struct {
	start, end int
	id         int
	word       bool // to be kept only where it starts and ends a word
}

// maxWindowTries bounds how often a window is chosen again after matches
// inside other words (京都 in 東京都) were dropped from it.
const maxWindowTries = 4

// wordContext is how many runes either side of a match are split into
// words to tell whether the match is whole words: kagome settles a word
// from its neighbours, and splitting the whole window for each hit would
// cost more than the search.
const wordContext = 12

// snippet cuts from body the window of about snippetRunes runes that
// matches the most distinct query terms, marking the matched words. It
// matches on the normalised text (width, case and kana folded) and marks
// the original. A Japanese word the dictionary knows is marked only where
// it is a whole word, as the index found it (京都, not the end of 東京都);
// inflected words and kanji words typed in kana are found by splitting the
// window into words. Without a match it returns the start of the body.
func snippet(body string, m marks, stem func(string) string) []Fragment {
	body = strings.Join(strings.Fields(body), " ")
	if body == "" {
		return nil
	}
	v := newTextView(body)
	spans := findSpans(v, m, stem)
	start, end := bestWindow(body, spans)
	verdict := map[span]bool{}
	for try := 1; ; try++ {
		before := distinctIn(spans, start, end)
		spans = slices.DeleteFunc(spans, func(sp span) bool {
			if !sp.word || sp.end <= start || sp.start >= end {
				return false
			}
			ok, seen := verdict[sp]
			if !seen {
				ok = v.wholeWords(sp.start, sp.end)
				verdict[sp] = ok
			}
			return !ok
		})
		if distinctIn(spans, start, end) == before || try == maxWindowTries {
			// The window still matches as many terms: keep it.
			break
		}
		start, end = bestWindow(body, spans)
	}
	if len(m.terms) > 0 || len(m.readings) > 0 {
		spans = append(spans, v.wordSpans(start, end, m)...)
		sortSpans(spans)
	}
	return fragments(body, start, end, spans)
}

// distinctIn counts the terms the spans inside [start, end) match.
func distinctIn(spans []span, start, end int) int {
	var ids []int
	for _, sp := range spans {
		if sp.start >= start && sp.end <= end && !slices.Contains(ids, sp.id) {
			ids = append(ids, sp.id)
		}
	}
	return len(ids)
}

// textView is body normalised as the index normalises text, before and
// after folding kana, with the offset in body of every byte. Folding keeps
// byte offsets (katakana and hiragana are both three bytes), so both
// strings share one table.
type textView struct {
	body   string
	plain  string // NFKC, lower case
	folded string // and kana folded
	from   []int32
}

func newTextView(body string) *textView {
	var b strings.Builder
	b.Grow(len(body))
	from := make([]int32, 0, len(body))
	var it norm.Iter
	it.InitString(norm.NFKC, body)
	for !it.Done() {
		p := it.Pos()
		seg := it.Next()
		if len(seg) == 1 && seg[0] < utf8.RuneSelf {
			c := seg[0]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			from = append(from, int32(p))
			continue
		}
		s := strings.ToLower(string(seg))
		b.WriteString(s)
		for range len(s) {
			from = append(from, int32(p))
		}
	}
	plain := b.String()
	return &textView{body: body, plain: plain, folded: foldKana(plain), from: from}
}

// foldedView is body normalised as the index normalises text, with the
// offset in body of every byte.
func foldedView(body string) (string, []int32) {
	v := newTextView(body)
	return v.folded, v.from
}

// orig maps the view's byte range [a, b) back to body.
func (v *textView) orig(a, b int) (int, int) {
	for b < len(v.folded) && b > a && v.from[b] == v.from[b-1] {
		b++ // a match ending inside a folded character takes all of it
	}
	e := len(v.body)
	if b < len(v.folded) {
		e = int(v.from[b])
	}
	return int(v.from[a]), e
}

// at is the offset in the view of body offset i.
func (v *textView) at(i int) int {
	n, _ := slices.BinarySearch(v.from, int32(i))
	return n
}

func findSpans(v *textView, m marks, stem func(string) string) []span {
	var spans []span
	for _, list := range []struct {
		marks []markText
		word  bool
	}{{m.texts, false}, {m.words, true}} {
		for _, t := range list.marks {
			for off := 0; len(spans) < maxSpans; {
				i := strings.Index(v.folded[off:], t.text)
				if i < 0 {
					break
				}
				a, b := v.orig(off+i, off+i+len(t.text))
				spans = append(spans, span{a, b, t.id, list.word})
				off += i + len(t.text)
			}
		}
	}
	if len(m.stems) > 0 || len(m.fuzzy) > 0 || len(m.prefixes) > 0 {
		cache := map[string]string{}
		forWords(v.folded, func(a, b int) bool {
			if id, ok := m.matchWord(v.folded[a:b], cache, stem); ok {
				x, y := v.orig(a, b)
				spans = append(spans, span{x, y, id, false})
			}
			return len(spans) < maxSpans
		})
	}
	sortSpans(spans)
	return spans
}

func sortSpans(spans []span) {
	slices.SortFunc(spans, func(x, y span) int {
		if x.start != y.start {
			return x.start - y.start
		}
		return y.end - x.end
	})
}

// wholeWords reports whether body[a:b] starts and ends on word
// boundaries, splitting a little text either side of it into words.
func (v *textView) wholeWords(a, b int) bool {
	va, vb := v.at(a), v.at(b)
	ca, cb := va, vb
	for n := 0; n < wordContext && ca > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(v.plain[:ca])
		ca -= size
	}
	cb = forwardRunes(v.plain, cb, wordContext)
	starts, ends := false, false
	for _, k := range kagomeTokenizer().Analyze(v.plain[ca:cb], tokenizer.Search) {
		if k.Class == tokenizer.DUMMY {
			continue
		}
		s, e := ca+k.Position, ca+k.Position+len(k.Surface)
		starts = starts || s == va
		ends = ends || e == vb
	}
	return starts && ends
}

// wordSpans splits the window [start, end) of the body into words as the
// index does and returns the words whose base form is a query word and the
// runs of words whose reading is a kana query term.
func (v *textView) wordSpans(start, end int, m marks) []span {
	va, vb := v.at(start), v.at(end)
	if len(m.terms) == 0 && !hasHan(v.plain[va:vb]) {
		return nil // readings mark only kanji words, and kana match as written
	}
	toks := analyzeJapanese(v.plain[va:vb])
	var out []span
	for i, t := range toks {
		for _, mt := range m.terms {
			if t.Term == mt.text {
				a, b := v.orig(va+t.Start, va+t.End)
				out = append(out, span{a, b, mt.id, false})
			}
		}
		if len(m.readings) == 0 || t.Reading == "" {
			continue
		}
		var r strings.Builder
		for n := 0; n < maxReadingWords && i+n < len(toks); n++ {
			w := toks[i+n]
			if w.Reading == "" || (n > 0 && w.Position != toks[i+n-1].Position+1) {
				break
			}
			r.WriteString(w.Reading)
			for _, mr := range m.readings {
				if r.String() == mr.text {
					a, b := v.orig(va+t.Start, va+w.End)
					out = append(out, span{a, b, mr.id, false})
				}
			}
		}
	}
	return out
}

// matchWord reports whether the English word w matches a mark, and which
// term's. Stemming is the costly test, so it runs only on words whose first
// letter a stem shares, and once per word.
func (m *marks) matchWord(w string, cache map[string]string, stem func(string) string) (int, bool) {
	for _, p := range m.prefixes {
		if strings.HasPrefix(w, p.text) {
			return p.id, true
		}
	}
	for _, f := range m.fuzzy {
		if d := len(w) - len(f.word); d <= f.fuzz && -d <= f.fuzz && editDistance(w, f.word, f.fuzz) <= f.fuzz {
			return f.id, true
		}
	}
	for _, s := range m.stems {
		if w[0] != s.text[0] {
			continue
		}
		st, ok := cache[w]
		if !ok {
			st = stem(w)
			cache[w] = st
		}
		if st == s.text {
			return s.id, true
		}
	}
	return 0, false
}

// forWords calls fn with the byte range of every run of Latin letters and
// digits in s, until fn returns false.
func forWords(s string, fn func(a, b int) bool) {
	start := -1
	for i, r := range s {
		word := (unicode.IsLetter(r) || unicode.IsDigit(r)) && !isCJK(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			if !fn(start, i) {
				return
			}
			start = -1
		}
	}
	if start >= 0 {
		fn(start, len(s))
	}
}

// bestWindow returns the byte range of the snippet.
func bestWindow(body string, spans []span) (int, int) {
	if len(spans) == 0 {
		return 0, forwardRunes(body, 0, snippetRunes)
	}
	bestStart, bestEnd, bestDistinct, bestCount := 0, 0, -1, -1
	seen := map[int]bool{}
	for i, sp := range spans {
		if i > 0 && sp.start == spans[i-1].start {
			continue
		}
		start := leadStart(body, sp.start)
		end := forwardRunes(body, start, snippetRunes)
		clear(seen)
		count := 0
		for _, o := range spans[i:] {
			if o.start >= end {
				break
			}
			if o.end <= end {
				seen[o.id] = true
				count++
			}
		}
		if len(seen) > bestDistinct || (len(seen) == bestDistinct && count > bestCount) {
			bestStart, bestEnd, bestDistinct, bestCount = start, end, len(seen), count
		}
	}
	if bestEnd == len(body) && bestStart > 0 {
		// Near the end: show a full window rather than a stub.
		bestStart = backRunes(body, bestEnd, snippetRunes)
	}
	return bestStart, bestEnd
}

// leadStart steps back from a match up to snippetLead runes, stopping
// after a sentence end so the snippet starts with its sentence.
func leadStart(body string, at int) int {
	i := at
	for n := 0; n < snippetLead && i > 0; n++ {
		r, size := utf8.DecodeLastRuneInString(body[:i])
		if n > 0 && (r == '。' || r == '.' || r == '!' || r == '?' || r == '！' || r == '？') {
			break
		}
		i -= size
	}
	for i < at && body[i] == ' ' {
		i++
	}
	return i
}

func forwardRunes(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

func backRunes(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

// fragments cuts body[start:end] into marked and unmarked runs, with "…"
// where the window cuts the body.
func fragments(body string, start, end int, spans []span) []Fragment {
	var out []Fragment
	text := func(s string, match bool) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Match == match {
			out[n-1].Text += s
			return
		}
		out = append(out, Fragment{Text: s, Match: match})
	}
	if start > 0 {
		text("…", false)
	}
	at := start
	for _, sp := range spans {
		if sp.end <= at {
			continue
		}
		if sp.start >= end || sp.end > end {
			continue
		}
		if sp.start < at {
			continue // overlaps a marked run
		}
		text(body[at:sp.start], false)
		text(body[sp.start:sp.end], true)
		at = sp.end
	}
	text(body[at:end], false)
	if end < len(body) {
		text("…", false)
	}
	return out
}

// editDistance is the Levenshtein distance of a and b, or max+1 once it
// is known to exceed max.
func editDistance(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > max || -d > max {
		return max + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		low := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			low = min(low, cur[j])
		}
		if low > max {
			return max + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

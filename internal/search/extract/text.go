package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// gap is the separation pending between the text written so far and the next
// character.
type gap uint8

const (
	gapNone  gap = iota
	gapSpace     // white space within a line
	gapBreak     // white space that held a line break in the source
	gapBlock     // the end of a block: a new line
)

// textWriter collapses white space as a browser renders it, with a limit on
// the bytes it keeps. A line break in the source between two Japanese or
// Chinese characters becomes nothing rather than a space, as CSS Text asks,
// because those scripts wrap lines inside words.
type textWriter struct {
	b     strings.Builder
	limit int
	gap   gap
	last  rune
	full  bool
}

func newTextWriter(limit int) *textWriter {
	return &textWriter{limit: limit}
}

// write adds text, collapsing its white space.
func (w *textWriter) write(s string) {
	for _, r := range s {
		if w.full {
			return
		}
		switch {
		case r == '\n' || r == '\r':
			w.space(gapBreak)
		case unicode.IsSpace(r):
			w.space(gapSpace)
		case r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			// Replacement characters stand for bytes that were not text;
			// format characters (soft hyphens, zero-width spaces, byte
			// order marks) are invisible and would split words.
		default:
			w.rune(r)
		}
	}
}

// block ends a block: what follows starts a new line.
func (w *textWriter) block() {
	if w.b.Len() > 0 {
		w.gap = gapBlock
	}
}

func (w *textWriter) space(g gap) {
	if w.b.Len() > 0 && g > w.gap {
		w.gap = g
	}
}

func (w *textWriter) rune(r rune) {
	sep := ""
	switch w.gap {
	case gapSpace:
		sep = " "
	case gapBreak:
		if !wide(w.last) || !wide(r) {
			sep = " "
		}
	case gapBlock:
		sep = "\n"
	}
	if w.b.Len()+len(sep)+utf8.RuneLen(r) > w.limit {
		w.full = true
		return
	}
	w.b.WriteString(sep)
	w.b.WriteRune(r)
	w.gap = gapNone
	w.last = r
}

// String returns the text written so far.
func (w *textWriter) String() string {
	return w.b.String()
}

// Len returns the number of bytes written so far.
func (w *textWriter) Len() int {
	return w.b.Len()
}

// collapse returns s with its white space collapsed, at most limit bytes.
func collapse(s string, limit int) string {
	w := newTextWriter(limit)
	w.write(s)
	return w.String()
}

// wide reports whether r belongs to a script written without spaces between
// words (Japanese and Chinese), or is a full-width form.
func wide(r rune) bool {
	switch {
	case r < 0x2E80:
		return false
	case r >= 0x3000 && r <= 0x30FF, // CJK punctuation, hiragana, katakana
		r >= 0x3400 && r <= 0x4DBF,   // CJK extension A
		r >= 0x4E00 && r <= 0x9FFF,   // CJK unified ideographs
		r >= 0xF900 && r <= 0xFAFF,   // CJK compatibility ideographs
		r >= 0xFF00 && r <= 0xFFEF,   // half- and full-width forms
		r >= 0x31F0 && r <= 0x31FF,   // katakana phonetic extensions
		r >= 0x20000 && r <= 0x3FFFF: // CJK extensions B and later
		return true
	}
	return unicode.Is(unicode.Han, r)
}

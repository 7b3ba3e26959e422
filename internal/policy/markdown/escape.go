package markdown

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape turns plain text into inline Markdown that reads as the same
// text, here and in CommonMark renderers: it joins lines into one and
// backslash-escapes every character that could start markup, including
// block markers at the start of the text, so the result can stand anywhere
// in a line: in a paragraph, a list item, a heading or a table cell.
func Escape(s string) string {
	s = oneLine(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '{', '}', '~':
			b.WriteByte('\\')
		case '&':
			if entityAt(s[i:]) {
				b.WriteByte('\\')
			}
		case '#', '-', '+', '=', '!':
			if i == 0 {
				b.WriteByte('\\')
			}
		case '.', ')':
			if digitsOnly(s[:i]) && (i+1 == len(s) || s[i+1] == ' ') {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Code returns s as a code span.
func Code(s string) string {
	s = oneLine(s)
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	s = strings.ReplaceAll(s, "|", `\|`)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || (strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ")) {
		s = " " + s + " "
	}
	return fence + s + fence
}

// Link returns a link to href whose text is the plain text text.
func Link(text, href string) string {
	return "[" + Escape(text) + "](" + Destination(href) + ")"
}

// Autolink returns href as a link that shows the address itself.
func Autolink(href string) string {
	return "<" + Destination(href) + ">"
}

// Destination makes href safe to write as the target of a link, "[text](here)"
// or "<here>": it percent-encodes what would end or break it, that is
// spaces, controls, angle brackets, parentheses, pipes (which would split a
// table cell), backslashes and backticks.
func Destination(href string) string {
	var b strings.Builder
	for i := 0; i < len(href); i++ {
		c := href[i]
		if c <= ' ' || c == 0x7f || strings.IndexByte(`<>()|\`+"`", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// oneLine joins the lines of s with single spaces, or with nothing where
// the break falls between two characters of a script written without
// spaces, such as Japanese.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	var b strings.Builder
	for i, f := range fields {
		f = strings.TrimSpace(strings.ReplaceAll(f, "\t", " "))
		if f == "" {
			continue
		}
		if i > 0 && b.Len() > 0 {
			prev, _ := utf8.DecodeLastRuneInString(b.String())
			next, _ := utf8.DecodeRuneInString(f)
			if !(wide(prev) && wide(next)) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(f)
	}
	return b.String()
}

// wide reports whether r belongs to a script written without spaces
// between words (CJK ideographs, kana, full-width forms and punctuation).
func wide(r rune) bool {
	return r >= 0x2E80 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF || r >= 0xFF00 && r <= 0xFFEF
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// entityAt reports whether s starts with something CommonMark would read
// as an HTML entity, such as "&amp;" or "&#169;".
func entityAt(s string) bool {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 32 {
		return false
	}
	for i := 1; i < end; i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '#') {
			return false
		}
	}
	return true
}

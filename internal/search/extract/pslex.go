package extract

import (
	"bytes"
	"encoding/hex"
	"iter"
	"strconv"
)

// psToken is one token of a content stream or CMap, the PostScript-like
// syntax of PDF: kind is 'n' for a number, 's' for a string (literal or
// hex, as its bytes), '/' for a name, '[' and ']' for arrays' bounds and
// 'k' for a keyword (an operator, true, false, null).
type psToken struct {
	kind byte
	num  float64
	text string
}

// psTokens yields the tokens of b. It is written for this package rather
// than taken from the parser, whose lexer loops forever on an unterminated
// string at the end of a stream. Dictionaries' bounds and comments are
// skipped, and so is the data of inline images, which is binary.
func psTokens(b []byte) iter.Seq[psToken] {
	return func(yield func(psToken) bool) {
		for i := 0; i < len(b); {
			c := b[i]
			var t psToken
			switch {
			case isPDFSpace(c):
				i++
				continue
			case c == '%':
				for i < len(b) && b[i] != '\n' && b[i] != '\r' {
					i++
				}
				continue
			case c == '<' && i+1 < len(b) && b[i+1] == '<', c == '>' && i+1 < len(b) && b[i+1] == '>':
				i += 2
				continue
			case c == '<':
				j := bytes.IndexByte(b[i:], '>')
				if j < 0 {
					j = len(b) - i
				}
				t = psToken{kind: 's', text: hexString(b[i+1 : i+j])}
				i += j + 1
			case c == '(':
				t.kind = 's'
				t.text, i = literalString(b, i+1)
			case c == '[' || c == ']':
				t.kind = c
				i++
			case c == '/':
				j := tokenEnd(b, i+1)
				t = psToken{kind: '/', text: string(b[i+1 : j])}
				i = j
			default:
				j := tokenEnd(b, i)
				if j == i { // a stray delimiter: ) > { }
					i++
					continue
				}
				word := b[i:j]
				i = j
				if n, err := strconv.ParseFloat(string(word), 64); err == nil && (word[0] == '-' || word[0] == '+' || word[0] == '.' || (word[0] >= '0' && word[0] <= '9')) {
					t = psToken{kind: 'n', num: n}
					break
				}
				t = psToken{kind: 'k', text: string(word)}
				if t.text == "ID" {
					// Inline image data runs to an EI between white space.
					i = inlineImageEnd(b, i+1)
				}
			}
			if !yield(t) {
				return
			}
		}
	}
}

// tokenEnd returns the index after the regular characters from i.
func tokenEnd(b []byte, i int) int {
	for i < len(b) && !isPDFSpace(b[i]) && !isPDFDelim(b[i]) {
		i++
	}
	return i
}

func hexString(h []byte) string {
	digits := make([]byte, 0, len(h)+1)
	for _, c := range h {
		if !isPDFSpace(c) {
			digits = append(digits, c)
		}
	}
	if len(digits)%2 == 1 {
		digits = append(digits, '0')
	}
	out := make([]byte, len(digits)/2)
	n, _ := hex.Decode(out, digits)
	return string(out[:n])
}

// literalString reads a (string) from just after its opening parenthesis
// and returns its bytes and the index after it. An unterminated string
// ends with the data.
func literalString(b []byte, i int) (string, int) {
	var out []byte
	depth := 1
	for i < len(b) {
		c := b[i]
		i++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return string(out), i
			}
		case '\\':
			if i >= len(b) {
				continue
			}
			e := b[i]
			i++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if i < len(b) && b[i] == '\n' {
					i++
				}
				continue
			case '\n':
				continue
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := int(e - '0')
				for k := 0; k < 2 && i < len(b) && b[i] >= '0' && b[i] <= '7'; k++ {
					v = v*8 + int(b[i]-'0')
					i++
				}
				c = byte(v)
			default:
				c = e
			}
		}
		out = append(out, c)
	}
	return string(out), i
}

// inlineImageEnd returns the index after the EI that ends inline image
// data starting at i.
func inlineImageEnd(b []byte, i int) int {
	for i < len(b) {
		j := bytes.Index(b[i:], []byte("EI"))
		if j < 0 {
			return len(b)
		}
		at := i + j
		before := at == 0 || isPDFSpace(b[at-1])
		after := at+2 == len(b) || isPDFSpace(b[at+2])
		i = at + 2
		if before && after {
			return i
		}
	}
	return len(b)
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

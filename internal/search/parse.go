package search

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a visitor may ask.
const (
	maxQueryRunes = 256
	maxQueryBytes = 1 << 10
	maxPage       = 100
	maxPerPage    = 50
)

// term is one word or quoted phrase of a query, normalised.
type term struct {
	Text   string
	Phrase bool
	// prefix marks the last word of a query still being typed, which also
	// matches the words it begins.
	prefix bool
}

// parseQuery splits what a visitor typed into terms. The only syntax is
// the quoted phrase ("…", “…” or 「…」; an unclosed quote runs to the end):
// everything else is text, so brackets, colons and operators are ignored
// rather than interpreted. Terms with no letter or digit are dropped; how
// many of the rest are searched is bound's decision.
func parseQuery(text string) ([]term, error) {
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("%w: not valid UTF-8", ErrBadQuery)
	}
	if len(text) > maxQueryBytes {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrBadQuery, maxQueryBytes)
	}
	if n := utf8.RuneCountInString(text); n > maxQueryRunes {
		return nil, fmt.Errorf("%w: longer than %d characters", ErrBadQuery, maxQueryRunes)
	}
	s := normalize(text)
	var terms []term
	add := func(t string, phrase bool) {
		if phrase {
			t = strings.Join(strings.FieldsFunc(t, unicode.IsSpace), " ")
		}
		t = strings.TrimFunc(t, func(r rune) bool { return !isWordRune(r) })
		if t == "" {
			return
		}
		terms = append(terms, term{Text: t, Phrase: phrase})
	}
	var cur strings.Builder
	var closing rune // the closing quote of the phrase being read, 0 outside one
	for _, r := range s {
		switch {
		case closing != 0 && r == closing:
			add(cur.String(), true)
			cur.Reset()
			closing = 0
		case closing != 0:
			cur.WriteRune(r)
		case r == '"' || r == '“' || r == '「' || r == '『':
			add(cur.String(), false)
			cur.Reset()
			closing = closingQuote(r)
		case unicode.IsSpace(r):
			add(cur.String(), false)
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	add(cur.String(), closing != 0)
	return terms, nil
}

func closingQuote(open rune) rune {
	switch open {
	case '“':
		return '”'
	case '「':
		return '」'
	case '『':
		return '』'
	}
	return '"'
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == 'ー' || r == '々'
}

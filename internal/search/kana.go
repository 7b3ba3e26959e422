package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalize is the first step of every analyzer: width and compatibility
// forms folded by NFKC (ｿｳｷﾞｮｳ becomes ソウギョウ, ＡＢＣ becomes abc) and
// letters lower-cased, so the index and the query meet whatever the writer
// typed.
func normalize(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

// foldKana turns katakana into hiragana so ソウギョウ and そうぎょう are
// one term. It runs after tokenising: kagome needs the katakana to find
// loanwords.
func foldKana(s string) string {
	if !hasKatakana(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldKanaRune(r))
	}
	return b.String()
}

func foldKanaRune(r rune) rune {
	switch {
	case r >= 'ァ' && r <= 'ヶ':
		return r - 0x60
	case r == 'ヽ' || r == 'ヾ':
		return r - 0x60
	}
	return r
}

func hasKatakana(s string) bool {
	for _, r := range s {
		if (r >= 'ァ' && r <= 'ヶ') || r == 'ヽ' || r == 'ヾ' {
			return true
		}
	}
	return false
}

// isCJK reports whether r is written in Japanese script: kanji, kana, the
// prolonged sound mark and the iteration marks.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || r == 'ー' || r == '々' || r == '〆' || r == 'ヵ' || r == 'ヶ'
}

// hasHan reports whether s has a kanji.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || r == '々' || r == '〆' {
			return true
		}
	}
	return false
}

// isKana reports whether r is hiragana, katakana or the prolonged sound mark.
func isKana(r rune) bool {
	return unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || r == 'ー'
}

// hasCJK reports whether s has any Japanese script.
func hasCJK(s string) bool {
	for _, r := range s {
		if isCJK(r) {
			return true
		}
	}
	return false
}

// allKana reports whether s is written in kana only (and is not empty).
func allKana(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isKana(r) {
			return false
		}
	}
	return true
}

// hasLatin reports whether s has a letter or digit outside Japanese script,
// the part the English analyzer reads.
func hasLatin(s string) bool {
	for _, r := range s {
		if (unicode.IsLetter(r) || unicode.IsDigit(r)) && !isCJK(r) {
			return true
		}
	}
	return false
}

// latinOnly blanks Japanese script out of s, so the English analyzer does
// not fill the English fields with single kanji.
func latinOnly(s string) string {
	if !hasCJK(s) {
		return s
	}
	b := []byte(s)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if isCJK(r) {
			for j := 0; j < n; j++ {
				b[i+j] = ' '
			}
		}
		i += n
	}
	return string(b)
}

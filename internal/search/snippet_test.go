package search

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzSnippet(f *testing.F) {
	f.Add("東京都の観光と、京都の紅葉をご案内します。", "京都")
	f.Add("創業補助金の申請を受け付けています。", "ほじょきん")
	f.Add("ｿｳｷﾞｮｳ塾のご案内", "ソウギョウ")
	f.Fuzz(func(t *testing.T, body, q string) {
		if len(body) > 4<<10 || len(q) > 64 || !utf8.ValidString(body) {
			return
		}
		terms, err := parseQuery(q)
		if err != nil {
			return
		}
		var m marks
		for i, tm := range terms {
			if hasCJK(tm.Text) {
				japaneseQuery(tm, i, &m, true, splitter{})
			}
		}
		flat := strings.Join(strings.Fields(body), " ")
		var text strings.Builder
		for _, fr := range snippet(body, m, func(string) string { return "" }) {
			if !utf8.ValidString(fr.Text) {
				t.Fatalf("fragment %q is not valid UTF-8", fr.Text)
			}
			text.WriteString(fr.Text)
		}
		got := strings.TrimSuffix(strings.TrimPrefix(text.String(), "…"), "…")
		if !strings.Contains(flat, got) {
			t.Fatalf("snippet %q is not a part of %q", got, flat)
		}
		if n := utf8.RuneCountInString(got); n > snippetRunes {
			t.Fatalf("snippet of %d runes", n)
		}
	})
}

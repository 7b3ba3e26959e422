package search

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in   string
		want []term
	}{
		{"創業支援", []term{{Text: "創業支援"}}},
		{"  subsidy   grant ", []term{{Text: "subsidy"}, {Text: "grant"}}},
		{"創業　支援", []term{{Text: "創業"}, {Text: "支援"}}}, // an ideographic space separates
		{`"local business" owners`, []term{{Text: "local business", Phrase: true}, {Text: "owners"}}},
		{`「創業 支援」`, []term{{Text: "創業 支援", Phrase: true}}},
		{`“seed grant”`, []term{{Text: "seed grant", Phrase: true}}},
		{`"unclosed phrase`, []term{{Text: "unclosed phrase", Phrase: true}}},
		{`""`, nil},
		{"((((a", []term{{Text: "a"}}},
		{"title:subsidy", []term{{Text: "title:subsidy"}}},
		{"!!! ？？ 。。", nil},
		{"ＳＵＢＳＩＤＹ", []term{{Text: "subsidy"}}},
		{"ｿｳｷﾞｮｳ", []term{{Text: "ソウギョウ"}}},
		{strings.Repeat("a ", 20), slices.Repeat([]term{{Text: "a"}}, 20)}, // bound drops the surplus
	}
	for _, tt := range tests {
		got, err := parseQuery(tt.in)
		if err != nil {
			t.Errorf("parseQuery(%q): %v", tt.in, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("parseQuery(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseQueryRefuses(t *testing.T) {
	for _, in := range []string{
		"\xff",
		"ok \xc3",
		strings.Repeat("x", maxQueryBytes+1),
		strings.Repeat("字", maxQueryRunes+1),
	} {
		if _, err := parseQuery(in); !errors.Is(err, ErrBadQuery) {
			t.Errorf("parseQuery(%.20q): %v, want ErrBadQuery", in, err)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"創業支援", `"local business" owners`, "((((a", "ｿｳｷﾞｮｳ", "「創業", "a\u3000b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		terms, err := parseQuery(in)
		if err != nil {
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("parseQuery(%q): %v is not ErrBadQuery", in, err)
			}
			return
		}
		if len(terms) > utf8.RuneCountInString(in) {
			t.Fatalf("parseQuery(%q): %d terms", in, len(terms))
		}
		for _, tm := range terms {
			if tm.Text == "" || !utf8.ValidString(tm.Text) {
				t.Fatalf("parseQuery(%q): term %q", in, tm.Text)
			}
			if tm.Text != strings.TrimSpace(tm.Text) {
				t.Fatalf("parseQuery(%q): term %q has edge spaces", in, tm.Text)
			}
			if !tm.Phrase && strings.ContainsFunc(tm.Text, func(r rune) bool { return r == ' ' }) {
				t.Fatalf("parseQuery(%q): word %q has a space", in, tm.Text)
			}
		}
	})
}

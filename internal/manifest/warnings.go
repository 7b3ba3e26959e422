package manifest

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// longVowelWords are loanwords whose Japanese spelling varies in the final
// long vowel. Noren's own texts write the long form, as the government's
// 外来語の表記 does for a word ending in -er, -or or -ar, so a short form in
// the manifest is the odd one out in every document it appears in.
var longVowelWords = []struct {
	short, long string
	// others are words that start with short and are not the term.
	others []string
}{
	{short: "ブラウザ", long: "ブラウザー"},
	{short: "コンピュータ", long: "コンピューター"},
	{short: "サーバ", long: "サーバー"},
	{short: "ユーザ", long: "ユーザー", others: []string{"ユーザビリティ"}},
}

// basisOutOfPlace are names of the Telecommunications Business Act, which
// rules the external transmission of information that the cookie policy
// describes and is not a basis for handling personal information.
var basisOutOfPlace = []string{"電気通信事業法", "telecommunications business act"}

// Warnings lists what a valid manifest says that reads wrong in the
// documents Noren generates from it, located like problems. They refuse
// nothing: the operator may have reasons.
func (m *Manifest) Warnings() []Problem {
	var ws []Problem
	add := func(path, format string, args ...any) {
		ws = append(ws, Problem{File: m.file, Line: lineOf(m.lines, path), Path: path, Message: fmt.Sprintf(format, args...)})
	}

	short := make([][]string, len(longVowelWords))
	long := make([]int, len(longVowelWords))
	walkTexts(reflect.ValueOf(m).Elem(), "", func(path string, t Text) {
		s := t["ja"]
		for i, w := range longVowelWords {
			long[i] += strings.Count(s, w.long)
			if hasShort(s, w.short, w.others) {
				short[i] = append(short[i], path+".ja")
			}
		}
	})
	for i, w := range longVowelWords {
		for _, path := range short[i] {
			also := ""
			if long[i] > 0 {
				also = fmt.Sprintf(" (this manifest writes it %d time(s) too)", long[i])
			}
			add(path, "「%s」: write 「%s」, as Noren's documents do%s; one term, one spelling", w.short, w.long, also)
		}
	}

	for _, lang := range slices.Sorted(maps.Keys(m.Policy.Basis)) {
		b := strings.ToLower(m.Policy.Basis[lang])
		if slices.ContainsFunc(basisOutOfPlace, func(s string) bool { return strings.Contains(b, s) }) {
			add("policy.basis."+lang, "the Telecommunications Business Act is not a basis for handling personal information; "+
				"the cookie policy cites it by itself for external transmission. Name the Act on the Protection of Personal Information "+
				"(and the ordinance) only, or leave policy.basis out to have Noren write it")
		}
	}
	slices.SortStableFunc(ws, func(a, b Problem) int { return a.Line - b.Line })
	return ws
}

// hasShort reports whether s writes short in a place that is neither the
// long form nor the start of one of others.
func hasShort(s, short string, others []string) bool {
	for i := strings.Index(s, short); i >= 0; {
		rest := s[i+len(short):]
		if !strings.HasPrefix(rest, "ー") && !slices.ContainsFunc(others, func(o string) bool { return strings.HasPrefix(s[i:], o) }) {
			return true
		}
		j := strings.Index(rest, short)
		if j < 0 {
			return false
		}
		i += len(short) + j
	}
	return false
}

// walkTexts calls fn with every text of rv and its path.
func walkTexts(rv reflect.Value, path string, fn func(path string, t Text)) {
	switch rv.Kind() {
	case reflect.Map:
		if rv.Type() == textType && rv.Len() > 0 {
			fn(path, rv.Interface().(Text))
		}
	case reflect.Struct:
		t := rv.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if f.IsExported() && name != "" {
				walkTexts(rv.Field(i), join(path, name), fn)
			}
		}
	case reflect.Slice:
		for i := range rv.Len() {
			walkTexts(rv.Index(i), fmt.Sprintf("%s[%d]", path, i), fn)
		}
	}
}

package manifest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestSearchSynonyms(t *testing.T) {
	base := string(mustRead(t, "testdata/minimal.yaml"))
	tests := []struct {
		name string
		yaml string // appended to the minimal manifest
		want [][]string
	}{
		{"none", "", nil},
		{"empty list", "search: {synonyms: []}\n", nil},
		{
			"folded",
			"search:\n  synonyms:\n    - [創業, 起業, ｽﾀｰﾄｱｯﾌﾟ, StartUp]\n    - [補助金, 助成金]\n",
			[][]string{{"創業", "起業", "スタートアップ", "startup"}, {"補助金", "助成金"}},
		},
		{"full-width letters", "search: {synonyms: [[ＡＩ, 人工知能]]}\n", [][]string{{"ai", "人工知能"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("m.yaml", []byte(base+tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if got := m.SearchSynonyms(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SearchSynonyms() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSearchSynonymProblems(t *testing.T) {
	base := string(mustRead(t, "testdata/minimal.yaml"))
	many := func(n int, word func(int) string) string {
		words := make([]string, n)
		for i := range words {
			words[i] = word(i)
		}
		return "[" + strings.Join(words, ", ") + "]"
	}
	groups := make([]string, maxSynonymGroups+1)
	for i := range groups {
		groups[i] = fmt.Sprintf("[a%d, b%d]", i, i)
	}
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"one word", "search: {synonyms: [[創業]]}\n", `search.synonyms[0]: a group of synonyms needs at least two different words`},
		{"same word twice", "search: {synonyms: [[startup, StartUp]]}\n", `search.synonyms[0][1]: "StartUp" is already in the group`},
		{"width variants are one word", "search: {synonyms: [[スタートアップ, ｽﾀｰﾄｱｯﾌﾟ]]}\n", `search.synonyms[0]: a group of synonyms needs at least two different words`},
		{"empty word", "search: {synonyms: [[創業, \"  \"]]}\n", `search.synonyms[0][1]: empty word`},
		{"long word", "search: {synonyms: [[創業, " + strings.Repeat("あ", maxSynonymRunes+1) + "]]}\n", `search.synonyms[0][1]: word of 65 characters: at most 64`},
		{"large group", "search: {synonyms: [" + many(maxSynonymWords+1, func(i int) string { return fmt.Sprintf("w%d", i) }) + "]}\n", `search.synonyms[0]: 51 words: at most 50 in a group`},
		{"too many groups", "search: {synonyms: [" + strings.Join(groups, ", ") + "]}\n", `search.synonyms: 201 groups: at most 200`},
		{"not a list of lists", "search: {synonyms: [創業, 起業]}\n", `search.synonyms[0]: want a list`},
		{"unknown key", "search: {synonym: [[創業, 起業]]}\n", `search.synonym: unknown key "synonym" (did you mean "synonyms"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(base+tt.yaml))
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want problems", err)
			}
			if !strings.Contains(ps.Error(), tt.want) {
				t.Errorf("problems:\n%v\nwant one containing %q", ps, tt.want)
			}
			for _, p := range ps {
				if p.Line < 2 {
					t.Errorf("problem not located at its line: %q", p)
				}
			}
		})
	}
}

// TestSearchLeavesOtherHashesAlone checks that a manifest without synonyms
// has the same canonical form as before the section existed, and that
// synonyms change the hash.
func TestSearchLeavesOtherHashesAlone(t *testing.T) {
	base := string(mustRead(t, "testdata/minimal.yaml"))
	for _, extra := range []string{"", "search: {}\n", "search: {synonyms: []}\n"} {
		m, err := Parse("m.yaml", []byte(base+extra))
		if err != nil {
			t.Fatal(err)
		}
		canon, err := m.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(canon), `"Search"`) || strings.Contains(string(canon), `"Synonyms"`) {
			t.Errorf("%q: canonical form names the search section: %s", extra, canon)
		}
	}
	plain, err := Parse("m.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	with, err := Parse("m.yaml", []byte(base+"search: {synonyms: [[創業, 起業]]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Hash() == with.Hash() {
		t.Error("synonyms do not change the hash")
	}
}

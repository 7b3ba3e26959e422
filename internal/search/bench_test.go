package search

import (
	"fmt"
	"strings"
	"testing"
)

// benchCorpus is a few hundred pages mixing the test corpus's sentences,
// enough for the query path to do real work.
func benchCorpus(b *testing.B) *Index {
	b.Helper()
	ix := openTest(b, [][]string{{"創業", "起業", "スタートアップ", "startup"}})
	var batch []entry
	for i := range 400 {
		d := corpus[i%len(corpus)]
		d.Path = fmt.Sprintf("%s%d/", d.Path, i)
		d.Body = d.Body + " " + corpus[(i*7+3)%len(corpus)].Body + " " + corpus[(i*5+1)%len(corpus)].Body
		batch = append(batch, entry{doc: d, version: "1"})
	}
	if err := ix.apply(b.Context(), batch, nil); err != nil {
		b.Fatal(err)
	}
	return ix
}

func BenchmarkSearch(b *testing.B) {
	ix := benchCorpus(b)
	// Hostile queries run with the ordinary ones: bounds keep them as cheap.
	queries := []struct{ name, text string }{
		{"創業支援", "創業支援"}, {"京都 紅葉", "京都 紅葉"}, {"ソウギョウ", "ソウギョウ"}, {"subsidy", "subsidy"},
		{"subsidu apply", "subsidu apply"}, {`"local business"`, `"local business"`}, {"起業", "起業"},
		{"long words with typos", "subsidiry applicaton enviroment goverment managment developement responsibilty accomodation recomendation committment neccessary occurence independant maintainance wednesdey definately"},
		{"Japanese prose", string([]rune(strings.Repeat("東京都の創業支援事業について、区市町村と連携して新しいスタートアップの育成を進めています。", 6))[:maxQueryRunes])},
		{"one-letter words", strings.Repeat("a b ", maxQueryRunes/4)},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ix.Search(b.Context(), Query{Text: q.text}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package search

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// corpus is a small bilingual site, enough to tell right from wrong.
var corpus = []Document{
	{Path: "/ja/news/sogyo/", Title: "説明会のお知らせ", Lang: "ja", Section: "news", Type: "html",
		Body: "東京都の創業支援事業について、説明会を開催します。参加は無料です。"},
	{Path: "/ja/news/support/", Title: "支援制度の一覧", Lang: "ja", Section: "news", Type: "html",
		Body: "創業に関する相談と、事業の支援を行っています。"},
	{Path: "/ja/news/tokyo/", Title: "東京都の観光案内", Lang: "ja", Section: "news", Type: "html",
		Body: "東京都の観光スポットを紹介します。"},
	{Path: "/ja/news/kyoto/", Title: "紅葉の季節", Lang: "ja", Section: "news", Type: "html",
		Body: "京都で紅葉を楽しむ旅のご案内です。"},
	{Path: "/ja/products/mirai/", Title: "新製品の発表", Lang: "ja", Section: "products", Type: "html",
		Body: "本日、新製品ノレンミライザーを発表しました。"},
	{Path: "/ja/events/juku/", Title: "講座のご案内", Lang: "ja", Section: "events", Type: "html",
		Body: "ソウギョウ塾の受講生を募集しています。"},
	{Path: "/ja/events/kigyo/", Title: "相談会", Lang: "ja", Section: "events", Type: "html",
		Body: "起業を目指す方のための相談会を開きます。"},
	{Path: "/en/news/subsidy/", Title: "Seed subsidy", Lang: "en", Section: "news", Type: "html",
		Headings: []string{"How to apply"},
		Body:     "The city offers a subsidy to new companies. Apply before March."},
	{Path: "/en/news/owners/", Title: "Owners", Lang: "en", Section: "news", Type: "html",
		Body: "We support local business owners across the region."},
	{Path: "/en/news/local/", Title: "Local", Lang: "en", Section: "news", Type: "html",
		Body: "Our business is to support local makers and the local economy."},
	{Path: "/en/events/startup/", Title: "Startup night", Lang: "en", Section: "events", Type: "html",
		Body: "An evening for every startup founder in town."},
	{Path: "/files/guide.pdf", Title: "Guide", Lang: "en", Section: "files", Type: "pdf",
		Body: "A printable guide to mentoring programmes."},
}

func openTest(t testing.TB, synonyms [][]string) *Index {
	t.Helper()
	ix, err := Open(t.Context(), Options{Dir: t.TempDir(), Synonyms: func() [][]string { return synonyms }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ix.Close(); err != nil {
			t.Error(err)
		}
	})
	return ix
}

func openCorpus(t testing.TB, synonyms [][]string) *Index {
	t.Helper()
	ix := openTest(t, synonyms)
	var batch []entry
	for _, d := range corpus {
		batch = append(batch, entry{doc: d, version: "v1"})
	}
	if err := ix.apply(t.Context(), batch, nil); err != nil {
		t.Fatal(err)
	}
	return ix
}

func paths(r *Results) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Path)
	}
	return out
}

func TestSearch(t *testing.T) {
	ix := openCorpus(t, [][]string{{"創業", "起業", "スタートアップ", "startup"}})
	tests := []struct {
		name  string
		q     Query
		first string   // the first hit, when set
		want  []string // all of these are hits
		not   []string // none of these is a hit
		total int      // the number of hits, when not -1
	}{
		{name: "japanese compound inside a sentence ranks first", q: Query{Text: "創業支援"},
			first: "/ja/news/sogyo/", total: -1},
		{name: "kyoto is not tokyo", q: Query{Text: "京都"},
			want: []string{"/ja/news/kyoto/"}, not: []string{"/ja/news/tokyo/"}, total: 1},
		{name: "unknown katakana through bigrams", q: Query{Text: "ミライザー"},
			want: []string{"/ja/products/mirai/"}, total: 1},
		// A kana term finds the pages that have it as written first, then
		// those with a kanji word read that way (創業), as a search box
		// should: someone typing そうぎょう means 創業 as often as not.
		{name: "katakana", q: Query{Text: "ソウギョウ"}, first: "/ja/events/juku/",
			want: []string{"/ja/news/sogyo/", "/ja/news/support/"}, total: 3},
		{name: "half-width katakana", q: Query{Text: "ｿｳｷﾞｮｳ"}, first: "/ja/events/juku/",
			want: []string{"/ja/news/sogyo/", "/ja/news/support/"}, total: 3},
		{name: "hiragana", q: Query{Text: "そうぎょう"}, first: "/ja/events/juku/",
			want: []string{"/ja/news/sogyo/", "/ja/news/support/"}, total: 3},
		{name: "reading of a place", q: Query{Text: "きょうと"},
			want: []string{"/ja/news/kyoto/"}, not: []string{"/ja/news/tokyo/", "/ja/news/sogyo/"}, total: 1},
		{name: "reading of a longer place", q: Query{Text: "とうきょうと"},
			want: []string{"/ja/news/tokyo/", "/ja/news/sogyo/"}, not: []string{"/ja/news/kyoto/"}, total: 2},
		{name: "english typo", q: Query{Text: "subsidu"}, first: "/en/news/subsidy/", total: 1},
		{name: "the word being typed matches the words it begins", q: Query{Text: "apply subsi"},
			first: "/en/news/subsidy/", total: 1},
		{name: "a finished word does not", q: Query{Text: "apply subsi "}, total: 0},
		{name: "english stem", q: Query{Text: "subsidies"}, first: "/en/news/subsidy/", total: 1},
		{name: "typo in a word whose stem is short", q: Query{Text: "mentorring"}, first: "/files/guide.pdf", total: 1},
		{name: "english words anywhere", q: Query{Text: "local business"},
			want: []string{"/en/news/owners/", "/en/news/local/"}, total: 2},
		{name: "phrase only matches the phrase", q: Query{Text: `"local business"`},
			want: []string{"/en/news/owners/"}, total: 1},
		{name: "japanese phrase", q: Query{Text: `"創業支援"`}, want: []string{"/ja/news/sogyo/"}, total: 1},
		{name: "synonyms", q: Query{Text: "起業"},
			want: []string{"/ja/events/kigyo/", "/ja/news/support/", "/en/events/startup/"}, total: -1},
		{name: "synonym by english stem", q: Query{Text: "startups"},
			want: []string{"/ja/events/kigyo/", "/en/events/startup/"}, total: -1},
		{name: "synonym inside a compound", q: Query{Text: "起業支援"},
			want: []string{"/ja/news/sogyo/"}, total: -1},
		{name: "lang filter", q: Query{Text: "startup", Lang: "ja"}, not: []string{"/en/events/startup/"}, total: -1},
		{name: "section filter", q: Query{Text: "起業", Section: "events"},
			want: []string{"/ja/events/kigyo/", "/en/events/startup/"}, total: 2},
		{name: "type filter", q: Query{Text: "guide", Type: "pdf"}, want: []string{"/files/guide.pdf"}, total: 1},
		{name: "type filter excludes", q: Query{Text: "guide", Type: "html"}, total: 0},
		{name: "title weighs more than body", q: Query{Text: "subsidy apply"}, first: "/en/news/subsidy/", total: 1},
		{name: "punctuation only", q: Query{Text: "!!! ？？ ((("}, total: 0},
		{name: "nested brackets are text", q: Query{Text: strings.Repeat("(", 200) + "subsidy"}, first: "/en/news/subsidy/", total: 1},
		{name: "operators are text", q: Query{Text: "title:subsidy +march -city"}, total: -1},
		{name: "stop words only", q: Query{Text: "the of"}, total: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ix.Search(t.Context(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got := paths(r)
			if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
				t.Errorf("first hit of %q: got %v, want %s first", tt.q.Text, got, tt.first)
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("%q: got %v, want %s among them", tt.q.Text, got, w)
				}
			}
			for _, n := range tt.not {
				if slices.Contains(got, n) {
					t.Errorf("%q: got %v, want no %s", tt.q.Text, got, n)
				}
			}
			if tt.total >= 0 && r.Total != tt.total {
				t.Errorf("%q: %d results %v, want %d", tt.q.Text, r.Total, got, tt.total)
			}
		})
	}
}

func TestReadings(t *testing.T) {
	ix := openTest(t, nil)
	docs := []Document{
		{Path: "/ja/hojokin/", Title: "補助金の申請", Body: "創業補助金の申請を受け付けています。", Lang: "ja", Type: "html"},
		{Path: "/ja/kana/", Title: "ほじょきんとは", Body: "ほじょきんの説明です。", Lang: "ja", Type: "html"},
		{Path: "/ja/other/", Title: "補助の手引き", Body: "金曜日に補助員を募集します。", Lang: "ja", Type: "html"},
	}
	for _, d := range docs {
		if err := ix.Put(t.Context(), d, "1"); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		q    string
		want []string // in this order
	}{
		// Written as typed ranks above read that way; 補助 and 金 apart
		// are not 補助金.
		{"ほじょきん", []string{"/ja/kana/", "/ja/hojokin/"}},
		{"ホジョキン", []string{"/ja/kana/", "/ja/hojokin/"}},
		{"そうぎょうほじょきん", []string{"/ja/hojokin/"}},
		{"しんせい", []string{"/ja/hojokin/"}},
	}
	for _, tt := range tests {
		r, err := ix.Search(t.Context(), Query{Text: tt.q})
		if err != nil {
			t.Fatal(err)
		}
		if got := paths(r); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.q, got, tt.want)
		}
	}
	r, err := ix.Search(t.Context(), Query{Text: "ほじょきん"})
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Hits[1]; !slices.Contains(h.Snippet, Fragment{Text: "補助金", Match: true}) {
		t.Errorf("snippet of %s: %v, want 補助金 marked", h.Path, h.Snippet)
	}
}

func TestReadingsAreWholeWords(t *testing.T) {
	for text, not := range map[string]string{
		"東京都の観光": "きょうと",
		"補助員の募集": "じょいん",
	} {
		var got []string
		for _, tok := range readings(analyzeJapanese(normalize(text))) {
			got = append(got, string(tok.Term))
		}
		if slices.Contains(got, not) {
			t.Errorf("readings of %s: %v, want no %s", text, got, not)
		}
		if len(got) == 0 {
			t.Errorf("readings of %s: none", text)
		}
	}
}

func TestKanaVariantsFindTheSamePages(t *testing.T) {
	ix := openCorpus(t, nil)
	var want []string
	for i, q := range []string{"ソウギョウ", "ｿｳｷﾞｮｳ", "そうぎょう"} {
		r, err := ix.Search(t.Context(), Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want = paths(r)
			if len(want) == 0 {
				t.Fatalf("%s found nothing", q)
			}
			continue
		}
		if got := paths(r); !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", q, got, want)
		}
	}
}

func TestSearchRefuses(t *testing.T) {
	ix := openCorpus(t, nil)
	for _, q := range []Query{
		{Text: strings.Repeat("a", 10<<10)},
		{Text: strings.Repeat("字", 257)},
		{Text: "ok\xff"},
		{Text: "ok", Page: -1},
		{Text: "ok", Page: 101},
		{Text: "ok", PerPage: 51},
		{Text: "ok", PerPage: -1},
		{Text: "ok", Lang: "\xff"},
	} {
		_, err := ix.Search(t.Context(), q)
		if !errors.Is(err, ErrBadQuery) {
			t.Errorf("Search(%.40q, page %d, per page %d): %v, want ErrBadQuery", q.Text, q.Page, q.PerPage, err)
		}
	}
}

func TestSearchHostile(t *testing.T) {
	ix := openCorpus(t, nil)
	for _, text := range []string{
		strings.Repeat("(", 1000),
		strings.Repeat("(((((", 1000),
		strings.Repeat("(((((", 1000)[:1000],
		strings.Repeat("!", 10<<10),
		strings.Repeat(`"`, 200),
		strings.Repeat("a ", 500)[:1000],
		strings.Repeat("創業", 128),
		"*:* OR 1=1; -- ",
		"\u0000\u200b\ufeff",
	} {
		r, err := ix.Search(t.Context(), Query{Text: text})
		if err != nil && !errors.Is(err, ErrBadQuery) {
			t.Errorf("Search(%.30q): %v", text, err)
		}
		if err == nil && r == nil {
			t.Errorf("Search(%.30q): no results and no error", text)
		}
	}
}

func TestPagination(t *testing.T) {
	ix := openTest(t, nil)
	for i := range 25 {
		d := Document{Path: "/en/p/" + string(rune('a'+i)) + "/", Title: "Page", Body: "grant programme", Lang: "en", Type: "html"}
		if err := ix.Put(t.Context(), d, "1"); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for page, want := range []int{10, 10, 5, 0} {
		r, err := ix.Search(t.Context(), Query{Text: "grant", Page: page + 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Hits) != want || r.Total != 25 {
			t.Errorf("page %d: %d hits of %d, want %d of 25", page+1, len(r.Hits), r.Total, want)
		}
		for _, h := range r.Hits {
			if seen[h.Path] {
				t.Errorf("page %d repeats %s", page+1, h.Path)
			}
			seen[h.Path] = true
		}
	}
	r, err := ix.Search(t.Context(), Query{Text: "grant", PerPage: 50})
	if err != nil || len(r.Hits) != 25 {
		t.Errorf("50 a page: %v hits, %v", len(r.Hits), err)
	}
}

func TestFacets(t *testing.T) {
	ix := openCorpus(t, [][]string{{"創業", "起業", "startup"}})
	r, err := ix.Search(t.Context(), Query{Text: "起業"})
	if err != nil {
		t.Fatal(err)
	}
	count := func(fc []FacetCount, v string) int {
		for _, c := range fc {
			if c.Value == v {
				return c.Count
			}
		}
		return 0
	}
	if count(r.Facets.Lang, "ja") == 0 || count(r.Facets.Lang, "en") == 0 {
		t.Errorf("lang facets %v, want ja and en", r.Facets.Lang)
	}
	if count(r.Facets.Section, "events") != 2 {
		t.Errorf("section facets %v, want events: 2", r.Facets.Section)
	}
	if count(r.Facets.Type, "html") != r.Total {
		t.Errorf("type facets %v, want html: %d", r.Facets.Type, r.Total)
	}
}

func TestSuggestion(t *testing.T) {
	ix := openCorpus(t, nil)
	tests := []struct{ q, want string }{
		{"mentrng guide", "mentoring guide"}, // two edits, beyond the typo tolerance
		{"cty", "city"},                      // too short for typo tolerance
		{"スポツト", "スポット"},                     // katakana, one edit
		{"観光スポツト", "観光スポット"},
		{"subsidy", ""},         // found: nothing to suggest
		{"zzzzqqq", ""},         // nothing near
		{"subsidy zzzzqqq", ""}, // the suggestion would find nothing
	}
	for _, tt := range tests {
		r, err := ix.Search(t.Context(), Query{Text: tt.q})
		if err != nil {
			t.Fatal(err)
		}
		if r.Suggestion != tt.want {
			t.Errorf("%q: suggestion %q (total %d), want %q", tt.q, r.Suggestion, r.Total, tt.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	ix := openCorpus(t, nil)
	r, err := ix.Search(t.Context(), Query{Text: "創業支援"})
	if err != nil || len(r.Hits) == 0 {
		t.Fatal(r, err)
	}
	var marked []string
	for _, f := range r.Hits[0].Snippet {
		if f.Match {
			marked = append(marked, f.Text)
		}
	}
	if strings.Join(marked, "|") != "創業支援" {
		t.Errorf("marked %q, want 創業支援", marked)
	}
	r, err = ix.Search(t.Context(), Query{Text: "ｿｳｷﾞｮｳ"})
	if err != nil || len(r.Hits) == 0 {
		t.Fatal(r, err)
	}
	if !slices.Contains(r.Hits[0].Snippet, Fragment{Text: "ソウギョウ", Match: true}) {
		t.Errorf("snippet %v, want ソウギョウ marked", r.Hits[0].Snippet)
	}
}

func TestSearchHonoursDeadline(t *testing.T) {
	ix := openCorpus(t, nil)
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := ix.Search(ctx, Query{Text: "subsidy"}); err == nil {
		t.Error("a search past its deadline succeeded")
	}
}

func TestRanking(t *testing.T) {
	ix := openTest(t, nil)
	docs := []Document{
		{Path: "/en/body/", Title: "Mentoring", Body: "Mentors help with every grant application and with pitching.", Lang: "en", Type: "html"},
		{Path: "/en/title/", Title: "Grant rules", Body: "Rules for applicants.", Lang: "en", Type: "html"},
		{Path: "/en/heading/", Title: "Funding", Headings: []string{"Grant"}, Body: "Funding for applicants.", Lang: "en", Type: "html"},
		{Path: "/ja/body/", Title: "お知らせ", Body: "説明会では補助金の申請方法を説明します。", Lang: "ja", Type: "html"},
		{Path: "/ja/title/", Title: "補助金の募集", Body: "募集を開始しました。", Lang: "ja", Type: "html"},
	}
	for _, d := range docs {
		if err := ix.Put(t.Context(), d, "1"); err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string][]string{
		"grant": {"/en/title/", "/en/heading/", "/en/body/"},
		"補助金":   {"/ja/title/", "/ja/body/"},
	} {
		r, err := ix.Search(t.Context(), Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if got := paths(r); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
}

func TestSnippetCases(t *testing.T) {
	long := strings.Repeat("前置きの文章です。", 40) + "ここで創業支援の話をします。" + strings.Repeat("後書きの文章です。", 40)
	tests := []struct {
		name   string
		body   string
		m      marks
		marked []string
		lead   bool // starts with …
		trail  bool // ends with …
	}{
		{name: "window around the match", body: long,
			m: marks{texts: []markText{{0, "創業支援"}}}, marked: []string{"創業支援"}, lead: true, trail: true},
		{name: "no match gives the start", body: long, m: marks{texts: []markText{{0, "存在しない"}}}, trail: true},
		{name: "width and case folded back to the original", body: "お問い合わせはＮＯＲＥＮ窓口まで。",
			m: marks{texts: []markText{{0, "noren"}}}, marked: []string{"ＮＯＲＥＮ"}},
		{name: "half-width katakana", body: "ｿｳｷﾞｮｳ塾のご案内",
			m: marks{texts: []markText{{0, "そうぎょう"}}}, marked: []string{"ｿｳｷﾞｮｳ"}},
		{name: "english stems", body: "The city offers subsidies. A subsidy is paid later.",
			m: marks{stems: []markText{{0, "subsidi"}}}, marked: []string{"subsidies", "subsidy"}},
		{name: "typos", body: "Subsidies and a subsidy.",
			m: marks{fuzzy: []markFuzzy{{0, "subsidu", 1}}}, marked: []string{"subsidy"}},
		{name: "prefix", body: "Mentoring and mentors.",
			m: marks{prefixes: []markText{{0, "mento"}}}, marked: []string{"Mentoring", "mentors"}},
		{name: "a word is not marked inside another", body: "東京都の観光と、京都の紅葉をご案内します。",
			m: marks{words: []markText{{0, "京都"}}}, marked: []string{"京都"}},
		{name: "a word only inside another is not marked", body: "東京都の観光をご案内します。",
			m: marks{words: []markText{{0, "京都"}}}},
		{name: "the window moves to the word", body: "東京都の観光。" + strings.Repeat("前置きの文章です。", 30) + "京都の紅葉。",
			m: marks{words: []markText{{0, "京都"}}}, marked: []string{"京都"}, lead: true},
		{name: "pairs are still marked anywhere", body: "新製品ノレンミライザーを発表しました。",
			m: marks{texts: []markText{{0, "みらいざー"}}}, marked: []string{"ミライザー"}},
		{name: "base forms", body: "申し込みを受け付けています。",
			m: marks{terms: []markText{{0, "受け付ける"}}}, marked: []string{"受け付け"}},
		{name: "readings", body: "創業補助金の申請を受け付けています。",
			m: marks{readings: []markText{{0, "ほじょきん"}}}, marked: []string{"補助金"}},
		{name: "the window with most distinct terms wins", body: "alpha " + strings.Repeat("filler ", 60) + "alpha beta " + strings.Repeat("filler ", 60),
			m: marks{texts: []markText{{0, "alpha"}, {1, "beta"}}}, marked: []string{"alpha", "beta"}, lead: true, trail: true},
	}
	stem := func(w string) string {
		return map[string]string{"subsidies": "subsidi", "subsidy": "subsidi"}[w]
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frags := snippet(tt.body, tt.m, stem)
			var marked []string
			text := ""
			for _, f := range frags {
				if !utf8.ValidString(f.Text) {
					t.Errorf("fragment %q is not valid UTF-8", f.Text)
				}
				text += f.Text
				if f.Match {
					marked = append(marked, f.Text)
				}
			}
			if !slices.Equal(marked, tt.marked) {
				t.Errorf("marked %q, want %q", marked, tt.marked)
			}
			if got := strings.HasPrefix(text, "…"); got != tt.lead {
				t.Errorf("snippet %q: leading … %v, want %v", text, got, tt.lead)
			}
			if got := strings.HasSuffix(text, "…"); got != tt.trail {
				t.Errorf("snippet %q: trailing … %v, want %v", text, got, tt.trail)
			}
			if n := utf8.RuneCountInString(strings.Trim(text, "…")); n > snippetRunes {
				t.Errorf("snippet of %d runes", n)
			}
		})
	}
}

func TestJapaneseWordsSplitOnce(t *testing.T) {
	ix := openTest(t, nil)
	a, ok := ix.bi.Mapping().AnalyzerNamed(AnalyzerJapanese).(*analysis.DefaultAnalyzer)
	if !ok {
		t.Fatal("Japanese analyzer is not a DefaultAnalyzer")
	}
	ja, ok := a.Tokenizer.(*japaneseTokenizer)
	if !ok {
		t.Fatalf("Japanese tokenizer is a %T", a.Tokenizer)
	}
	for _, d := range corpus {
		if err := ix.Put(t.Context(), d, "1"); err != nil {
			t.Fatal(err)
		}
	}
	// Each text was split for the Japanese fields and the reading field:
	// the second took the first's words, so none is left waiting.
	ja.mu.Lock()
	defer ja.mu.Unlock()
	if n := len(ja.memo); n != 0 {
		t.Errorf("%d texts split but never reused", n)
	}
}

package extract

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/japanese"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func shiftJIS(t testing.TB, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func date(s string) time.Time {
	d, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestHTML(t *testing.T) {
	sjisPage := `<html lang="ja-JP"><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">` +
		`<title>創業支援のご案内</title></head><body><p>ｿｳｷﾞｮｳ 創業<b>支援</b>です。</p></body></html>`
	tests := []struct {
		name        string
		in          []byte
		contentType string
		want        Page
	}{
		{
			name: "layout with main",
			in:   readFixture(t, "layout.html"),
			want: Page{
				Title:    "Seed grants | Minato Bay City",
				Headings: []string{"Seed grants", "Who can apply", "Costs covered"},
				Body: "Seed grants\n5 January\nGrants of up to two million yen.\nApply by June.\nWho can apply\n" +
					"Founders\nTeams\nEligible costs include rent.\nCosts covered\nLine one\nLine two\nArticle footer",
				Lang: "en",
				Date: date("2026-03-23T09:00:00+09:00"),
			},
		},
		{
			name: "no main, Japanese",
			in:   readFixture(t, "nomain.html"),
			want: Page{
				Title:    "東京都の創業支援",
				Headings: []string{"東京都の創業支援"},
				Body:     "東京都の創業支援\n東京都の創業支援事業についてご案内します。\n漢字創業の読み。\nEnglish wordsand more\n1 February",
				Lang:     "ja",
				Date:     date("2026-02-01T10:30:00Z"),
			},
		},
		{
			name: "nested ignored elements",
			in:   readFixture(t, "nested-ignore.html"),
			want: Page{Body: "before\nafter\nend"},
		},
		{
			name: "Shift_JIS from meta",
			in:   shiftJIS(t, sjisPage),
			want: Page{Title: "創業支援のご案内", Body: "ｿｳｷﾞｮｳ 創業支援です。", Lang: "ja"},
		},
		{
			name:        "Shift_JIS from Content-Type",
			in:          shiftJIS(t, `<p>創業支援</p>`),
			contentType: "text/html; charset=Shift_JIS",
			want:        Page{Body: "創業支援"},
		},
		{
			name:        "EUC-JP from Content-Type",
			in:          mustEncode(t, "EUC-JP", `<p>起業</p>`),
			contentType: "text/html; charset=euc-jp",
			want:        Page{Body: "起業"},
		},
		{
			name: "UTF-8 byte order mark",
			in:   append([]byte("\xEF\xBB\xBF"), `<p>創業</p>`...),
			want: Page{Body: "創業"},
		},
		{name: "noindex", in: []byte(`<meta name="robots" content="noindex, follow"><p>x</p>`), want: Page{Body: "x", NoIndex: true}},
		{name: "none", in: []byte(`<meta name="ROBOTS" content="NONE"><p>x</p>`), want: Page{Body: "x", NoIndex: true}},
		{name: "noren-search", in: []byte(`<meta name="noren-search" content="noindex"><p>x</p>`), want: Page{Body: "x", NoIndex: true}},
		{name: "index", in: []byte(`<meta name="robots" content="index,nofollow"><p>x</p>`), want: Page{Body: "x"}},
		{name: "noindex in another meta", in: []byte(`<meta name="description" content="noindex"><p>x</p>`), want: Page{Body: "x"}},
		{
			name: "published time wins",
			in:   []byte(`<meta name="date" content="2020-01-01"><meta property="article:published_time" content="2026-03-01T12:00:00Z"><time datetime="2025-01-01">x</time>`),
			want: Page{Body: "x", Date: date("2026-03-01T12:00:00Z")},
		},
		{
			name: "time element before meta date",
			in:   []byte(`<meta name="date" content="2020-01-01"><time datetime="bad">a</time><time datetime="2025-01-02 08:00+09:00">b</time>`),
			want: Page{Body: "ab", Date: date("2025-01-02T08:00:00+09:00")},
		},
		{
			name: "dcterms date",
			in:   []byte(`<meta name="DCTERMS.date" content="2024-12-31"><p>x</p>`),
			want: Page{Body: "x", Date: date("2024-12-31T00:00:00Z")},
		},
		{
			name: "title from h1",
			in:   []byte(`<html lang="EN"><h1>First <i>heading</i></h1><h1>Second</h1><h4>Deep</h4>`),
			want: Page{Title: "First heading", Headings: []string{"First heading", "Second"}, Body: "First heading\nSecond\nDeep", Lang: "en"},
		},
		{
			name: "role main",
			in:   []byte(`<div>outside</div><div role="main"><header>top</header><div>in</div>side</div><div>after</div>`),
			want: Page{Body: "top\nin\nside"},
		},
		{
			name: "malformed",
			in:   []byte(`<p>open <b>bold <div data-noren-search=ignore>x<p>y</div> tail</p> <p unclosed`),
			want: Page{Body: "open bold\ntail"},
		},
		{name: "empty", in: nil, want: Page{}},
		{name: "hidden until found", in: []byte(`<div hidden="until-found">found</div>`), want: Page{Body: "found"}},
		{name: "invalid UTF-8", in: []byte("<meta charset=utf-8><p>a\xffb\x00c</p>"), want: Page{Body: "abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HTML(bytes.NewReader(tt.in), tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("HTML() =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339, "" when not a date
	}{
		{"2026-03-23T09:00:00+09:00", "2026-03-23T09:00:00+09:00"},
		{"2026-03-23T09:00:00.5Z", "2026-03-23T09:00:00.5Z"},
		{"2026-03-23T09:00+09:00", "2026-03-23T09:00:00+09:00"},
		{"2026-03-23 09:00:00+09:00", "2026-03-23T09:00:00+09:00"},
		{"2026-03-23T09:00:00+0900", "2026-03-23T09:00:00+09:00"},
		{"2026-03-23T09:00", "2026-03-23T09:00:00Z"},
		{" 2026-03-23 ", "2026-03-23T00:00:00Z"},
		{"23 March 2026", ""},
		{"2026-02-30", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := parseDate(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("parseDate(%q) = %v, want no date", tt.in, got)
			}
			continue
		}
		if want := date(tt.want); !ok || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", tt.in, got, ok, want)
		}
	}
}

func TestPrimaryLang(t *testing.T) {
	for in, want := range map[string]string{"ja-JP": "ja", "EN_gb": "en", "zh-Hant-TW": "zh", "": "", "x": "", "12": "", "ja JP": ""} {
		if got := primaryLang(in); got != want {
			t.Errorf("primaryLang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHTMLReadError(t *testing.T) {
	boom := errors.New("boom")
	r := iotest.TimeoutReader(strings.NewReader(strings.Repeat("<p>text</p>", 2000)))
	if _, err := HTML(r, ""); !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("HTML of a reader failing midway = %v, want %v", err, iotest.ErrTimeout)
	}
	if _, err := HTML(iotest.ErrReader(boom), ""); !errors.Is(err, boom) {
		t.Errorf("HTML of a failing reader = %v, want %v", err, boom)
	}
}

func TestHTMLBounds(t *testing.T) {
	var b strings.Builder
	for range 300 {
		b.WriteString("<h2>heading</h2><p>" + strings.Repeat("word ", 1000) + "</p>")
	}
	got, err := HTML(strings.NewReader(b.String()), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Body) > maxBody {
		t.Errorf("body is %d bytes, more than %d", len(got.Body), maxBody)
	}
	if len(got.Headings) != maxHeadings {
		t.Errorf("%d headings, want %d", len(got.Headings), maxHeadings)
	}
}

func TestDemoPages(t *testing.T) {
	for _, path := range []string{"ja/index.html", "en/index.html"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "web", "demo", "site", filepath.FromSlash(path)))
		if err != nil {
			t.Fatal(err)
		}
		p, err := HTML(bytes.NewReader(b), "text/html; charset=utf-8")
		if err != nil {
			t.Fatal(err)
		}
		if p.Title == "" || p.Body == "" || p.Lang != path[:2] {
			t.Errorf("%s: title %q, lang %q, %d bytes of body", path, p.Title, p.Lang, len(p.Body))
		}
	}
}

func BenchmarkHTML(b *testing.B) {
	page, err := os.ReadFile(filepath.Join("..", "..", "..", "web", "demo", "site", "ja", "index.html"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if _, err := HTML(bytes.NewReader(page), "text/html; charset=utf-8"); err != nil {
			b.Fatal(err)
		}
	}
}

func mustEncode(t testing.TB, label, s string) []byte {
	t.Helper()
	e, _ := charset.Lookup(label)
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

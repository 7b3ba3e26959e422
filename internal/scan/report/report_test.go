package report

import (
	"bytes"
	"encoding/json"
	"html"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/goldentest"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/scan/visit"
)

// jst is Japan's zone, fixed so that the tests need no zone database.
var jst = time.FixedZone("JST", 9*60*60)

func TestGolden(t *testing.T) {
	tests := []struct {
		name  string
		write func(*bytes.Buffer, *verdict.Report) error
	}{
		{"report.json", func(b *bytes.Buffer, r *verdict.Report) error { return WriteJSON(b, r) }},
		{"report.html", func(b *bytes.Buffer, r *verdict.Report) error { return WriteHTMLIn(b, r, jst) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b, sampleReport()); err != nil {
				t.Fatal(err)
			}
			goldentest.Check(t, filepath.Join("testdata", tt.name), b.Bytes())
		})
	}
}

// TestHTMLTimes checks that the report names the zone of its times: the
// site's when it is given, UTC otherwise.
func TestHTMLTimes(t *testing.T) {
	tests := []struct {
		loc  *time.Location
		want []string
	}{
		{nil, []string{"2026年12月7日 12:30（協定世界時）", "2026-12-07 12:30 UTC"}},
		{jst, []string{"2026年12月7日 21:30（日本時間）", "2026-12-07 21:30 JST"}},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := WriteHTMLIn(&b, sampleReport(), tt.loc); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("with zone %v the report lacks %q", tt.loc, w)
			}
		}
	}
	var utc, in bytes.Buffer
	if err := WriteHTML(&utc, sampleReport()); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTMLIn(&in, sampleReport(), nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(utc.Bytes(), in.Bytes()) {
		t.Error("WriteHTML differs from WriteHTMLIn with a nil zone")
	}
}

// TestJSONLists checks that lists the scan left nil are written as [],
// as the schema says, at every level.
func TestJSONLists(t *testing.T) {
	r := &verdict.Report{
		Schema: verdict.Schema, URL: "https://example.jp/", Started: started, Finished: started,
		Findings: []verdict.Finding{{Kind: verdict.NeverSeen, Severity: verdict.Warning, Subject: "t", SubjectKind: verdict.SubjectTool}},
		Observations: &visit.Result{Start: "https://example.jp/", States: []visit.StateResult{
			{State: visit.NoChoice, Reached: true, Pages: []visit.Page{{URL: "https://example.jp/"}}},
			{State: visit.RejectAll},
		}},
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "null") {
		t.Errorf("the report holds null:\n%s", b.String())
	}
	if r.Pages != nil || r.Findings[0].Evidence != nil || r.Observations.States[0].Pages[0].Cookies != nil || r.Observations.States[1].Pages != nil {
		t.Error("WriteJSON changed the report it was given")
	}
}

// TestJSONRoundTrip checks that the JSON report reads back into the same
// report, so that the console can keep it and show it again.
func TestJSONRoundTrip(t *testing.T) {
	var first bytes.Buffer
	if err := WriteJSON(&first, sampleReport()); err != nil {
		t.Fatal(err)
	}
	var back verdict.Report
	if err := json.Unmarshal(first.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	if err := WriteJSON(&second, &back); err != nil {
		t.Fatal(err)
	}
	if d := goldentest.FirstDifference(first.Bytes(), second.Bytes()); d != "" {
		t.Errorf("the report read back writes differently: %s", d)
	}
	if back.Schema != verdict.Schema || len(back.Findings) != len(sampleReport().Findings) {
		t.Errorf("read back %q with %d findings", back.Schema, len(back.Findings))
	}
}

// TestHTMLSections checks that the report is there whole in each language,
// from summary to inventory.
func TestHTMLSections(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	doc := html.UnescapeString(b.String())
	ja, en, ok := strings.Cut(doc, `<section class="report" lang="en" id="en">`)
	if !ok || !strings.Contains(ja, `<section class="report" lang="ja" id="ja">`) {
		t.Fatal("the report lacks a section in each language")
	}
	for _, tt := range []struct {
		lang, part string
		want       []string
	}{
		{"ja", ja, []string{
			"違反8件、警告2件", "到達できなかった状態があるため",
			"選択前", "すべて同意", "すべて拒否", "GPC（選択前）",
			"宣言されていないクッキー", "宣言されていないストレージ", "宣言されていない送信先", "同意のない利用",
			"一度も確認されなかったツール", "宣言より長い有効期間", "区分の食い違い",
			"ほか11件", "同意バナーの「すべて同意する」のボタンを押しました。",
			"Google Analytics", "アクセス解析", "全7ページ", "30日", "3か月", "約2年", "2028年12月6日 12:30（協定世界時）まで", "サードパーティ", "net::ERR_CONNECTION_RESET",
			"/news/?page=2", "chat-cache", "https://chat.example.org/embed?room=1", "ほか2件",
		}},
		{"en", en, []string{
			"8 violations, 2 warnings", "Some states could not be reached",
			"No choice made", "Accept all", "Reject all", "GPC, no choice made",
			"Undeclared cookie", "Undeclared storage", "Undeclared recipient", "Used without consent",
			"Declared but never seen", "Lives longer than declared", "Category contradicts the cookie database",
			"and 11 more", "Pressed the consent banner's “すべて同意する” button.",
			"Google Analytics", "Analytics", "all 7 pages", "/, /about/, /news/?page=2, /shop/, /blog/, and 1 more page", "about 2 years", "until 2028-12-06 12:30 UTC", "Third party", "about 3 months", "45 minutes", "26 hours",
		}},
	} {
		for _, w := range tt.want {
			if !strings.Contains(tt.part, w) {
				t.Errorf("the %s section lacks %q", tt.lang, w)
			}
		}
	}
}

// TestHTMLClean checks the verdict of a report without findings, stored
// without its observations.
func TestHTMLClean(t *testing.T) {
	r := sampleReport()
	r.Findings, r.Violations, r.Warnings, r.Observations = nil, 0, 0, nil
	for i := range r.States {
		r.States[i].Reached = true
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"判定：違反はありません。", "Verdict: No violations.", "verdict--clean", "報告すべき事項は見つかりませんでした。",
		"The scan found nothing to report.", "観測記録が含まれていません", "does not include the page-by-page observations"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("a clean report lacks %q", w)
		}
	}
	if strings.Contains(b.String(), "到達できなかった状態") {
		t.Error("a report with every state reached says one was not")
	}
}

func TestLifetime(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		d       time.Duration
		session bool
		ja, en  string
	}{
		{0, true, "セッション", "session"},
		{30 * time.Second, false, "1分", "1 minute"},
		{59 * time.Minute, false, "59分", "59 minutes"},
		{time.Hour, false, "1時間", "1 hour"},
		{47 * time.Hour, false, "47時間", "47 hours"},
		{2 * day, false, "2日", "2 days"},
		{59 * day, false, "59日", "59 days"},
		{90 * day, false, "約3か月", "about 3 months"},
		{400 * day, false, "約13か月", "about 13 months"},
		{730 * day, false, "約2年", "about 2 years"},
		{365*day*13 + 3*day, false, "約13年", "about 13 years"},
	}
	for _, tt := range tests {
		if got := lifetime("ja", tt.d, tt.session); got != tt.ja {
			t.Errorf("lifetime(ja, %v) = %q, want %q", tt.d, got, tt.ja)
		}
		if got := lifetime("en", tt.d, tt.session); got != tt.en {
			t.Errorf("lifetime(en, %v) = %q, want %q", tt.d, got, tt.en)
		}
	}
}

func TestCompactPages(t *testing.T) {
	tests := []struct {
		pages []string
		total int
		ja    string
		en    string
	}{
		{[]string{"/"}, 1, "/", "/"},
		{[]string{"/", "/a"}, 2, "全2ページ", "all 2 pages"},
		{[]string{"/a", "/b"}, 3, "/a、/b", "/a, /b"},
		{[]string{"/1", "/2", "/3", "/4", "/5", "/6", "/7"}, 9, "/1、/2、/3、/4、/5、ほか2ページ", "/1, /2, /3, /4, /5, and 2 more pages"},
		{nil, 3, "", ""},
	}
	for _, tt := range tests {
		if got := compactPages("ja", tt.pages, tt.total); got != tt.ja {
			t.Errorf("compactPages(ja, %q, %d) = %q, want %q", tt.pages, tt.total, got, tt.ja)
		}
		if got := compactPages("en", tt.pages, tt.total); got != tt.en {
			t.Errorf("compactPages(en, %q, %d) = %q, want %q", tt.pages, tt.total, got, tt.en)
		}
	}
}

func TestShortURL(t *testing.T) {
	base := mustParse(t, "https://www.example.jp/")
	tests := []struct{ in, want string }{
		{"https://www.example.jp/", "/"},
		{"https://www.example.jp/a/b?c=d", "/a/b?c=d"},
		{"http://www.example.jp/a", "http://www.example.jp/a"},
		{"https://other.example/a", "https://other.example/a"},
		{"%zz", "%zz"},
	}
	for _, tt := range tests {
		if got := shortURL(base, tt.in); got != tt.want {
			t.Errorf("shortURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestChoice(t *testing.T) {
	tests := []struct {
		how, button string
		ja, en      string
	}{
		{visit.ChoiceNone, "", "選択していません。", "No choice made."},
		{visit.ChoiceBanner, "Accept all", "同意バナーの「Accept all」のボタンを押しました。", "Pressed the consent banner's “Accept all” button."},
		{visit.ChoiceBanner, "", "同意バナーのボタンを押しました。", "Pressed a button of the consent banner."},
		{visit.ChoiceNorenCookie, "", "同意バナーのボタンが見つからなかったため、Noren の同意の記録をクッキーに書き込みました。",
			"Wrote Noren's consent cookie, as no button of the banner could be found."},
		{"telepathy", "", "telepathy", "telepathy"},
	}
	for _, tt := range tests {
		if got := choice("ja", tt.how, tt.button); got != tt.ja {
			t.Errorf("choice(ja, %q, %q) = %q, want %q", tt.how, tt.button, got, tt.ja)
		}
		if got := choice("en", tt.how, tt.button); got != tt.en {
			t.Errorf("choice(en, %q, %q) = %q, want %q", tt.how, tt.button, got, tt.en)
		}
	}
}

func TestSpan(t *testing.T) {
	tests := []struct{ in, ja, en string }{
		{"6 months", "6か月", "6 months"},
		{"1 year", "1年", "1 year"},
		{"30 days", "30日", "30 days"},
		{"2 weeks", "2週間", "2 weeks"},
		{"90 minutes", "90分", "90 minutes"},
		{"1 hour", "1時間", "1 hour"},
		{"session", "セッション", "session"},
		{"until the heat death of the universe", "until the heat death of the universe", "until the heat death of the universe"},
		{"99999999999999999999 days", "99999999999999999999 days", "99999999999999999999 days"},
	}
	for _, tt := range tests {
		if got := span("ja", tt.in); got != tt.ja {
			t.Errorf("span(ja, %q) = %q, want %q", tt.in, got, tt.ja)
		}
		if got := span("en", tt.in); got != tt.en {
			t.Errorf("span(en, %q) = %q, want %q", tt.in, got, tt.en)
		}
	}
}

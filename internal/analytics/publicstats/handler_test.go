package publicstats

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store/storetest"
)

var published = manifest.Statistics{Publish: true, MinCount: 10}

// TestPageGolden renders the page of the sample data in both languages.
func TestPageGolden(t *testing.T) {
	hs := newHarness(t, sampleReader(), published, nil)
	for _, lang := range []string{"ja", "en"} {
		for _, p := range periods {
			t.Run(lang+" "+string(p), func(t *testing.T) {
				res := hs.get(t, Path(lang)+"?period="+string(p))
				if res.status != http.StatusOK {
					t.Fatalf("status %d: %s", res.status, res.body)
				}
				if got := res.header.Get("Content-Language"); got != lang {
					t.Errorf("Content-Language %q", got)
				}
				if got := res.header.Get("Content-Type"); got != "text/html; charset=utf-8" {
					t.Errorf("Content-Type %q", got)
				}
				checkWellFormed(t, res.body)
				name := "stats." + lang + ".html"
				if p != periods[0] {
					name = "stats-" + string(p) + "." + lang + ".html"
				}
				checkGolden(t, name, []byte(res.body))
			})
		}
	}
}

// checkWellFormed checks that ids are unique, that every table has a
// caption and that the chart has a text alternative.
func checkWellFormed(t *testing.T, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "id" {
					if ids[a.Val] {
						t.Errorf("id %q used twice", a.Val)
					}
					ids[a.Val] = true
				}
			}
			switch n.Data {
			case "table":
				if c := firstElementChild(n); c == nil || c.Data != "caption" {
					t.Error("a table has no caption")
				}
			case "svg":
				if attrOf(n, "role") != "img" || attrOf(n, "aria-labelledby") == "" {
					t.Error("the chart has no text alternative")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

func firstElementChild(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return c
		}
	}
	return nil
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestPageShowsProtection checks the page's statements on how the
// figures were protected, and that suppressed and withheld figures show
// as such.
func TestPageShowsProtection(t *testing.T) {
	tests := []struct {
		name    string
		lang    string
		st      manifest.Statistics
		want    []string
		notWant []string
	}{
		{"ja without noise", "ja", published,
			[]string{"「10未満」", "<td>10未満</td>", "<td>非公表</td>", "クッキーを使用していません", "IPアドレスは保存せず", "誤差（ノイズ）は加えていません", `href="/ja/privacy"`, "2026年3月1日", "2026年3月30日", "ベトナム", "スマートフォン", "直接（参照元なし）", "不明"},
			[]string{"ラプラス", "/ja/contact/", "Samsung Internet", "その他</th>"}},
		{"en without noise", "en", published,
			[]string{"“fewer than 10”", "<td>fewer than 10</td>", "<td>withheld</td>", "No cookies are used", "IP addresses are not stored", "No random noise", `href="/en/privacy"`, "1 March 2026", "30 March 2026", "Vietnam", "Mobile", "Direct (none)", "Unknown"},
			[]string{"Laplace", "/ja/contact/", "Samsung Internet", "Other</th>"}},
		{"en with noise", "en", manifest.Statistics{Publish: true, MinCount: 5, Epsilon: 0.5},
			[]string{"Laplace distribution (ε = 0.5, scale 1/ε = 2)", "fewer than 5", "decided on its value before noise"},
			[]string{"No random noise"}},
		{"ja with noise", "ja", manifest.Statistics{Publish: true, MinCount: 5, Epsilon: 0.5},
			[]string{"ラプラス分布", "ε = 0.5、尺度 1/ε = 2", "5未満"},
			[]string{"加えていません"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, sampleReader(), tt.st, rand.NewChaCha8([32]byte{1}))
			res := hs.get(t, Path(tt.lang))
			if res.status != http.StatusOK {
				t.Fatalf("status %d", res.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(res.body, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}
}

// TestUnpublishedIsNotFound checks that the page is not there while the
// manifest does not publish statistics, and that a reload that changes
// that takes effect at once.
func TestUnpublishedIsNotFound(t *testing.T) {
	hs := newHarness(t, sampleReader(), manifest.Statistics{Publish: false, MinCount: 10}, nil)
	steps := []struct {
		publish bool
		want    int
	}{{false, http.StatusNotFound}, {true, http.StatusOK}, {false, http.StatusNotFound}, {true, http.StatusOK}}
	for i, step := range steps {
		hs.setStatistics(t, manifest.Statistics{Publish: step.publish, MinCount: 10})
		for _, lang := range []string{"ja", "en"} {
			if res := hs.get(t, Path(lang)); res.status != step.want {
				t.Errorf("step %d (publish %t) %s: status %d, want %d", i, step.publish, lang, res.status, step.want)
			}
		}
	}
}

// TestSettingsChangesApply checks that a reload that changes k applies
// to the next request, without a restart.
func TestSettingsChangesApply(t *testing.T) {
	hs := newHarness(t, sampleReader(), published, nil)
	if res := hs.get(t, Path("en")); !strings.Contains(res.body, "fewer than 10") {
		t.Fatal("k = 10 not shown")
	}
	hs.setStatistics(t, manifest.Statistics{Publish: true, MinCount: 50})
	res := hs.get(t, Path("en"))
	if !strings.Contains(res.body, "fewer than 50") || strings.Contains(res.body, "fewer than 10") {
		t.Error("k = 50 not applied")
	}
	if strings.Contains(res.body, "Vietnamese") {
		t.Error("a row of fewer than 50 visitors shown")
	}
}

// TestBadPeriod checks that only the two periods are served.
func TestBadPeriod(t *testing.T) {
	hs := newHarness(t, sampleReader(), published, nil)
	for _, q := range []string{"period=7d", "period=30d&period=12m", "period=%zz", "period=", "period=1d"} {
		if res := hs.get(t, Path("en")+"?"+q); res.status != http.StatusBadRequest {
			t.Errorf("?%s: status %d, want 400", q, res.status)
		}
	}
	if res := hs.get(t, Path("en")+"?utm_source=newsletter"); res.status != http.StatusOK {
		t.Errorf("a campaign tag: status %d, want 200", res.status)
	}
}

// TestCaching checks the response's caching headers, that a matching
// If-None-Match gets 304, and that the figures are computed once a day.
func TestCaching(t *testing.T) {
	r := sampleReader()
	hs := newHarness(t, r, published, nil)
	first := hs.get(t, Path("ja"))
	if cc := first.header.Get("Cache-Control"); cc != "public, max-age=3600" {
		t.Errorf("Cache-Control %q", cc)
	}
	etag := first.header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if res := hs.get(t, Path("ja"), "If-None-Match", etag); res.status != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", res.status)
	}
	if en := hs.get(t, Path("en")); en.header.Get("ETag") == etag {
		t.Error("the two languages share an ETag")
	}
	later := clock.Add(5 * time.Hour)
	hs.now.Store(&later)
	hs.get(t, Path("en"))
	if r.calls != 1 {
		t.Errorf("the totals were read %d times within a day, want once", r.calls)
	}
	tomorrow := clock.Add(24 * time.Hour)
	hs.now.Store(&tomorrow)
	hs.get(t, Path("en"))
	if r.calls != 2 {
		t.Errorf("the totals were read %d times over two days, want twice", r.calls)
	}
}

// TestTimesInSiteZone renders the page of a site in New York: the time of
// computation and the start of its days are New York's, not Tokyo's or
// UTC.
func TestTimesInSiteZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	m := demoManifest(t, published)
	h, err := New(Options{
		Reader: sampleReader(), DB: storetest.SQLite(t), Site: testSite, Location: ny,
		Manifest: func() *manifest.Manifest { return m }, Chrome: testChrome(t),
		Now: func() time.Time { return clock },
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	tests := []struct {
		lang string
		want []string
	}{
		{"en", []string{
			`<time datetime="2026-03-31T03:00:00Z">2026-03-30 23:00 EDT</time>`,
			"days begin at midnight EDT.",
			`to <time datetime="2026-03-29">29 March 2026</time>`,
		}},
		{"ja", []string{
			`<time datetime="2026-03-31T03:00:00Z">2026年3月30日 23:00（EDT）</time>`,
			"日付は、EDTの0時で区切っています。",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, Path(tt.lang), nil))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			for _, want := range tt.want {
				if !strings.Contains(w.Body.String(), want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			for _, tokyo := range []string{"JST", "日本時間", "12:00"} {
				if strings.Contains(w.Body.String(), tokyo) {
					t.Errorf("the page of a New York site says %s", tokyo)
				}
			}
		})
	}
}

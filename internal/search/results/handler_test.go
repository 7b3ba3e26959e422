package results

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/search"
)

func TestPage(t *testing.T) {
	docs := append(slices.Clone(testDocs), pagedDocs(35)...)
	s := newTestServer(t, docs, nil)
	tests := []struct {
		name   string
		path   string
		status int
		want   []string
		not    []string
	}{
		{
			name:   "empty form",
			path:   "/ja/search",
			status: 200,
			want: []string{`<html lang="ja">`, `role="search"`, `<label class="search-form__label" for="search-q">検索語</label>`,
				`<input type="search" id="search-q" name="q" value=""`, `role="status" aria-live="polite"></p>`,
				`<option value="" selected>すべての言語</option>`, `<script src="/noren/search.js" defer></script>`},
			not: []string{`class="search-result"`, `search-results__hints`, `search-section`},
		},
		{
			name:   "hits with marks",
			path:   "/ja/search?q=創業",
			status: 200,
			want: []string{`value="創業"`, `「創業」の検索結果は2件です。`, `<a href="/ja/sangyo/sogyo/">創業支援事業について</a>`,
				`東京都の<mark>創業</mark>支援事業`, `<time datetime="2026-04-01">2026年4月1日</time>`,
				`<span class="search-result__type">PDF</span>`, `<option value="pdf">PDF（1件）</option>`,
				`<option value="sangyo">sangyo（1件）</option>`},
			not: []string{`search-pages`},
		},
		{
			name:   "hostile title and snippet are escaped",
			path:   "/en/search?q=markup",
			status: 200,
			want: []string{`&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;`,
				`&lt;img src=x onerror=alert(1)&gt; <mark>markup</mark>`},
			not: []string{`<script>alert`, `<img src=x`},
		},
		{
			name:   "hostile query is escaped",
			path:   "/en/search?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
			status: 200,
			want:   []string{`value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`},
			not:    []string{`"><script>alert(1)`},
		},
		{
			name:   "result in another language",
			path:   "/ja/search?q=grant+city",
			status: 200,
			want:   []string{`<a href="/en/business/grant/" lang="en" hreflang="en">Business start-up grant</a>`, `<p class="search-result__snippet" lang="en">`},
		},
		{
			name:   "bad query",
			path:   "/en/search?q=((((a",
			status: 400,
			want:   []string{`search-results__status--error`, `These search terms cannot be searched.`, `query nested too deep: bad query`, `value="((((a"`},
		},
		{
			name:   "unknown type",
			path:   "/en/search?q=grant&type=exe",
			status: 400,
			want:   []string{`unknown type &#34;exe&#34;`},
		},
		{
			name:   "page out of range",
			path:   "/en/search?q=grant&page=0",
			status: 400,
		},
		{
			name:   "suggestion",
			path:   "/en/search?q=subsidu",
			status: 200,
			want: []string{`No pages match “subsidu”.`, `Did you mean: <a href="/en/search?q=subsidy">subsidy</a>`,
				`search-results__hints`},
		},
		{
			name:   "first of four pages",
			path:   "/en/search?q=notice&lang=en",
			status: 200,
			want: []string{`<nav class="search-pages" aria-label="Pages of search results">`,
				`<a href="/en/search?lang=en&amp;q=notice&amp;record=0" aria-label="Page 1" aria-current="page">1</a>`,
				`<a href="/en/search?lang=en&amp;page=4&amp;q=notice" aria-label="Page 4">4</a>`,
				`<a href="/en/search?lang=en&amp;page=2&amp;q=notice" rel="next">Next page</a>`,
				`Showing results 1 to 10.`},
			not: []string{`rel="prev"`},
		},
		{
			name:   "last page",
			path:   "/en/search?q=notice&lang=en&page=4",
			status: 200,
			want: []string{`<ol class="search-results__list" start="31">`, `Showing results 31 to 36.`,
				`<a href="/en/search?lang=en&amp;page=3&amp;q=notice" rel="prev">Previous page</a>`,
				`aria-label="Page 4" aria-current="page">4</a>`},
			not: []string{`rel="next"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.get(t, tt.path)
			if res.status != tt.status {
				t.Errorf("status %d, want %d\n%s", res.status, tt.status, res.body)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.body, w) {
					t.Errorf("the page lacks %s", w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(res.body, n) {
					t.Errorf("the page has %s", n)
				}
			}
			if got := res.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
		})
	}
}

func TestPagination(t *testing.T) {
	q := search.Query{Text: "x", Page: 7}
	links, prev, next := pagination("en", q, 200, 10)
	var got []string
	for _, l := range links {
		switch {
		case l.Gap:
			got = append(got, "…")
		case l.Current:
			got = append(got, "["+l.Label+"]")
		default:
			got = append(got, l.Label)
		}
	}
	want := "Page 1 … Page 5 Page 6 [Page 7] Page 8 Page 9 … Page 20"
	if strings.Join(got, " ") != want {
		t.Errorf("links %q, want %q", strings.Join(got, " "), want)
	}
	if prev != "/en/search?page=6&q=x" || next != "/en/search?page=8&q=x" {
		t.Errorf("previous %q, next %q", prev, next)
	}
	if links, _, _ := pagination("en", search.Query{Text: "x", Page: 1}, 10, 10); links != nil {
		t.Errorf("one page of results has pagination: %v", links)
	}
}

func TestAPI(t *testing.T) {
	s := newTestServer(t, testDocs, nil)
	res := s.get(t, "/api/search?q=創業&lang=ja")
	if res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	for k, want := range map[string]string{"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"} {
		if got := res.header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(res.body), &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := "facets ignored page per_page query results suggestion took_ms total"; strings.Join(keys, " ") != want {
		t.Errorf("keys %q, want %q", strings.Join(keys, " "), want)
	}
	var r apiResults
	if err := json.Unmarshal([]byte(res.body), &r); err != nil {
		t.Fatal(err)
	}
	first := apiHit{URL: "/ja/sangyo/sogyo/", Title: "創業支援事業について", Lang: "ja", Section: "sangyo", Type: "html", Date: "2026-04-01",
		Snippet: []apiFragment{{"東京都の", false}, {"創業", true}, {"支援事業について、相談窓口と補助金を案内します。", false}}}
	if r.Query != "創業" || r.Total != 2 || r.Page != 1 || r.PerPage != 10 || len(r.Results) != 2 || r.TookMS != 1.5 {
		t.Fatalf("results %+v", r)
	}
	if a, b := mustJSON(t, r.Results[0]), mustJSON(t, first); a != b {
		t.Errorf("first result\n%s\nwant\n%s", a, b)
	}
	if want := `{"lang":[{"value":"ja","count":2}],"section":[{"value":"sangyo","count":1},{"value":"files","count":1}],"type":[{"value":"html","count":1},{"value":"pdf","count":1}]}`; mustJSON(t, r.Facets) != want {
		t.Errorf("facets %s, want %s", mustJSON(t, r.Facets), want)
	}

	for _, tt := range []struct {
		path, want string
		status     int
	}{
		{"/api/search?q=((((", `{"error":"query nested too deep: bad query"}`, 400},
		{"/api/search?q=a&lang=fr", `{"error":"unknown language \"fr\": bad query"}`, 400},
		{"/api/search?q=a&page=x", `{"error":"page \"x\": want 1 to 100: bad query"}`, 400},
		{"/api/search?q=%ff", `{"error":"query is not valid UTF-8: bad query"}`, 400},
		{"/api/search?q=" + strings.Repeat("a", 10<<10), `{"error":"query of 10240 bytes, more than 1024: bad query"}`, 400},
		{"/api/search", `{"query":"","total":0,"page":1,"per_page":10,"results":[],"suggestion":"","ignored":[],"facets":{"lang":[],"section":[],"type":[]},"took_ms":0}`, 200},
	} {
		res := s.get(t, tt.path)
		if res.status != tt.status || strings.TrimSpace(res.body) != tt.want {
			t.Errorf("%.60s: %d %s, want %d %s", tt.path, res.status, res.body, tt.status, tt.want)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// pageHit is a result as the search page shows it.
var pageHit = regexp.MustCompile(`<h3 class="search-result__title"><a href="([^"]+)"`)

// TestPageAndAPIAgree checks that the page without JavaScript and the API
// give the same results for the same parameters.
func TestPageAndAPIAgree(t *testing.T) {
	s := newTestServer(t, append(slices.Clone(testDocs), pagedDocs(25)...), nil)
	for _, params := range []string{
		"q=創業", "q=創業&type=pdf", "q=grant", "q=grant&lang=en&section=business", "q=notice", "q=notice&page=3",
		"q=notice&lang=ja", "q=subsidu",
	} {
		t.Run(params, func(t *testing.T) {
			html := s.get(t, "/ja/search?"+params)
			api := s.get(t, "/api/search?"+params)
			if html.status != 200 || api.status != 200 {
				t.Fatalf("page %d, API %d", html.status, api.status)
			}
			var r apiResults
			if err := json.Unmarshal([]byte(api.body), &r); err != nil {
				t.Fatal(err)
			}
			var fromAPI, fromPage []string
			for _, h := range r.Results {
				fromAPI = append(fromAPI, h.URL)
			}
			for _, m := range pageHit.FindAllStringSubmatch(html.body, -1) {
				fromPage = append(fromPage, m[1])
			}
			if !slices.Equal(fromPage, fromAPI) {
				t.Errorf("the page shows %q, the API %q", fromPage, fromAPI)
			}
			if r.Total > 0 && !strings.Contains(html.body, "は"+strconv.Itoa(r.Total)+"件です。") {
				t.Errorf("the page does not show the API's total of %d", r.Total)
			}
		})
	}
}

func TestRecord(t *testing.T) {
	s := newTestServer(t, append(slices.Clone(testDocs), pagedDocs(15)...), nil)
	tests := []struct {
		path string
		want []recorded
	}{
		{"/en/search?q=grant", []recorded{{"grant", 2}}},
		{"/ja/search?q=%20notice%20&lang=en", []recorded{{"notice", 16}}},
		{"/en/search?q=notice&page=2", nil},
		{"/en/search?q=grant&record=0", nil},
		{"/en/search", nil},
		{"/en/search?q=((((", nil},
		{"/api/search?q=grant", nil},
		{"/api/search?q=grant&record=0", nil},
		{"/api/search?q=grant&record=1", []recorded{{"grant", 2}}},
		{"/api/search?q=zzz&record=1", []recorded{{"zzz", 0}}},
	}
	for _, tt := range tests {
		s.get(t, tt.path)
		if got := s.rec.take(); !slices.Equal(got, tt.want) {
			t.Errorf("%s recorded %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	s := newTestServer(t, testDocs, func(o *Options) {
		o.Burst = 3
		o.Rate = 0.25
	})
	for i := range 3 {
		if res := s.get(t, "/api/search?q=grant"); res.status != 200 {
			t.Fatalf("search %d: status %d", i+1, res.status)
		}
	}
	for _, path := range []string{"/api/search?q=grant", "/en/search?q=grant"} {
		res := s.get(t, path)
		if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "4" {
			t.Errorf("%s: status %d, Retry-After %q, want 429 and 4", path, res.status, res.header.Get("Retry-After"))
		}
	}
	if res := s.get(t, "/en/search?q=grant"); !strings.Contains(res.body, "Too many searches in a short time.") {
		t.Errorf("the page does not say why:\n%s", res.body)
	}
	// The empty form searches nothing and costs nothing.
	if res := s.get(t, "/en/search"); res.status != 200 {
		t.Errorf("empty form: status %d", res.status)
	}
	if rec := s.rec.take(); len(rec) != 0 {
		t.Errorf("refused searches were recorded: %v", rec)
	}
}

func TestBusy(t *testing.T) {
	s := newTestServer(t, testDocs, func(o *Options) { o.MaxConcurrent = 1 })
	s.ix.block = make(chan struct{})
	done := make(chan response)
	go func() { done <- s.get(t, "/api/search?q=grant") }()
	// Wait until the first search holds the only slot.
	for deadline := time.Now().Add(5 * time.Second); ; {
		s.ix.mu.Lock()
		n := s.ix.calls
		s.ix.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first search did not start")
		}
		time.Sleep(time.Millisecond)
	}
	res := s.get(t, "/en/search?q=grant")
	if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") != "1" {
		t.Errorf("status %d, Retry-After %q, want 503 and 1", res.status, res.header.Get("Retry-After"))
	}
	close(s.ix.block)
	if first := <-done; first.status != 200 {
		t.Errorf("first search: status %d", first.status)
	}
}

func TestFailures(t *testing.T) {
	const secret = "a private query"
	tests := []struct {
		name    string
		err     error
		timeout time.Duration
		block   bool
		status  int
		text    string
	}{
		{name: "index failure", err: errors.New("index: read segment: disk on fire"), status: 500, text: "The search failed."},
		{name: "timeout", block: true, timeout: 20 * time.Millisecond, status: 503, text: "The search is busy."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, testDocs, func(o *Options) { o.Timeout = tt.timeout })
			s.ix.err = tt.err
			if tt.block {
				s.ix.block = make(chan struct{})
				defer close(s.ix.block)
			}
			page := s.get(t, "/en/search?q="+strings.ReplaceAll(secret, " ", "+"))
			if page.status != tt.status || !strings.Contains(page.body, tt.text) {
				t.Errorf("page: status %d, want %d with %q", page.status, tt.status, tt.text)
			}
			if strings.Contains(page.body, "disk on fire") {
				t.Error("the page shows the server's error")
			}
			api := s.get(t, "/api/search?q="+strings.ReplaceAll(secret, " ", "+"))
			if api.status != tt.status || !strings.Contains(api.body, tt.text) {
				t.Errorf("API: status %d %s, want %d with %q", api.status, api.body, tt.status, tt.text)
			}
			if strings.Contains(s.log.String(), "private") {
				t.Errorf("the log holds the query:\n%s", s.log.String())
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	if _, err := New(Options{Search: func(context.Context, search.Query) (*search.Results, error) { return nil, nil }}); err == nil {
		t.Error("New without Chrome, Manifest and Languages succeeded")
	}
}

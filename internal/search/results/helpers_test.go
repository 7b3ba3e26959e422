package results

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/search"
	"github.com/noren-web/noren/web"
)

var jst = time.FixedZone("JST", 9*3600)

// testDocs are the pages of the tests' site. The index's own tests check
// ranking and analysis; these check what the pages make of results.
var testDocs = []search.Document{
	{Path: "/ja/sangyo/sogyo/", Title: "創業支援事業について", Body: "東京都の創業支援事業について、相談窓口と補助金を案内します。",
		Lang: "ja", Section: "sangyo", Type: "html", Date: time.Date(2026, 4, 1, 0, 0, 0, 0, jst)},
	{Path: "/ja/files/sogyo-guide.pdf", Title: "創業の手引き", Body: "創業の手続きと補助金の申請方法をまとめた手引きです。",
		Lang: "ja", Section: "files", Type: "pdf", Date: time.Date(2026, 3, 15, 0, 0, 0, 0, jst)},
	{Path: "/en/business/grant/", Title: "Business start-up grant", Body: "The city offers a grant and a subsidy to people starting a business.",
		Lang: "en", Section: "business", Type: "html", Date: time.Date(2026, 2, 10, 0, 0, 0, 0, jst)},
	{Path: "/en/news/hostile/", Title: `<script>alert("title")</script> & "quotes"`, Body: `A grant notice with <img src=x onerror=alert(1)> markup in its text.`,
		Lang: "en", Section: "news", Type: "html"},
}

// pagedDocs makes n pages that all match "notice", for pagination.
func pagedDocs(n int) []search.Document {
	docs := make([]search.Document, n)
	for i := range docs {
		docs[i] = search.Document{Path: fmt.Sprintf("/en/news/%02d/", i+1), Title: fmt.Sprintf("Notice %d", i+1),
			Body: "A notice of the city.", Lang: "en", Section: "news", Type: "html"}
	}
	return docs
}

// fakeIndex answers queries from a list of documents: a document matches
// when its title or body holds every word of the query, in any case. It
// stands in for the index until a test needs its ranking.
type fakeIndex struct {
	docs []search.Document
	// err, when not nil, is returned by every search.
	err error
	// block, when not nil, holds every search until it is closed.
	block chan struct{}
	mu    sync.Mutex
	calls int
}

func (ix *fakeIndex) Search(ctx context.Context, q search.Query) (*search.Results, error) {
	ix.mu.Lock()
	ix.calls++
	ix.mu.Unlock()
	if ix.block != nil {
		select {
		case <-ix.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if ix.err != nil {
		return nil, ix.err
	}
	if strings.Contains(q.Text, "((((") {
		return nil, fmt.Errorf("query nested too deep: %w", search.ErrBadQuery)
	}
	words := strings.Fields(strings.ToLower(q.Text))
	res := &search.Results{Query: q, Took: 1500 * time.Microsecond}
	var hits []search.Hit
	for _, d := range ix.docs {
		text := strings.ToLower(d.Title + " " + d.Body)
		if !allIn(words, text) {
			continue
		}
		if (q.Lang != "" && d.Lang != q.Lang) || (q.Section != "" && d.Section != q.Section) || (q.Type != "" && d.Type != q.Type) {
			continue
		}
		res.Facets.Lang = count(res.Facets.Lang, d.Lang)
		res.Facets.Section = count(res.Facets.Section, d.Section)
		res.Facets.Type = count(res.Facets.Type, d.Type)
		hits = append(hits, search.Hit{Path: d.Path, Title: d.Title, Snippet: snippet(d.Body, words), Lang: d.Lang,
			Section: d.Section, Type: d.Type, Date: d.Date, Score: 1})
	}
	res.Total = len(hits)
	per := q.PerPage
	if per == 0 {
		per = search.DefaultPerPage
	}
	from := min((max(q.Page, 1)-1)*per, len(hits))
	res.Hits = hits[from:min(from+per, len(hits))]
	if res.Total == 0 && q.Text == "subsidu" {
		res.Suggestion = "subsidy"
	}
	return res, nil
}

func allIn(words []string, text string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return len(words) > 0
}

func count(counts []search.FacetCount, v string) []search.FacetCount {
	i := slices.IndexFunc(counts, func(c search.FacetCount) bool { return c.Value == v })
	if i < 0 {
		return append(counts, search.FacetCount{Value: v, Count: 1})
	}
	counts[i].Count++
	return counts
}

// snippet cuts text around the query's words, marking them.
func snippet(text string, words []string) []search.Fragment {
	var out []search.Fragment
	lower := strings.ToLower(text)
	for len(text) > 0 {
		at, n := -1, 0
		for _, w := range words {
			if i := strings.Index(lower, w); i >= 0 && (at < 0 || i < at) {
				at, n = i, len(w)
			}
		}
		if at < 0 {
			out = append(out, search.Fragment{Text: text})
			break
		}
		if at > 0 {
			out = append(out, search.Fragment{Text: text[:at]})
		}
		out = append(out, search.Fragment{Text: text[at : at+n], Match: true})
		text, lower = text[at+n:], lower[at+n:]
	}
	return out
}

// recorded is a search Options.Record was called with.
type recorded struct {
	Query   string
	Results int
}

// recorder collects the calls of Options.Record.
type recorder struct {
	mu    sync.Mutex
	calls []recorded
}

func (r *recorder) record(_ *http.Request, q string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, recorded{q, n})
}

func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

func testManifest(t testing.TB) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(filepath.Join("testdata", "site.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// testServer serves a Handler on loopback.
type testServer struct {
	srv *httptest.Server
	ix  *fakeIndex
	rec *recorder
	log *strings.Builder
	h   *Handler
}

// newTestServer starts a Handler over docs; edit changes its options
// before it is built.
func newTestServer(t testing.TB, docs []search.Document, edit func(*Options)) *testServer {
	t.Helper()
	chrome, err := page.NewChrome(web.Templates)
	if err != nil {
		t.Fatal(err)
	}
	m := testManifest(t)
	s := &testServer{ix: &fakeIndex{docs: docs}, rec: &recorder{}, log: &strings.Builder{}}
	var logMu sync.Mutex
	opt := Options{
		Search:    s.ix.Search,
		Chrome:    chrome,
		Manifest:  func() *manifest.Manifest { return m },
		Languages: []string{"ja", "en"},
		Record:    s.rec.record,
		Logger:    slog.New(slog.NewTextHandler(lockedWriter{&logMu, s.log}, nil)),
		Location:  jst,
		Burst:     1000,
		Rate:      1000,
	}
	if edit != nil {
		edit(&opt)
	}
	s.h, err = New(opt)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.h.Register(mux)
	mux.Handle("GET /noren/", http.StripPrefix("/noren/", staticHandler()))
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// staticHandler serves web/static as the server does under /noren/.
func staticHandler() http.Handler {
	return http.FileServerFS(mustSub(web.Static, "static"))
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type response struct {
	status int
	header http.Header
	body   string
}

func (s *testServer) get(t testing.TB, path string) response {
	t.Helper()
	res, err := s.srv.Client().Get(s.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, string(body)}
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

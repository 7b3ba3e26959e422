package search

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noren-web/noren/web"
)

// countingFS counts the files opened, to tell re-read pages from skipped ones.
type countingFS struct {
	fs.FS
	mu    sync.Mutex
	reads map[string]int
}

func (c *countingFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err == nil {
		if info, err := f.Stat(); err == nil && !info.IsDir() {
			c.mu.Lock()
			c.reads[name]++
			c.mu.Unlock()
		}
	}
	return f, err
}

func (c *countingFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(c.FS, name) }

func (c *countingFS) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.reads {
		n += v
	}
	return n
}

func page(title, body string, extraHead string) string {
	return "<!doctype html><html lang=ja><head><title>" + title + "</title>" + extraHead +
		"</head><body><main><h1>" + title + "</h1><p>" + body + "</p></main></body></html>"
}

func writeFile(t *testing.T, dir, name, content string, mtime time.Time) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func find(t *testing.T, ix *Index, text string) []string {
	t.Helper()
	r, err := ix.Search(t.Context(), Query{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return paths(r)
}

func TestIndexerIncremental(t *testing.T) {
	site := t.TempDir()
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	writeFile(t, site, "ja/news/a/index.html", page("お知らせ", "創業支援の説明会を開きます。", ""), t0)
	writeFile(t, site, "ja/news/b/index.html", page("観光", "東京都の観光案内です。", ""), t0)
	writeFile(t, site, "ja/secret/index.html", page("内部", "秘密の創業計画です。", `<meta name="robots" content="noindex">`), t0)
	writeFile(t, site, "ja/drafts/x.html", page("下書き", "創業の下書きです。", ""), t0)
	writeFile(t, site, ".git/index.html", page("hidden", "創業", ""), t0)
	writeFile(t, site, "ja/404.html", page("見つかりません", "創業", ""), t0)
	writeFile(t, site, "assets/site.css", "body{}", t0)

	fsys := &countingFS{FS: os.DirFS(site), reads: map[string]int{}}
	ix := openTest(t, nil)
	in := NewIndexer(IndexerOptions{Index: ix, Source: FolderSource(fsys), Exclude: []string{"/ja/drafts/*"}})

	var last Progress
	if err := in.Run(t.Context(), func(p Progress) { last = p }); err != nil {
		t.Fatal(err)
	}
	if last.Seen != 3 || last.Indexed != 2 || last.Skipped != 0 {
		t.Errorf("first run progress %+v, want 3 seen, 2 indexed", last)
	}
	if got := find(t, ix, "創業"); !slices.Equal(got, []string{"/ja/news/a/"}) {
		t.Errorf("創業 after the first run: %v, want only /ja/news/a/ (noindex, excluded, hidden and 404 pages left out)", got)
	}
	st := ix.Status()
	if st.Documents != 2 || st.SizeBytes == 0 || st.LastRun.IsZero() || st.Running {
		t.Errorf("status %+v", st)
	}

	// Nothing changed: nothing is read again.
	before := fsys.total()
	if err := in.Run(t.Context(), func(p Progress) { last = p }); err != nil {
		t.Fatal(err)
	}
	if fsys.total() != before || last.Skipped != 3 || last.Indexed != 0 {
		t.Errorf("unchanged run read %d files, progress %+v; want no reads", fsys.total()-before, last)
	}

	// Edit one page, delete another: only the edited one is read.
	writeFile(t, site, "ja/news/a/index.html", page("お知らせ", "補助金の説明会を開きます。", ""), t0.Add(time.Hour))
	if err := os.Remove(filepath.Join(site, "ja/news/b/index.html")); err != nil {
		t.Fatal(err)
	}
	before = fsys.total()
	if err := in.Run(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if n := fsys.total() - before; n != 1 {
		t.Errorf("after an edit %d files read, want 1", n)
	}
	if got := find(t, ix, "補助金"); !slices.Equal(got, []string{"/ja/news/a/"}) {
		t.Errorf("補助金 after the edit: %v", got)
	}
	if got := find(t, ix, "創業"); len(got) != 0 {
		t.Errorf("創業 after the edit: %v, want nothing", got)
	}
	if got := find(t, ix, "観光"); len(got) != 0 {
		t.Errorf("a deleted page is still found: %v", got)
	}
	if _, ok := ix.Version("/ja/news/b/"); ok {
		t.Error("a deleted page keeps its version")
	}
}

func TestIndexerRemembersNoIndexAcrossRestarts(t *testing.T) {
	site, dir := t.TempDir(), t.TempDir()
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	const secret = "ja/secret/index.html"
	writeFile(t, site, "ja/news/a/index.html", page("お知らせ", "創業支援の説明会を開きます。", ""), t0)
	writeFile(t, site, secret, page("内部", "秘密の創業計画です。", `<meta name="robots" content="noindex">`), t0)
	fsys := &countingFS{FS: os.DirFS(site), reads: map[string]int{}}
	run := func() (Progress, []string) {
		t.Helper()
		ix, err := Open(t.Context(), Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := ix.Close(); err != nil {
				t.Error(err)
			}
		}()
		var last Progress
		if err := NewIndexer(IndexerOptions{Index: ix, Source: FolderSource(fsys)}).Run(t.Context(), func(p Progress) { last = p }); err != nil {
			t.Fatal(err)
		}
		return last, find(t, ix, "創業")
	}
	reads := func() int {
		fsys.mu.Lock()
		defer fsys.mu.Unlock()
		return fsys.reads[secret]
	}

	tests := []struct {
		name  string
		edit  func()
		reads int // of the noindex page, in all so far
		found []string
	}{
		{name: "first run reads it", reads: 1, found: []string{"/ja/news/a/"}},
		{name: "unchanged after a restart is not read", reads: 1, found: []string{"/ja/news/a/"}},
		{name: "changed is read again", edit: func() {
			writeFile(t, site, secret, page("内部", "秘密の創業計画(改訂)です。", `<meta name="robots" content="noindex">`), t0.Add(time.Hour))
		}, reads: 2, found: []string{"/ja/news/a/"}},
		{name: "and remembered again", reads: 2, found: []string{"/ja/news/a/"}},
		{name: "indexed once it allows it", edit: func() {
			writeFile(t, site, secret, page("内部", "創業計画を公開します。", ""), t0.Add(2*time.Hour))
		}, reads: 3, found: []string{"/ja/news/a/", "/ja/secret/"}},
		{name: "then skipped as indexed", reads: 3, found: []string{"/ja/news/a/", "/ja/secret/"}},
	}
	for _, tt := range tests {
		if tt.edit != nil {
			tt.edit()
		}
		p, found := run()
		if got := reads(); got != tt.reads {
			t.Errorf("%s: noindex page read %d times in all, want %d (progress %+v)", tt.name, got, tt.reads, p)
		}
		slices.Sort(found)
		if !slices.Equal(found, tt.found) {
			t.Errorf("%s: 創業 finds %v, want %v", tt.name, found, tt.found)
		}
	}

	// An index rebuilt from nothing forgets what it left out.
	if err := os.WriteFile(filepath.Join(dir, formatFile), []byte("noren-search 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(t.Context(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n := ix.listedCount(); n != 0 {
		t.Errorf("rebuilt index remembers %d pages", n)
	}
}

// failingSource lists one page, then fails.
type failingSource struct{ items []Item }

func (s failingSource) Walk(ctx context.Context, fn func(Item) error) error {
	for _, it := range s.items {
		if err := fn(it); err != nil {
			return err
		}
	}
	return errors.New("upstream went away")
}

func TestIndexerKeepsDocumentsAfterAFailedWalk(t *testing.T) {
	ix := openCorpus(t, nil)
	in := NewIndexer(IndexerOptions{Index: ix, Source: failingSource{}})
	if err := in.Run(t.Context(), nil); err == nil {
		t.Fatal("a failed walk reported success")
	}
	if n := ix.Status().Documents; n != len(corpus) {
		t.Errorf("%d documents after a failed walk, want %d kept", n, len(corpus))
	}
}

func TestIndexerMaxPages(t *testing.T) {
	site := t.TempDir()
	for _, n := range []string{"a", "b", "c", "d"} {
		writeFile(t, site, "en/"+n+".html", page(n, "grant "+n, ""), time.Now())
	}
	ix := openTest(t, nil)
	in := NewIndexer(IndexerOptions{Index: ix, Source: FolderSource(os.DirFS(site)), MaxPages: 3})
	if err := in.Run(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if n := ix.Status().Documents; n != 3 {
		t.Errorf("%d documents, want 3", n)
	}
}

func TestIndexerErrorsKept(t *testing.T) {
	ix := openTest(t, nil)
	items := []Item{{Path: "/en/broken/", Version: "1", ContentType: "text/html",
		Open: func(context.Context) (io.ReadCloser, error) { return nil, errors.New("connection reset") }}}
	in := NewIndexer(IndexerOptions{Index: ix, Source: sliceSource(items)})
	if err := in.Run(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	st := ix.Status()
	if len(st.Errors) != 1 || st.Errors[0].Path != "/en/broken/" || !strings.Contains(st.Errors[0].Err, "connection reset") {
		t.Errorf("errors %+v", st.Errors)
	}
	if st.Progress.Failed != 1 {
		t.Errorf("progress %+v, want 1 failed", st.Progress)
	}
}

type sliceSource []Item

func (s sliceSource) Walk(ctx context.Context, fn func(Item) error) error {
	for _, it := range s {
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

// blockingSource waits in Walk until released.
type blockingSource struct {
	started chan struct{}
	release chan struct{}
}

func (s blockingSource) Walk(ctx context.Context, fn func(Item) error) error {
	close(s.started)
	<-s.release
	return nil
}

func TestIndexerRunsOneAtATime(t *testing.T) {
	ix := openTest(t, nil)
	src := blockingSource{started: make(chan struct{}), release: make(chan struct{})}
	var wg sync.WaitGroup
	var firstErr atomic.Value
	wg.Go(func() {
		if err := NewIndexer(IndexerOptions{Index: ix, Source: src}).Run(context.Background(), nil); err != nil {
			firstErr.Store(err)
		}
	})
	<-src.started
	if !ix.Status().Running {
		t.Error("status does not show the run")
	}
	err := NewIndexer(IndexerOptions{Index: ix, Source: sliceSource(nil)}).Run(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), "still running") {
		t.Errorf("second run: %v, want an error naming the running one", err)
	}
	close(src.release)
	wg.Wait()
	if err := firstErr.Load(); err != nil {
		t.Error(err)
	}
}

// demoPDFWord is a word only the demo's PDF contains.
const demoPDFWord = "receipts"

func TestDemoSitePDF(t *testing.T) {
	site, err := fs.Sub(web.DemoSite, "demo/site")
	if err != nil {
		t.Fatal(err)
	}
	ix := openTest(t, nil)
	in := NewIndexer(IndexerOptions{Index: ix, Source: FolderSource(site)})
	if err := in.Run(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if errs := ix.Status().Errors; len(errs) > 0 {
		t.Errorf("demo site errors: %+v", errs)
	}
	r, err := ix.Search(t.Context(), Query{Text: demoPDFWord})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Hits) != 1 || r.Hits[0].Path != "/files/startup-support-guide-2026.pdf" || r.Hits[0].Type != "pdf" {
		t.Fatalf("%s: %+v, want the demo's PDF", demoPDFWord, r.Hits)
	}
	if h := r.Hits[0]; h.Date.IsZero() || h.Title == "" || len(h.Snippet) == 0 {
		t.Errorf("PDF hit %+v lacks a date, title or snippet", h)
	}
	// A second run over the embedded site (no file times) reads nothing new.
	var last Progress
	if err := in.Run(t.Context(), func(p Progress) { last = p }); err != nil {
		t.Fatal(err)
	}
	if last.Indexed != 0 || last.Skipped == 0 {
		t.Errorf("second run over the demo: %+v, want everything skipped", last)
	}
}

func TestOpenRebuilds(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{"corrupt", func(t *testing.T, dir string) {
			err := filepath.WalkDir(filepath.Join(dir, indexDir), func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				return os.WriteFile(p, []byte("not an index"), 0o644)
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"outdated", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, formatFile), []byte("noren-search 0\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"no format file", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, formatFile)); err != nil {
				t.Fatal(err)
			}
		}},
		{"index folder is a file", func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, indexDir)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, indexDir), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			ix, err := Open(t.Context(), Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if err := ix.Put(t.Context(), corpus[0], "v1"); err != nil {
				t.Fatal(err)
			}
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, dir)
			ix, err = Open(t.Context(), Options{Dir: dir})
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer ix.Close()
			if n := ix.Status().Documents; n != 0 {
				t.Errorf("%d documents after a rebuild, want 0", n)
			}
			if _, ok := ix.Version(corpus[0].Path); ok {
				t.Error("a version survived the rebuild")
			}
			if err := ix.Put(t.Context(), corpus[0], "v2"); err != nil {
				t.Fatal(err)
			}
			if got := find(t, ix, "創業支援"); len(got) != 1 {
				t.Errorf("rebuilt index finds %v", got)
			}
		})
	}
}

func TestOpenKeepsVersions(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(t.Context(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Put(t.Context(), corpus[0], "v1"); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(t.Context(), corpus[0].Path); err != nil {
		t.Fatal(err)
	}
	// Batches as a run writes them, left for Close to put on disk.
	var batch []entry
	for _, d := range corpus[1:] {
		batch = append(batch, entry{doc: d, version: "v-" + d.Path})
	}
	if err := ix.apply(t.Context(), batch, nil); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(t.Context(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for i, d := range corpus {
		v, ok := ix.Version(d.Path)
		if i == 0 {
			if ok {
				t.Errorf("deleted %s has version %q", d.Path, v)
			}
			continue
		}
		if v != "v-"+d.Path {
			t.Errorf("version of %s: %q", d.Path, v)
		}
	}
}

func TestOpenFailsOnlyOnAnUnwritableFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), Options{Dir: filepath.Join(file, "index")}); err == nil {
		t.Error("Open under a file succeeded")
	}
}

func TestSitePaths(t *testing.T) {
	tests := []struct{ name, path, section, lang string }{
		{"index.html", "/", "", ""},
		{"ja/index.html", "/ja/", "", "ja"},
		{"ja/news/grant/index.html", "/ja/news/grant/", "news", "ja"},
		{"en/news/index.html", "/en/news/", "news", "en"},
		{"ja/about.html", "/ja/about.html", "", "ja"},
		{"files/guide.pdf", "/files/guide.pdf", "files", ""},
		{"japan/index.htm", "/japan/", "japan", ""},
	}
	for _, tt := range tests {
		p := sitePath(tt.name)
		if p != tt.path || sectionOf(p) != tt.section || langOf(p) != tt.lang {
			t.Errorf("%s: path %q section %q lang %q, want %q %q %q", tt.name, p, sectionOf(p), langOf(p), tt.path, tt.section, tt.lang)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"/ja/drafts/*", "/ja/drafts/x.html", true},
		{"/ja/drafts/*", "/ja/draft", false},
		{"*.pdf", "/files/a.pdf", true},
		{"*.pdf", "/files/a.pdf.html", false},
		{"/*/private/*", "/en/private/a/", true},
		{"/exact/", "/exact/", true},
		{"/exact/", "/exact/more", false},
		{"*", "/anything", true},
		{"/a*b*c", "/abc", true},
		{"/a*b*c", "/acb", false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pat, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v", tt.pat, tt.s, got)
		}
	}
}

func TestOpenInUseIsNotRebuilt(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(t.Context(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Put(t.Context(), corpus[0], "v1"); err != nil {
		t.Fatal(err)
	}
	if second, err := Open(t.Context(), Options{Dir: dir}); err == nil {
		second.Close()
		t.Fatal("a second Open of a folder in use succeeded")
	}
	if got := find(t, ix, "創業支援"); len(got) != 1 {
		t.Errorf("the index in use lost its documents: %v", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	site := t.TempDir()
	for i := range 30 {
		writeFile(t, site, "ja/news/"+string(rune('a'+i%26))+string(rune('a'+i/26))+"/index.html",
			page("お知らせ", "創業支援の説明会を開きます。", ""), time.Now())
	}
	ix := openCorpus(t, [][]string{{"創業", "起業"}})
	in := NewIndexer(IndexerOptions{Index: ix, Source: FolderSource(os.DirFS(site))})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for range 20 {
				if _, err := ix.Search(t.Context(), Query{Text: "創業支援 subsidy"}); err != nil {
					t.Error(err)
				}
				_ = ix.Status()
			}
		})
	}
	wg.Go(func() {
		for i := range 10 {
			d := corpus[i%len(corpus)]
			if err := ix.Put(t.Context(), d, "v2"); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Go(func() {
		if err := in.Run(t.Context(), nil); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/search"
)

// writeSite writes a small site folder of pages, path → body.
func writeSite(t *testing.T, pages map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range pages {
		full := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		page := `<!doctype html><html lang="en"><head><title>` + name + `</title></head><body><main><p>` + body + `</p></main></body></html>`
		if err := os.WriteFile(full, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestSearchReindex runs noren search reindex on a folder: a first run
// reads every page, a second none, -full all again, in plain mode (the
// output is not a terminal).
func TestSearchReindex(t *testing.T) {
	root := writeSite(t, map[string]string{"en/index.html": "Harbour.", "en/news/a.html": "Festival.", "ja/index.html": "みなと"})
	data := t.TempDir()
	args := []string{"search", "reindex", "--data", data, "--site-root", root}
	for _, tc := range []struct {
		name  string
		extra []string
		want  string
	}{
		{"first", nil, "indexed 3, unchanged 0, failed 0 in "},
		{"again", nil, "indexed 0, unchanged 3, failed 0 in "},
		{"full", []string{"-full"}, "indexed 3, unchanged 0, failed 0 in "},
	} {
		code, out, errOut := runNorenEnv([]string{"NOREN_CONFIG="}, append(args, tc.extra...)...)
		if code != 0 || !strings.HasPrefix(out, tc.want) || !strings.HasSuffix(out, "; the index holds 3 documents\n") {
			t.Errorf("%s: exit %d, stdout %q, want %q…\n%s", tc.name, code, out, tc.want, errOut)
		}
		if strings.Contains(errOut, "\r") {
			t.Errorf("%s: a bar drawn on a file: %q", tc.name, errOut)
		}
	}
}

// TestSearchReindexWhileServed checks that reindex, while another process
// holds the index as a running server does, gives up within seconds and
// says what to do instead.
func TestSearchReindexWhileServed(t *testing.T) {
	root := writeSite(t, map[string]string{"index.html": "Harbour."})
	data := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = data
	held, err := openSearchIndex(t.Context(), cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	start := time.Now()
	code, _, errOut := runNorenEnv([]string{"NOREN_CONFIG="}, "search", "reindex", "--data", data, "--site-root", root)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("gave up after %s", took)
	}
	if code != 1 || !strings.Contains(errOut, "in use by another process") || !strings.Contains(errOut, "/admin/search") || !strings.Contains(errOut, "stop the server") {
		t.Errorf("exit %d:\n%s", code, errOut)
	}
}

// TestSearchGenerate writes a generated site.
func TestSearchGenerate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	code, stdout, stderr := runNoren("search", "generate", "-pages", "20", "-out", out)
	if code != 0 || !strings.HasPrefix(stdout, "wrote 20 pages and sitemap.xml to ") {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	pages, err := filepath.Glob(filepath.Join(out, "*", "*", "*", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "sitemap.xml")); err != nil || len(pages) == 0 {
		t.Errorf("sitemap: %v; %d pages", err, len(pages))
	}
	if code, _, _ := runNoren("search", "generate", "-pages", "20"); code != 2 {
		t.Errorf("without -out: exit %d, want 2", code)
	}
}

// TestProgressBar checks what a run's progress looks like on a terminal
// and in a log.
func TestProgressBar(t *testing.T) {
	started := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	now := started
	steps := []search.Progress{
		{Started: started},
		{Seen: 100, Indexed: 80, Skipped: 20, Started: started},
		{Seen: 150, Indexed: 100, Skipped: 40, Failed: 10, Total: 600, Started: started},
	}
	tests := []struct {
		name     string
		terminal bool
		total    int
		want     []string
	}{
		{"plain", false, 0, []string{
			"0 pages\n",
			"100 pages, 10 pages/s\n",
			"150/600 pages, 8 pages/s, ETA 1m0s, 10 failed\n",
		}},
		{"plain, total known before", false, 400, []string{
			"0/400 pages\n",
			"100/400 pages, 10 pages/s, ETA 30s\n",
			"150/600 pages, 8 pages/s, ETA 1m0s, 10 failed\n",
		}},
		{"terminal", true, 400, []string{
			"\r[..............................] 0/400 pages",
			"\r[#######.......................] 100/400 pages, 10 pages/s, ETA 30s",
			"\r[#######.......................] 150/600 pages, 8 pages/s, ETA 1m0s, 10 failed",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			bar := &progressBar{w: &out, terminal: tt.terminal, total: tt.total, interval: 5 * time.Second, now: func() time.Time { return now }}
			for i, step := range steps {
				now = started.Add(time.Duration(i) * 10 * time.Second)
				out.Reset()
				bar.update(step)
				if got := strings.TrimRight(out.String(), " "); got != tt.want[i] {
					t.Errorf("step %d: %q, want %q", i, got, tt.want[i])
				}
				// A report sooner than the interval is left out.
				out.Reset()
				now = now.Add(time.Second)
				bar.update(step)
				if out.Len() != 0 {
					t.Errorf("step %d: reported again after a second: %q", i, out.String())
				}
			}
			out.Reset()
			bar.finish()
			if want := map[bool]string{true: "\n", false: ""}[tt.terminal]; out.String() != want {
				t.Errorf("finish wrote %q, want %q", out.String(), want)
			}
		})
	}
}

// TestSearchHelp checks that the search command is listed and explains
// itself.
func TestSearchHelp(t *testing.T) {
	code, out, _ := runNoren("help")
	if code != 0 || !regexp.MustCompile(`\n  search +index the site`).MatchString(out) {
		t.Errorf("help does not list search:\n%s", out)
	}
	for _, sub := range []string{"reindex", "generate"} {
		code, _, errOut := runNoren("search", sub, "-h")
		if code != 0 || !strings.Contains(errOut, "Usage: noren search "+sub) {
			t.Errorf("search %s -h: exit %d\n%s", sub, code, errOut)
		}
	}
}

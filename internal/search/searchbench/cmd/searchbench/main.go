// Command searchbench builds and queries the site search's benchmark
// indexes: Noren's and the plain bleve baseline, each in a process of its
// own so that the peak resident memory it reports is that index's.
//
//	searchbench index -engine noren|baseline -site DIR -index DIR
//	searchbench query -engine noren|baseline -index DIR [-rounds N]
//	searchbench quality -site DIR -noren DIR -baseline DIR
//	searchbench serve -index DIR -addr HOST:PORT
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/search"
	"github.com/noren-web/noren/internal/search/searchbench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: searchbench index|query|quality|serve [flags]")
		os.Exit(2)
	}
	commands := map[string]func(context.Context, []string) error{
		"index": runIndex, "query": runQuery, "quality": runQuality, "serve": runServe,
	}
	run, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "searchbench: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := run(ctx, os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "searchbench:", err)
		os.Exit(1)
	}
}

func runIndex(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("index", flag.ExitOnError)
	engine := fset.String("engine", "noren", "noren or baseline")
	site := fset.String("site", "", "site folder to index")
	dir := fset.String("index", "", "index folder to create (must not exist)")
	_ = fset.Parse(args)
	if *site == "" || *dir == "" {
		return errors.New("index: -site and -index are required")
	}
	start := time.Now()
	docs := 0
	switch *engine {
	case "noren":
		ix, err := search.Open(ctx, search.Options{Dir: *dir})
		if err != nil {
			return err
		}
		in := search.NewIndexer(search.IndexerOptions{Index: ix, Source: search.FolderSource(os.DirFS(*site))})
		if err := in.Run(ctx, nil); err != nil {
			return err
		}
		docs = ix.Status().Documents
		if err := ix.Close(); err != nil {
			return err
		}
	case "baseline":
		all, err := searchbench.ReadDocuments(ctx, os.DirFS(*site))
		if err != nil {
			return err
		}
		b, err := searchbench.CreateBaseline(*dir)
		if err != nil {
			return err
		}
		// Batches of 64, as Noren's indexer writes them.
		if err := b.Add(ctx, all, 64); err != nil {
			return err
		}
		docs = len(all)
		if err := b.Close(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("index: unknown engine %q", *engine)
	}
	took := time.Since(start)
	size, err := dirSize(*dir)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d documents in %.1f s (%.0f docs/s), index %.1f MB, peak RSS %s\n",
		*engine, docs, took.Seconds(), float64(docs)/took.Seconds(), float64(size)/1e6, peakRSS())
	return nil
}

func runQuery(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("query", flag.ExitOnError)
	engine := fset.String("engine", "noren", "noren or baseline")
	dir := fset.String("index", "", "index folder")
	rounds := fset.Int("rounds", 50, "times each query runs")
	_ = fset.Parse(args)
	var run func(ctx context.Context, q string) (int, error)
	switch *engine {
	case "noren":
		ix, err := search.Open(ctx, search.Options{Dir: *dir})
		if err != nil {
			return err
		}
		defer ix.Close()
		run = func(ctx context.Context, q string) (int, error) {
			res, err := ix.Search(ctx, search.Query{Text: q})
			if err != nil {
				return 0, err
			}
			return res.Total, nil
		}
	case "baseline":
		b, err := searchbench.OpenBaseline(*dir)
		if err != nil {
			return err
		}
		defer b.Close()
		run = func(ctx context.Context, q string) (int, error) {
			res, err := b.Search(ctx, q, "", 1, 0)
			if err != nil {
				return 0, err
			}
			return int(res.Total), nil
		}
	default:
		return fmt.Errorf("query: unknown engine %q", *engine)
	}
	// The first query loads what the index loads lazily (Noren's
	// dictionary); it is timed on its own.
	start := time.Now()
	if _, err := run(ctx, searchbench.Queries[0]); err != nil {
		return err
	}
	first := time.Since(start)
	totals := map[string]int{}
	// Each language's queries get their own percentiles, as the target is
	// set per language.
	byLang := map[string][]time.Duration{}
	lat, medians, err := searchbench.Measure(ctx, searchbench.Queries, *rounds, func(ctx context.Context, q string) error {
		start := time.Now()
		n, err := run(ctx, q)
		byLang[queryLang(q)] = append(byLang[queryLang(q)], time.Since(start))
		totals[q] = n
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("%s: first query %.0f ms; %s\n", *engine, float64(first.Microseconds())/1000, lat)
	for _, l := range []string{"ja", "en"} {
		fmt.Printf("  %s queries: %s\n", l, searchbench.Distribution(byLang[l]))
	}
	for _, q := range searchbench.Queries {
		fmt.Printf("  %-28s %6d results, median %.2f ms\n", q, totals[q], float64(medians[q].Microseconds())/1000)
	}
	return nil
}

// queryLang is the language of one of the benchmark's queries: Japanese
// when it has any character beyond ASCII.
func queryLang(q string) string {
	for _, r := range q {
		if r > 0x7f {
			return "ja"
		}
	}
	return "en"
}

func runQuality(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("quality", flag.ExitOnError)
	site := fset.String("site", "", "site folder both indexes were built from")
	norenDir := fset.String("noren", "", "Noren index folder")
	baseDir := fset.String("baseline", "", "baseline index folder")
	_ = fset.Parse(args)
	all, err := searchbench.ReadDocuments(ctx, os.DirFS(*site))
	if err != nil {
		return err
	}
	docs := make(map[string]search.Document, len(all))
	for _, d := range all {
		docs[d.Path] = d
	}
	ix, err := search.Open(ctx, search.Options{Dir: *norenDir})
	if err != nil {
		return err
	}
	defer ix.Close()
	b, err := searchbench.OpenBaseline(*baseDir)
	if err != nil {
		return err
	}
	defer b.Close()
	checks := []struct {
		query string
		has   func(string) bool
		label string // what the line names, the query when empty
	}{
		{"京都", searchbench.Kyoto, ""},
		{"ミナトペイ", func(s string) bool { return strings.Contains(s, "ミナトペイ") }, ""},
		// Kana queries also match kanji words read the same way (創業 for
		// ソウギョウ): the spellings must come first, the readings after.
		{"ソウギョウ", sougyou, ""},
		{"そうぎょう", sougyou, ""},
		{"ｿｳｷﾞｮｳ", sougyou, ""},
		{"ソウギョウ", func(s string) bool { return sougyou(s) || strings.Contains(s, "創業") }, "ソウギョウ (spellings or 創業)"},
	}
	for _, c := range checks {
		n, err := searchbench.NorenHits(ctx, ix, c.query, docs, c.has)
		if err != nil {
			return err
		}
		bl, err := searchbench.BaselineHits(ctx, b, c.query, docs, c.has)
		if err != nil {
			return err
		}
		label := c.label
		if label == "" {
			label = c.query
		}
		fmt.Printf("%s: noren %s; baseline %s\n", label, n, bl)
	}
	return nil
}

// sougyou reports whether a text has one of the kana spellings of ソウギョウ.
func sougyou(s string) bool {
	return strings.Contains(s, "ソウギョウ") || strings.Contains(s, "そうぎょう") || strings.Contains(s, "ｿｳｷﾞｮｳ")
}

// runServe answers GET /api/search from the baseline index, as little as
// a handler can do: the same parameters as Noren's API, JSON out.
func runServe(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("serve", flag.ExitOnError)
	dir := fset.String("index", "", "baseline index folder")
	addr := fset.String("addr", "127.0.0.1:18190", "address to listen on")
	_ = fset.Parse(args)
	b, err := searchbench.OpenBaseline(*dir)
	if err != nil {
		return err
	}
	defer b.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/search", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		page, _ := strconv.Atoi(q.Get("page"))
		res, err := b.Search(r.Context(), q.Get("q"), q.Get("lang"), max(page, 1), 0)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		type hit struct {
			Path    string   `json:"path"`
			Title   any      `json:"title"`
			Snippet []string `json:"snippet"`
		}
		out := struct {
			Total int   `json:"total"`
			Hits  []hit `json:"hits"`
		}{Total: int(res.Total)}
		for _, h := range res.Hits {
			title := h.Fields["title_ja"]
			if title == nil {
				title = h.Fields["title_en"]
			}
			var snip []string
			for _, f := range h.Fragments {
				snip = append(snip, f...)
			}
			out.Hits = append(out.Hits, hit{Path: h.ID, Title: title, Snippet: snip})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// dirSize adds up the sizes of the files under dir.
func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", dir, err)
	}
	return n, nil
}

// peakRSS reads the process's peak resident memory from /proc (Linux).
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return fmt.Sprintf("%.0f MB", float64(kb)/1024)
		}
	}
	return "unknown"
}

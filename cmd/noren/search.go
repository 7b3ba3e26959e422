package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/search"
	"github.com/noren-web/noren/internal/search/corpus"
)

const searchUsage = `Usage: noren search reindex|generate [flags]

Works on the site search's index.

  reindex   index the site now, as the server does on its schedule: only
            changed pages and files, or all of them with -full; shows a
            progress bar on a terminal and plain lines otherwise
  generate  write a generated bilingual site of -pages pages into -out,
            for trying the search and for the benchmarks

Run 'noren search reindex -h' and so on for their flags.
`

func runSearch(ctx context.Context, env *environment, args []string) error {
	return subcommands(ctx, env, "search", searchUsage, args, map[string]func(context.Context, *environment, []string) error{
		"reindex":  runSearchReindex,
		"generate": runSearchGenerate,
	})
}

// maxListedErrors bounds the failed documents reindex lists.
const maxListedErrors = 20

func runSearchReindex(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "search reindex", "[flags]",
		"Indexes the site of noren.yaml into <data_dir>/search now: its folder in static\n"+
			"mode, its upstream crawled in proxy mode. Only pages and files changed since\n"+
			"the last run are read, unless -full. A running server holds the index: use\n"+
			"the reindex button of the console's Site search page instead, or stop it.")
	flags := config.RegisterFlags(fset)
	full := fset.Bool("full", false, "read every page and file again, not only the changed ones")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errUsage
	}
	cfg, err := flags.Load(env.getenv)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	if !cfg.Search.Enabled {
		return errors.New("site search is off (search.enabled: false)")
	}
	// Indexing logs only what goes wrong, between the progress lines.
	logger := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a := &app{cfg: cfg, logger: logger}
	// Unlike serve, indexing needs no manifest: only the site.
	if cfg.Site.Mode == "static" && cfg.Site.Root == "" {
		return errors.New("site.root: required in static mode: the folder to index")
	}
	if cfg.Site.Mode == "proxy" && cfg.Site.Upstream == "" {
		return errors.New("site.upstream: required in proxy mode: the site to crawl")
	}
	if err := a.openSite(); err != nil {
		return err
	}
	index, err := openSearchIndex(ctx, cfg, nil, logger)
	if err == nil && *full {
		// The index is this process's alone once open, so it can be
		// started afresh: closed, removed and created empty.
		if err = index.Close(); err == nil {
			err = removeSearchIndex(cfg)
		}
		if err == nil {
			index, err = openSearchIndex(ctx, cfg, nil, logger)
		}
	}
	if errors.Is(err, errIndexInUse) {
		return fmt.Errorf("%w.\nA running Noren server holds it: press \"Index the site now\" on the console's\nSite search page (/admin/search), or stop the server and run this again", err)
	}
	if err != nil {
		return err
	}
	defer index.Close()
	source, err := searchSource(cfg, a)
	if err != nil {
		return err
	}
	bar := newProgressBar(env.stderr)
	// The bar needs the number of documents to come: a folder is listed
	// first, which costs little beside reading it; an upstream is not
	// crawled twice, and the index's last count stands in for it.
	bar.total = index.Status().Documents
	if a.upstream == nil {
		if bar.total, err = countDocuments(ctx, source, cfg.Search.MaxPages); err != nil {
			return err
		}
	}
	return reindex(ctx, env, newIndexer(index, source, cfg.Search, logger), index, bar)
}

// removeSearchIndex deletes the index folder, for a run from nothing.
func removeSearchIndex(cfg *config.Config) error {
	dir := filepath.Join(cfg.DataDir, searchDir)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove search index %s: %w", dir, err)
	}
	return nil
}

// countDocuments counts the documents source lists, at most limit (0: no
// limit).
func countDocuments(ctx context.Context, source search.Source, limit int) (int, error) {
	n := 0
	errEnough := errors.New("enough")
	err := source.Walk(ctx, func(search.Item) error {
		n++
		if limit > 0 && n >= limit {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return 0, fmt.Errorf("count documents: %w", err)
	}
	return n, nil
}

// reindex runs ix once, reporting its progress on bar, then what it did
// and the documents it could not index.
func reindex(ctx context.Context, env *environment, ix *search.Indexer, index *search.Index, bar *progressBar) error {
	start := time.Now()
	var last search.Progress
	err := ix.Run(ctx, func(p search.Progress) {
		last = p
		bar.update(p)
	})
	bar.finish()
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	st := index.Status()
	for i, e := range st.Errors {
		if i == maxListedErrors {
			fmt.Fprintf(env.stderr, "… and %d more\n", len(st.Errors)-i)
			break
		}
		fmt.Fprintf(env.stderr, "failed: %s: %s\n", e.Path, e.Err)
	}
	fmt.Fprintf(env.stdout, "indexed %d, unchanged %d, failed %d in %s; the index holds %d documents\n",
		last.Indexed, last.Skipped, last.Failed, time.Since(start).Round(time.Millisecond), st.Documents)
	return nil
}

func runSearchGenerate(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "search generate", "-out DIR [flags]",
		"Writes a generated bilingual site of a city office (news, support, guides,\n"+
			"events) into -out: -pages HTML pages, half in Japanese and half in English,\n"+
			"and a sitemap.xml. The same -seed gives the same site. Serve it with\n"+
			"noren serve -site-root DIR to try the search, or index it with noren search\n"+
			"reindex; docs/benchmarks.md uses it.")
	pages := fset.Int("pages", 10_000, "number of pages")
	out := fset.String("out", "", "folder to write the site into (created when missing)")
	seed := fset.Int64("seed", 1, "seed of the generator: the same seed gives the same site")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 || *out == "" || *pages < 1 {
		fset.Usage()
		return errUsage
	}
	start := time.Now()
	if err := corpus.Generate(*out, *pages, *seed); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "wrote %d pages and sitemap.xml to %s in %s\n", *pages, *out, time.Since(start).Round(time.Millisecond))
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"

	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/jobs"
	"github.com/noren-web/noren/internal/search"
	"github.com/noren-web/noren/internal/search/crawl"
	"github.com/noren-web/noren/internal/search/results"
	"github.com/noren-web/noren/internal/search/status"
	"github.com/noren-web/noren/internal/site"
	"github.com/noren-web/noren/web"
)

// searchDir is the index's folder under the data folder.
const searchDir = "search"

// siteSearch is the site search of a running Noren: the index, the site
// it reads, and its indexing runs, one at a time, whether the schedule or
// the console's button starts them.
type siteSearch struct {
	index  *search.Index
	source search.Source
	cfg    config.Search
	logger *slog.Logger

	// busy is held by the run under way.
	busy sync.Mutex
	// ctx is the context of the runs started in the background, ended by
	// close, and runs counts them, so that close waits for them before
	// the index closes.
	ctx    context.Context
	cancel context.CancelFunc
	runs   sync.WaitGroup
}

// errIndexInUse says another process holds the index: a running server,
// or noren search reindex.
var errIndexInUse = errors.New("the search index is in use by another process")

// openSearch opens the site's search index at <data_dir>/search, and the
// source it is filled from: the site's folder, or its upstream crawled.
// A corrupt index or one of another version is rebuilt by search.Open;
// start-up fails only when the folder cannot be written. An index another
// process holds, a second server on the same data folder or noren search
// reindex, leaves this one without search (nil), said in the log, rather
// than stopping it. Indexing starts once the server listens (see serve).
func openSearch(ctx context.Context, cfg *config.Config, a *app) (*siteSearch, error) {
	var synonyms func() [][]string
	if a.current != nil {
		synonyms = func() [][]string { return a.current.Get().SearchSynonyms() }
	}
	index, err := openSearchIndex(ctx, cfg, synonyms, a.logger)
	if errors.Is(err, errIndexInUse) {
		a.logger.Error("site search is off for this process: another process holds its index; restart once it has ended", "err", err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	source, err := searchSource(cfg, a)
	if err != nil {
		index.Close()
		return nil, err
	}
	s := &siteSearch{index: index, source: source, cfg: cfg.Search, logger: a.logger}
	s.ctx, s.cancel = context.WithCancel(ctx)
	return s, nil
}

// openSearchIndex opens the index in the data folder, telling a lock held
// by another process apart.
func openSearchIndex(ctx context.Context, cfg *config.Config, synonyms func() [][]string, logger *slog.Logger) (*search.Index, error) {
	dir := filepath.Join(cfg.DataDir, searchDir)
	index, err := search.Open(ctx, search.Options{Dir: dir, Synonyms: synonyms, Logger: logger})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s): %v", errIndexInUse, dir, err)
	}
	return index, err
}

// searchSource is where the index reads the site: its folder in static
// mode, the demo's embedded pages included, or the upstream crawled
// through its sitemaps and links in proxy mode.
func searchSource(cfg *config.Config, a *app) (search.Source, error) {
	if a.upstream == nil {
		return search.FolderSource(a.siteFS), nil
	}
	c, err := crawl.New(crawl.Options{
		Base:        a.upstream,
		Concurrency: cfg.Search.CrawlConcurrency,
		Delay:       cfg.Search.CrawlDelay,
		MaxPages:    cfg.Search.MaxPages,
		Exclude:     cfg.Search.Exclude,
		UserAgent:   "Noren/" + versionString() + " (site search)",
		Logger:      a.logger,
	})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return c, nil
}

// newIndexer is the indexer of index from source as configured.
func newIndexer(index *search.Index, source search.Source, cfg config.Search, logger *slog.Logger) *search.Indexer {
	return search.NewIndexer(search.IndexerOptions{
		Index:    index,
		Source:   source,
		MaxPages: cfg.MaxPages,
		Exclude:  cfg.Exclude,
		Logger:   logger,
	})
}

// job indexes the site again periodically: the folder, cheap to check,
// every search.rescan; the upstream, crawled, every search.recrawl.
func (s *siteSearch) job(proxy bool) jobs.Job {
	period := s.cfg.Rescan
	if proxy {
		period = s.cfg.Recrawl
	}
	return jobs.Job{Name: "search-index", Period: period, Run: s.scheduled}
}

// scheduled is the job's run: an incremental pass, or nothing while
// another run, such as one the console started, is under way.
func (s *siteSearch) scheduled(ctx context.Context) error {
	if !s.busy.TryLock() {
		return nil
	}
	defer s.busy.Unlock()
	return s.pass(ctx)
}

// pass runs the indexer once; the caller holds busy.
func (s *siteSearch) pass(ctx context.Context) error {
	err := newIndexer(s.index, s.source, s.cfg, s.logger).Run(ctx, nil)
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// start begins a run in the background, unless one is under way, and
// reports whether it did. The console's button calls it, to have changes
// indexed now rather than on the schedule.
func (s *siteSearch) start() bool {
	if s.ctx.Err() != nil || !s.busy.TryLock() {
		return false
	}
	s.runs.Go(func() {
		defer s.busy.Unlock()
		if err := s.pass(s.ctx); err != nil {
			s.logger.Error("search: indexing", "err", err)
		}
	})
	return true
}

// startFirst begins the first run once the server listens, and loads the
// Japanese dictionary beside it, so that neither delays serving.
func (s *siteSearch) startFirst() {
	s.runs.Go(search.Preload)
	s.start()
}

// close stops the runs started in the background, waits for them and
// closes the index. It is called once the jobs have stopped.
func (s *siteSearch) close() error {
	if s == nil {
		return nil
	}
	s.cancel()
	s.runs.Wait()
	return s.index.Close()
}

// searchConsole is the search section of the console: the index's state
// and the reindex button, with the zero-result searches from analytics.
func (a *app) searchConsole() *status.Pages {
	opt := status.Options{}
	if s := a.search; s != nil {
		opt.Status, opt.Reindex = s.index.Status, s.start
	}
	if a.live != nil {
		opt.Reader, opt.Site = a.live.store, a.live.sites[0]
	}
	return status.New(opt)
}

// routeSearch serves the search page in each language and the JSON API,
// dressed in the site's layout like Noren's other pages.
func (a *app) routeSearch(mux *http.ServeMux, langs []string) error {
	s := a.search
	if s == nil {
		return nil
	}
	zone, err := siteLocation(a.cfg)
	if err != nil {
		return err
	}
	h, err := results.New(results.Options{
		Search:    s.index.Search,
		Chrome:    a.chrome,
		Manifest:  a.current.Get,
		Languages: langs,
		Record:    a.recordSearch,
		Logger:    a.logger,
		Location:  zone,
	})
	if err != nil {
		return err
	}
	h.Register(mux)
	return nil
}

// recordSearch counts a search in Noren's analytics as the "search" event
// the dashboard lists, when the manifest's consent rule counts the
// visitor; the collector's rate limit and bot filter apply as to any
// event. The query is stored only as that event, never logged.
func (a *app) recordSearch(r *http.Request, query string, n int) {
	live := a.live
	if live == nil || !live.counts(a.current.Get(), r) {
		return
	}
	live.collector.RecordSearch(r, live.sites[0], query, n)
}

// searchBox is the rewriter that inserts the search box into the site's
// pages when search.inject_box is on, or nil.
func (a *app) searchBox() (*site.TagRewriter, error) {
	if a.search == nil || !a.cfg.Search.InjectBox {
		return nil, nil
	}
	box, err := results.NewBox(web.Templates)
	if err != nil {
		return nil, err
	}
	rw := box.Rewriter()
	return &rw, nil
}

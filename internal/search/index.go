package search

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bolterrors "go.etcd.io/bbolt/errors"
)

// formatVersion names the layout of the index: the mapping, the analyzers
// and what they emit. Change it with any of them, and indexes written
// before are rebuilt on the next start.
const formatVersion = "noren-search 3"

const (
	formatFile = "FORMAT"
	indexDir   = "index"
	// closeTimeout bounds the wait for the last batches to reach the disk.
	closeTimeout = 30 * time.Second
)

// Options configure an Index.
type Options struct {
	// Dir is the folder the index lives in, created when missing.
	Dir string
	// Synonyms returns the groups of words a query treats as one
	// (創業 = 起業 = スタートアップ = startup). It is called for each query,
	// so a reloaded manifest applies at once. Nil means none.
	Synonyms func() [][]string
	// Logger receives warnings such as a rebuilt index; nil discards them.
	Logger *slog.Logger
}

// Index is the search index of one site. It is safe for concurrent use.
type Index struct {
	opt Options
	log *slog.Logger
	bi  bleve.Index
	dir string

	// dirty is set while applied batches may not be on disk yet.
	dirty atomic.Bool

	mu       sync.Mutex
	versions map[string]string // path → version of what is indexed
	// unindexed are the versions of pages that asked not to be indexed,
	// so unchanged ones are not read again; kept in unindexedFile.
	unindexed      map[string]string
	unindexedDirty bool // unindexed changed since it was saved
	run            runState
}

// runState is what the console shows of indexing runs.
type runState struct {
	lastRun  time.Time
	lastTook time.Duration
	running  bool
	progress Progress
	errors   []DocumentError
}

// Open opens the index in opt.Dir, creating it when missing. An index that
// is corrupt or was written by another version is removed and rebuilt
// empty with a warning: Open fails only when the folder cannot be written.
func Open(ctx context.Context, opt Options) (*Index, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opt.Dir == "" {
		return nil, errors.New("open search index: no folder given")
	}
	if err := os.MkdirAll(opt.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("open search index %s: %w", opt.Dir, err)
	}
	ix := &Index{opt: opt, log: log, dir: opt.Dir, versions: map[string]string{}, unindexed: map[string]string{}}
	path := filepath.Join(opt.Dir, indexDir)

	format, err := os.ReadFile(filepath.Join(opt.Dir, formatFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if exists(path) {
			log.Warn("search index has no format version; rebuilding it", "dir", opt.Dir)
			if err := os.RemoveAll(path); err != nil {
				return nil, fmt.Errorf("remove search index %s: %w", path, err)
			}
		}
	case err != nil:
		return nil, fmt.Errorf("read search index format %s: %w", opt.Dir, err)
	case strings.TrimSpace(string(format)) != formatVersion:
		log.Warn("search index was written by another version; rebuilding it", "dir", opt.Dir,
			"found", strings.TrimSpace(string(format)), "want", formatVersion)
		if err := os.RemoveAll(path); err != nil {
			return nil, fmt.Errorf("remove search index %s: %w", path, err)
		}
	}

	if exists(path) {
		bi, err := openBleve(path)
		if err == nil {
			ix.bi = bi
			if err = ix.loadVersions(ctx); err != nil {
				_ = bi.Close()
				ix.bi = nil
			}
		}
		if err != nil {
			if errors.Is(err, bolterrors.ErrTimeout) {
				return nil, fmt.Errorf("open search index %s: in use by another process: %w", path, err)
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("open search index %s: %w", path, ctx.Err())
			}
			log.Warn("search index is unreadable; rebuilding it", "dir", opt.Dir, "err", err)
			if err := os.RemoveAll(path); err != nil {
				return nil, fmt.Errorf("remove search index %s: %w", path, err)
			}
			ix.versions = map[string]string{}
		}
	}
	if ix.bi != nil {
		ix.loadUnindexed()
	} else {
		// A new index has left nothing out yet.
		if err := os.Remove(filepath.Join(opt.Dir, unindexedFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("remove search index list %s: %w", opt.Dir, err)
		}
		bi, err := bleve.NewUsing(path, newMapping(), scorch.Name, bleve.Config.DefaultKVStore, runtimeConfig())
		if err != nil {
			return nil, fmt.Errorf("create search index %s: %w", path, err)
		}
		ix.bi = bi
	}
	if err := os.WriteFile(filepath.Join(opt.Dir, formatFile), []byte(formatVersion+"\n"), 0o640); err != nil {
		_ = ix.bi.Close()
		return nil, fmt.Errorf("write search index format %s: %w", opt.Dir, err)
	}
	return ix, nil
}

func runtimeConfig() map[string]any {
	// Without a timeout a second process opening the same folder would
	// wait forever for the lock. Batches return once searchable rather than
	// once on disk: a crash loses at most the last moments of a run, whose
	// documents the next run indexes again, since versions are read back
	// from what was persisted.
	return map[string]any{"bolt_timeout": "2s", "unsafe_batch": true}
}

// openBleve opens an existing index, turning a panic on damaged files into
// an error so the caller can rebuild.
func openBleve(path string) (bi bleve.Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("open %s: %v", path, r)
		}
	}()
	return bleve.OpenUsing(path, runtimeConfig())
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// loadVersions reads what is indexed, for incremental runs.
func (ix *Index) loadVersions(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("read versions: %v", r)
		}
	}()
	const page = 1000
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), page, 0, false)
		req.Fields = []string{fieldVersion}
		req.SortBy([]string{"_id"})
		if after != nil {
			req.SetSearchAfter(after)
		}
		res, err := ix.bi.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("read versions: %w", err)
		}
		for _, h := range res.Hits {
			v, _ := h.Fields[fieldVersion].(string)
			ix.versions[h.ID] = v
		}
		if len(res.Hits) < page {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// Close writes what is not yet on disk and closes the index.
func (ix *Index) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	syncErr := errors.Join(ix.sync(ctx), ix.saveUnindexed())
	if err := ix.bi.Close(); err != nil {
		return fmt.Errorf("close search index %s: %w", ix.dir, err)
	}
	return syncErr
}

// Put indexes doc (replacing what its path had) and records its version.
// It returns once the change is on disk.
func (ix *Index) Put(ctx context.Context, doc Document, version string) error {
	if err := ix.apply(ctx, []entry{{doc: doc, version: version}}, nil); err != nil {
		return err
	}
	return ix.sync(ctx)
}

// Delete removes the document at path; a path not indexed is no error.
// It returns once the change is on disk.
func (ix *Index) Delete(ctx context.Context, path string) error {
	if err := ix.apply(ctx, nil, []string{path}); err != nil {
		return err
	}
	return ix.sync(ctx)
}

// syncKey is an internal key written to wait for what came before it to
// reach the disk.
var syncKey = []byte("noren-sync")

// sync waits until the batches applied so far are on disk: batches return
// once searchable, and the persister writes snapshots in order.
func (ix *Index) sync(ctx context.Context) error {
	if !ix.dirty.Swap(false) {
		return nil
	}
	done := make(chan error, 1)
	b := ix.bi.NewBatch()
	b.SetInternal(syncKey, []byte(time.Now().UTC().Format(time.RFC3339Nano)))
	b.SetPersistedCallback(func(err error) { done <- err })
	if err := ix.bi.Batch(b); err != nil {
		ix.dirty.Store(true)
		return fmt.Errorf("write search index %s: %w", ix.dir, err)
	}
	select {
	case err := <-done:
		if err != nil {
			ix.dirty.Store(true)
			return fmt.Errorf("write search index %s: %w", ix.dir, err)
		}
		return nil
	case <-ctx.Done():
		ix.dirty.Store(true)
		return fmt.Errorf("write search index %s: %w", ix.dir, ctx.Err())
	}
}

// Version returns the version of the document indexed at path.
func (ix *Index) Version(path string) (string, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	v, ok := ix.versions[path]
	return v, ok
}

// paths lists what is indexed.
func (ix *Index) paths() []string {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	out := make([]string, 0, len(ix.versions))
	for p := range ix.versions {
		out = append(out, p)
	}
	return out
}

type entry struct {
	doc     Document
	version string
}

// apply writes documents and deletions in one batch.
func (ix *Index) apply(ctx context.Context, puts []entry, deletes []string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("update search index: %w", err)
	}
	b := ix.bi.NewBatch()
	for _, e := range puts {
		if e.doc.Path == "" {
			return errors.New("update search index: document without a path")
		}
		if err := b.Index(e.doc.Path, fields(e.doc, e.version)); err != nil {
			return fmt.Errorf("index %s: %w", e.doc.Path, err)
		}
	}
	for _, p := range deletes {
		b.Delete(p)
	}
	if b.Size() == 0 {
		return nil
	}
	ix.dirty.Store(true)
	if err := ix.bi.Batch(b); err != nil {
		return fmt.Errorf("update search index %s: %w", ix.dir, err)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, e := range puts {
		ix.versions[e.doc.Path] = e.version
		if _, ok := ix.unindexed[e.doc.Path]; ok {
			delete(ix.unindexed, e.doc.Path)
			ix.unindexedDirty = true
		}
	}
	for _, p := range deletes {
		delete(ix.versions, p)
	}
	return nil
}

// skipVersion records the version of a page left out of the index, so an
// unchanged one is not read again; "" forgets it.
func (ix *Index) skipVersion(path, version string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if version == "" {
		if _, ok := ix.unindexed[path]; ok {
			delete(ix.unindexed, path)
			ix.unindexedDirty = true
		}
		return
	}
	if ix.unindexed[path] != version {
		ix.unindexed[path] = version
		ix.unindexedDirty = true
	}
}

// listedCount is the number of documents the last walk listed: indexed
// or left out.
func (ix *Index) listedCount() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return len(ix.versions) + len(ix.unindexed)
}

// forgetUnindexed drops the left-out pages a complete walk no longer lists.
func (ix *Index) forgetUnindexed(listed map[string]bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for p := range ix.unindexed {
		if !listed[p] {
			delete(ix.unindexed, p)
			ix.unindexedDirty = true
		}
	}
}

// unchanged reports whether the document at path is indexed (or left out)
// at version.
func (ix *Index) unchanged(path, version string) bool {
	if version == "" {
		return false
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if v, ok := ix.versions[path]; ok {
		return v == version
	}
	return ix.unindexed[path] == version
}

// Status describes the index and its last indexing run.
func (ix *Index) Status() Status {
	n, _ := ix.bi.DocCount()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return Status{
		Documents: int(n),
		SizeBytes: dirSize(filepath.Join(ix.dir, indexDir)),
		LastRun:   ix.run.lastRun,
		LastTook:  ix.run.lastTook,
		Running:   ix.run.running,
		Progress:  ix.run.progress,
		Errors:    append([]DocumentError(nil), ix.run.errors...),
	}
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // files come and go while the index merges
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

package search

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/search/extract"
)

// Bounds on what one document may cost to read.
const (
	maxHTMLBytes = 5 << 20
	maxPDFBytes  = 50 << 20
	// maxErrors bounds the failed documents kept for the console.
	maxErrors = 100
	// batchDocs and batchBytes bound a write batch.
	batchDocs  = 64
	batchBytes = 8 << 20
)

// IndexerOptions configure an Indexer.
type IndexerOptions struct {
	Index  *Index
	Source Source
	// MaxPages bounds the documents indexed; 0 means no bound.
	MaxPages int
	// Exclude are path patterns never indexed; * matches any characters.
	Exclude []string
	Logger  *slog.Logger
}

// Indexer brings an Index up to date with a Source.
type Indexer struct {
	opt IndexerOptions
	log *slog.Logger
}

// NewIndexer returns an Indexer; nothing runs until Run.
func NewIndexer(opt IndexerOptions) *Indexer {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Indexer{opt: opt, log: log}
}

// errEnough stops a walk at MaxPages; the walk still counts as complete.
var errEnough = errors.New("enough documents")

// Run makes one incremental pass: documents whose version changed are read
// and indexed, unchanged ones skipped, and after a complete walk the
// documents the source no longer lists are removed. progress, when not
// nil, is called as documents are seen. Only one run at a time may use an
// index; another caller gets an error.
func (in *Indexer) Run(ctx context.Context, progress func(Progress)) error {
	ix := in.opt.Index
	started := time.Now()
	if err := ix.beginRun(started); err != nil {
		return err
	}
	r := &indexRun{ctx: ctx, in: in, ix: ix, listed: map[string]bool{}, progress: progress}
	r.p.Started = started
	// The last run's documents are the best guess of this one's; a first
	// run does not know.
	r.expected = ix.listedCount()
	r.p.Total = r.expected
	walkErr := in.opt.Source.Walk(ctx, r.item)
	if errors.Is(walkErr, errEnough) {
		walkErr = nil
	}
	err := r.flush()
	if walkErr == nil && err == nil && ctx.Err() == nil {
		ix.forgetUnindexed(r.listed)
		var gone []string
		for _, p := range ix.paths() {
			if !r.listed[p] {
				gone = append(gone, p)
			}
		}
		for len(gone) > 0 && err == nil {
			n := min(len(gone), 500)
			err = ix.apply(ctx, nil, gone[:n])
			gone = gone[n:]
		}
	}
	if serr := ix.sync(context.WithoutCancel(ctx)); err == nil {
		err = serr
	}
	if serr := ix.saveUnindexed(); serr != nil {
		// Costs only reading those pages again on the next start.
		in.log.Warn("search: pages left out not saved", "err", serr)
	}
	r.p.Total = r.p.Seen
	ix.endRun(started, r.p, r.errs)
	r.report()
	switch {
	case walkErr != nil:
		return fmt.Errorf("index site: %w", walkErr)
	case err != nil:
		return fmt.Errorf("index site: %w", err)
	case ctx.Err() != nil:
		return fmt.Errorf("index site: %w", ctx.Err())
	}
	in.log.Info("search index updated", "seen", r.p.Seen, "indexed", r.p.Indexed,
		"skipped", r.p.Skipped, "failed", r.p.Failed, "took", time.Since(started).Round(time.Millisecond))
	return nil
}

func (ix *Index) beginRun(started time.Time) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.run.running {
		return fmt.Errorf("index site: the run started at %s is still running",
			ix.run.progress.Started.Format(time.RFC3339))
	}
	ix.run.running = true
	ix.run.progress = Progress{Started: started}
	return nil
}

func (ix *Index) endRun(started time.Time, p Progress, errs []DocumentError) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.run.running = false
	ix.run.lastRun = started
	ix.run.lastTook = time.Since(started)
	ix.run.progress = p
	ix.run.errors = errs
}

func (ix *Index) setProgress(p Progress) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.run.progress = p
}

// indexRun is the state of one Run. It holds the run's context because
// Source.Walk's callback takes none.
type indexRun struct {
	ctx      context.Context
	in       *Indexer
	ix       *Index
	p        Progress
	listed   map[string]bool
	errs     []DocumentError
	puts     []entry
	deletes  []string
	size     int
	expected int
	progress func(Progress)
}

func (r *indexRun) item(it Item) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if it.Path == "" || excluded(it.Path, r.in.opt.Exclude) || r.listed[it.Path] {
		return nil
	}
	if r.in.opt.MaxPages > 0 && len(r.listed) >= r.in.opt.MaxPages {
		return errEnough
	}
	r.listed[it.Path] = true
	r.p.Seen++
	if r.expected > 0 && r.p.Seen > r.p.Total {
		r.p.Total = r.p.Seen
	}
	defer r.report()
	if r.ix.unchanged(it.Path, it.Version) {
		r.p.Skipped++
		return nil
	}
	doc, noindex, err := r.in.read(r.ctx, it)
	if err != nil {
		if r.ctx.Err() != nil {
			return r.ctx.Err()
		}
		r.p.Failed++
		if len(r.errs) < maxErrors {
			r.errs = append(r.errs, DocumentError{Path: it.Path, Err: err.Error()})
		}
		r.in.log.Warn("search: document not indexed", "path", it.Path, "err", err)
		return nil
	}
	if noindex {
		if _, ok := r.ix.Version(it.Path); ok {
			r.deletes = append(r.deletes, it.Path)
		}
		r.ix.skipVersion(it.Path, it.Version)
		return nil
	}
	r.puts = append(r.puts, entry{doc: doc, version: it.Version})
	r.size += len(doc.Body)
	r.p.Indexed++
	if len(r.puts)+len(r.deletes) >= batchDocs || r.size >= batchBytes {
		return r.flush()
	}
	return nil
}

func (r *indexRun) flush() error {
	if len(r.puts) == 0 && len(r.deletes) == 0 {
		return nil
	}
	err := r.ix.apply(r.ctx, r.puts, r.deletes)
	r.puts, r.deletes, r.size = r.puts[:0], r.deletes[:0], 0
	return err
}

func (r *indexRun) report() {
	r.ix.setProgress(r.p)
	if r.progress != nil {
		r.progress(r.p)
	}
}

// read fetches and extracts one document. noindex reports a page that
// asks not to be indexed.
func (in *Indexer) read(ctx context.Context, it Item) (doc Document, noindex bool, err error) {
	defer func() {
		// A hostile document must cost its own entry, not the run.
		if r := recover(); r != nil {
			err = fmt.Errorf("read %s: %v", it.Path, r)
		}
	}()
	rc, err := it.Open(ctx)
	if err != nil {
		return Document{}, false, fmt.Errorf("open %s: %w", it.Path, err)
	}
	defer func() { _ = rc.Close() }()
	var page extract.Page
	typ := "html"
	if isPDF(it) {
		typ = "pdf"
		data, err := io.ReadAll(io.LimitReader(rc, maxPDFBytes+1))
		if err != nil {
			return Document{}, false, fmt.Errorf("read %s: %w", it.Path, err)
		}
		if len(data) > maxPDFBytes {
			return Document{}, false, fmt.Errorf("read %s: larger than %d MiB", it.Path, maxPDFBytes>>20)
		}
		page, err = extract.PDF(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return Document{}, false, fmt.Errorf("extract %s: %w", it.Path, err)
		}
	} else {
		page, err = extract.HTML(io.LimitReader(rc, maxHTMLBytes), it.ContentType)
		if err != nil {
			return Document{}, false, fmt.Errorf("extract %s: %w", it.Path, err)
		}
	}
	if page.NoIndex {
		return Document{}, true, nil
	}
	doc = Document{
		Path:     it.Path,
		Title:    page.Title,
		Headings: page.Headings,
		Body:     page.Body,
		Lang:     page.Lang,
		Section:  sectionOf(it.Path),
		Date:     page.Date,
		Type:     typ,
	}
	if doc.Lang == "" {
		doc.Lang = langOf(it.Path)
	}
	if doc.Date.IsZero() {
		doc.Date = it.ModTime
	}
	if doc.Title == "" && typ == "pdf" {
		doc.Title = path.Base(it.Path)
	}
	return doc, false, nil
}

func isPDF(it Item) bool {
	ct := strings.ToLower(it.ContentType)
	if strings.HasPrefix(ct, "application/pdf") {
		return true
	}
	// Servers that do not know PDFs call them octet streams.
	untyped := ct == "" || strings.HasPrefix(ct, "application/octet-stream")
	return untyped && strings.HasSuffix(strings.ToLower(it.Path), ".pdf")
}

// langOf reads the language from a path's first segment, /ja/ or /en/.
func langOf(p string) string {
	for _, l := range []string{"ja", "en"} {
		if p == "/"+l || strings.HasPrefix(p, "/"+l+"/") {
			return l
		}
	}
	return ""
}

// sectionOf is the first folder of a path after the language prefix:
// "news" for /ja/news/grant/ and /en/news/, "" for /ja/ and /ja/about.html.
func sectionOf(p string) string {
	rest := strings.TrimPrefix(p, "/")
	if l := langOf(p); l != "" {
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, l), "/")
	}
	seg, _, folder := strings.Cut(rest, "/")
	if !folder {
		return ""
	}
	return seg
}

// excluded reports whether p matches one of patterns, where * matches any
// run of characters (slashes included) and everything else itself.
func excluded(p string, patterns []string) bool {
	for _, pat := range patterns {
		if globMatch(pat, p) {
			return true
		}
	}
	return false
}

func globMatch(pat, s string) bool {
	parts := strings.Split(pat, "*")
	if len(parts) == 1 {
		return pat == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

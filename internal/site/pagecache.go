package site

import (
	"bytes"
	"container/list"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
)

// pageCache keeps rewritten HTML pages, so that a page asked for again with
// the same injection is sent from memory instead of being read, rewritten
// and compressed once more. A page is rewritten once with the cache's
// marker in place of the response's CSP nonce; the cached page is the
// result split at the marker, and every response puts its own nonce back
// in, in plain form or in gzip without compressing again (see gzipSplice).
// Memory is bounded: the least recently used pages go first.
//
// A page is cached under a pageKey whose fields say everything the rewrite
// depended on. A new version of a file replaces the pages of its path made
// from the old one; pages of a previous injection (a manifest since
// reloaded, say) are never asked for again and age out, or purge drops
// them at once.
type pageCache struct {
	limit    int64
	maxPage  int64
	marker   string
	nonceLen int

	mu     sync.Mutex
	pages  map[pageKey]*list.Element // of *pageEntry
	paths  map[string][]pageKey      // the keys cached for each URL path
	lru    list.List                 // of *pageEntry, most recently used first
	used   int64
	hits   atomic.Int64
	misses atomic.Int64
}

// pageKey identifies one rewritten form of a page.
type pageKey struct {
	// Path is the URL path the page was asked for at: relative links, the
	// page language and the notes on linked files follow from it.
	Path string
	// File identifies the version of the source: for a static file, its
	// ETag as served, which covers its content and the sizes of the PDFs
	// it links to.
	File string
	// Injection is the injection's fingerprint for the request (see
	// Injection.Fingerprint): Noren's version, the manifest's hash, the
	// visitor's consent choices.
	Injection string
	// Lang is the page language the rewrite settled on.
	Lang string
}

// pageEntry is a cached page in the LRU list.
type pageEntry struct {
	key  pageKey
	page *cachedPage
}

// cachedPage is a rewritten page ready to be sent with any nonce. It is
// immutable and safe for concurrent use.
type cachedPage struct {
	segments [][]byte // the page split where the nonce goes
	size     int      // bytes of segments
	gzip     *gzipSplice
	csp      map[string][]string
}

// pageOverhead is what a cached page costs besides its bytes, so that the
// bound on memory also bounds the number of pages.
const pageOverhead = 512

// newPageCache returns a cache of at most limit bytes for pages sent with
// nonces of nonceLen bytes. Pages larger than a quarter of the limit are
// not kept.
func newPageCache(limit int64, nonceLen int) *pageCache {
	return &pageCache{
		limit:    limit,
		maxPage:  limit / 4,
		marker:   newNonceMarker(),
		nonceLen: nonceLen,
		pages:    make(map[pageKey]*list.Element),
		paths:    make(map[string][]pageKey),
	}
}

// markerAlphabet is what markers are made of: characters that no escaping
// of HTML, JavaScript, JSON or URLs changes, so the marker comes out of a
// rewrite the way it went in.
const markerAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newNonceMarker returns 32 random characters of markerAlphabet (about 190
// bits): a page cannot contain them unless the rewrite put them there.
func newNonceMarker() string {
	b := make([]byte, 32)
	rand.Read(b)
	for i := range b {
		// 256 is not a multiple of 62: the first eight characters come
		// up slightly more often, which costs a fraction of a bit.
		b[i] = markerAlphabet[int(b[i])%len(markerAlphabet)]
	}
	return string(b)
}

// get returns the page cached under k, or nil.
func (c *pageCache) get(k pageKey) *cachedPage {
	c.mu.Lock()
	el, ok := c.pages[k]
	if ok {
		c.lru.MoveToFront(el)
	}
	c.mu.Unlock()
	if !ok {
		c.misses.Add(1)
		return nil
	}
	c.hits.Add(1)
	return el.Value.(*pageEntry).page
}

// add makes a cachedPage of page, a rewrite that used c.marker as its
// nonce, with the extra Content-Security-Policy sources it needs
// (directive to sources), and keeps it under k unless it is too large. It
// drops the pages cached for k.Path from other versions of the file. The
// page is returned either way, to be sent.
func (c *pageCache) add(k pageKey, page []byte, csp map[string][]string) (*cachedPage, error) {
	p, err := newCachedPage(page, c.marker, c.nonceLen, csp)
	if err != nil {
		return nil, err
	}
	cost := entryCost(k, p)
	if cost > c.maxPage {
		return p, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// remove edits c.paths[k.Path], so the loop reads a copy.
	for _, old := range slices.Clone(c.paths[k.Path]) {
		if old == k || old.File != k.File {
			c.remove(c.pages[old])
		}
	}
	c.pages[k] = c.lru.PushFront(&pageEntry{key: k, page: p})
	c.paths[k.Path] = append(c.paths[k.Path], k)
	c.used += cost
	for c.used > c.limit {
		c.remove(c.lru.Back())
	}
	return p, nil
}

// purge drops every cached page, for when what the keys cannot tell has
// changed.
func (c *pageCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pages = make(map[pageKey]*list.Element)
	c.paths = make(map[string][]pageKey)
	c.lru.Init()
	c.used = 0
}

// remove drops a cached page; the caller holds c.mu.
func (c *pageCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*pageEntry)
	delete(c.pages, e.key)
	keys := slices.DeleteFunc(c.paths[e.key.Path], func(k pageKey) bool { return k == e.key })
	if len(keys) == 0 {
		delete(c.paths, e.key.Path)
	} else {
		c.paths[e.key.Path] = keys
	}
	c.used -= entryCost(e.key, e.page)
}

// entryCost is the memory a page cached under k holds.
func entryCost(k pageKey, p *cachedPage) int64 {
	return p.cost() + int64(len(k.Path)+len(k.File)+len(k.Injection)+len(k.Lang))
}

// pageCacheStats are a pageCache's counters.
type pageCacheStats struct {
	Hits, Misses int64
	Pages        int
	Bytes        int64
}

// stats returns the cache's counters.
func (c *pageCache) stats() pageCacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return pageCacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Pages: len(c.pages), Bytes: c.used}
}

// newCachedPage splits page at every occurrence of marker and compresses
// the segments for nonces of nonceLen bytes.
func newCachedPage(page []byte, marker string, nonceLen int, csp map[string][]string) (*cachedPage, error) {
	if marker == "" {
		return nil, fmt.Errorf("site: cache page: empty nonce marker")
	}
	segments := bytes.Split(bytes.Clone(page), []byte(marker))
	p := &cachedPage{segments: segments, size: len(page) - (len(segments)-1)*len(marker)}
	for d, sources := range csp {
		if p.csp == nil {
			p.csp = make(map[string][]string, len(csp))
		}
		p.csp[d] = slices.Clone(sources)
	}
	var err error
	if p.gzip, err = newGzipSplice(segments, nonceLen, cachedGzipLevel); err != nil {
		return nil, err
	}
	return p, nil
}

// cost is the memory a cached page holds.
func (p *cachedPage) cost() int64 {
	n := int64(p.size+p.gzip.size) + pageOverhead + int64(len(p.segments))*48
	for d, sources := range p.csp {
		n += int64(len(d))
		for _, s := range sources {
			n += int64(len(s)) + 16
		}
	}
	return n
}

// cspSources returns the sources the page adds to its response's
// Content-Security-Policy, by directive. The caller must not change them.
func (p *cachedPage) cspSources() map[string][]string {
	return p.csp
}

// len is the length of the page with nonce in place.
func (p *cachedPage) len(nonce string) int64 {
	return int64(p.size + (len(p.segments)-1)*len(nonce))
}

// write sends the page with nonce in place.
func (p *cachedPage) write(w io.Writer, nonce string) (int64, error) {
	var n int64
	for i, seg := range p.segments {
		if i > 0 {
			m, err := io.WriteString(w, nonce)
			n += int64(m)
			if err != nil {
				return n, err
			}
		}
		m, err := w.Write(seg)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// gzipLen is the length of the page gzip-compressed by writeGzip, or -1
// when nonce's length is not the one the page was compressed for.
func (p *cachedPage) gzipLen(nonce string) int64 {
	if len(nonce) != p.gzip.nonceLen && len(p.segments) > 1 {
		return -1
	}
	return p.gzip.len()
}

// writeGzip sends the page with nonce in place as a gzip member, from the
// segments compressed once. It fails, before writing anything, when
// nonce's length is not the one the page was compressed for.
func (p *cachedPage) writeGzip(w io.Writer, nonce string) (int64, error) {
	return p.gzip.write(w, p.segments, nonce)
}

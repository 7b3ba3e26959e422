package site

import (
	"bytes"
	"container/list"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
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
// reloaded, say) are never asked for again and age out.
type pageCache struct {
	limit   int64
	maxPage int64
	marker  string

	mu       sync.Mutex
	pages    map[pageKey]*list.Element // of *pageEntry
	paths    map[string][]pageKey      // the keys cached for each URL path
	lru      list.List                 // of *pageEntry, most recently used first
	used     int64
	inflight map[pageKey]*pageCall // rewrites under way
	hosts    map[string]bool       // the Host headers pages are cached for
}

// maxCachedHosts bounds the Host headers pages are cached for. A page is
// cached per host, since share links name it; a site answers to a few
// names, and requests naming others stream as if there were no cache, so
// a flood of made-up Host headers cannot push the real pages out.
const maxCachedHosts = 16

// admitHost reports whether pages asked for at host may be cached: the
// first maxCachedHosts hosts seen are, others are not.
func (c *pageCache) admitHost(host string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hosts[host] {
		return true
	}
	if len(c.hosts) >= maxCachedHosts {
		return false
	}
	c.hosts[host] = true
	return true
}

// pageKey identifies one rewritten form of a page.
type pageKey struct {
	// Path is the URL path the page was asked for at: relative links, the
	// page language and the notes on linked files follow from it.
	Path string
	// Host and TLS give the page's address, which share links name.
	Host string
	TLS  bool
	// File identifies the version of the source: for a static file, its
	// ETag as served, which covers its content and the sizes of the PDFs
	// it links to.
	File string
	// Injection is the injection's fingerprint for the request (see
	// Injection.Fingerprint): Noren's version, the manifest's hash, the
	// visitor's consent choices.
	Injection string
	// Folders and Root are the site's language layout, which the links of
	// the footer follow: bit i of Folders is set when the i-th language
	// has a folder of its own, Root is the language of the root page.
	Folders uint64
	Root    string
}

// pageEntry is a cached page in the LRU list.
type pageEntry struct {
	key  pageKey
	page *cachedPage
}

// pageCall is a rewrite under way, which the requests for the same page
// that arrive meanwhile wait for instead of rewriting it too.
type pageCall struct {
	done chan struct{} // closed once page and err are set
	page *cachedPage
	err  error
}

// errRewriteAbandoned is what the requests waiting for a rewrite get when
// the rewrite panicked.
var errRewriteAbandoned = errors.New("site: page rewrite abandoned")

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

// newPageCache returns a cache of at most limit bytes. Pages larger than a
// quarter of the limit are not kept.
func newPageCache(limit int64) *pageCache {
	return &pageCache{
		limit:    limit,
		maxPage:  limit / 4,
		marker:   newNonceMarker(),
		pages:    make(map[pageKey]*list.Element),
		paths:    make(map[string][]pageKey),
		inflight: make(map[pageKey]*pageCall),
		hosts:    make(map[string]bool),
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

// page returns the page cached under k, or makes it: rewrite returns the
// page rewritten with c.marker as its nonce and the extra
// Content-Security-Policy sources it needs, and the result is compressed
// for nonces of nonceLen bytes and cached. Requests for a page that is
// being made wait for it rather than make it again.
func (c *pageCache) page(k pageKey, nonceLen int, rewrite func() ([]byte, map[string][]string, error)) (*cachedPage, error) {
	c.mu.Lock()
	if el, ok := c.pages[k]; ok {
		c.lru.MoveToFront(el)
		c.mu.Unlock()
		return el.Value.(*pageEntry).page, nil
	}
	if call, ok := c.inflight[k]; ok {
		c.mu.Unlock()
		<-call.done
		return call.page, call.err
	}
	call := &pageCall{done: make(chan struct{}), err: errRewriteAbandoned}
	c.inflight[k] = call
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.inflight, k)
		c.mu.Unlock()
		close(call.done)
	}()
	page, csp, err := rewrite()
	if err != nil {
		call.err = err
		return nil, err
	}
	call.page, call.err = c.add(k, page, csp, nonceLen)
	return call.page, call.err
}

// add makes a cachedPage of page, a rewrite that used c.marker as its
// nonce, with the extra Content-Security-Policy sources it needs
// (directive to sources), compressed for nonces of nonceLen bytes, and
// keeps it under k unless it is too large. It drops the pages cached for
// k.Path from other versions of the file. The page is returned either
// way, to be sent.
func (c *pageCache) add(k pageKey, page []byte, csp map[string][]string, nonceLen int) (*cachedPage, error) {
	p, err := newCachedPage(page, c.marker, nonceLen, csp)
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
	return p.cost() + int64(len(k.Path)+len(k.Host)+len(k.File)+len(k.Injection)+len(k.Root))
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

package site

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Compression levels for static files, compressed once and then served from
// memory many times: slower than streaming levels, but smaller.
const (
	cachedBrotliLevel = 9
	cachedGzipLevel   = gzip.BestCompression
)

// variantOverhead is what a cached variant costs besides its bytes, so that
// the bound on memory also bounds the number of variants.
const variantOverhead = 128

// fileCache remembers, per static file, the hash of its content and the
// links an HTML file has to local PDFs, and keeps compressed copies of small
// files within a memory bound, dropping the least recently used first. An
// entry is recomputed when the file's size or modification time changes.
type fileCache struct {
	limit int64

	mu    sync.Mutex
	files map[string]*fileEntry
	lru   list.List // of *cachedVariant, most recently used first
	used  int64
}

// fileEntry is what the cache knows about one version of a file. Its fields
// are fixed once made, except variants, which the cache's mutex guards.
type fileEntry struct {
	name     string
	size     int64
	mod      time.Time
	info     fs.FileInfo // the file's state when read, for its identity
	hash     string      // of the content, for ETags
	pdfLinks []string    // URL paths of local PDFs an HTML file links to
	charset  string      // name of an HTML file's charset, for Content-Type
	variants map[string]*list.Element
}

// cachedVariant is a compressed copy of a file.
type cachedVariant struct {
	entry  *fileEntry
	coding string
	data   []byte // nil when compressing did not make the file smaller
}

func newFileCache(limit int64) *fileCache {
	return &fileCache{limit: limit, files: make(map[string]*fileEntry)}
}

// entry returns the cache entry for a file, reading the file when it is new
// or has changed since. scanLinks asks for the PDF links of an HTML file.
func (c *fileCache) entry(fsys fs.FS, name string, info fs.FileInfo, scanLinks bool) (*fileEntry, error) {
	c.mu.Lock()
	e := c.files[name]
	c.mu.Unlock()
	if e != nil && e.size == info.Size() && e.mod.Equal(info.ModTime()) && sameFile(e.info, info) {
		return e, nil
	}
	e, err := readEntry(fsys, name, info, scanLinks)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if old := c.files[name]; old != nil {
		for _, el := range old.variants {
			c.remove(el)
		}
	}
	c.files[name] = e
	c.mu.Unlock()
	return e, nil
}

// sameFile reports whether two states of a name are the same file on disk.
// A release deployed beside the last one and swapped in by a symbolic link
// can hold files of the same size written within one tick of the file
// system's clock, which size and time alone do not tell apart. Files
// without an identity, such as embedded ones, count as the same.
func sameFile(a, b fs.FileInfo) bool {
	if a == nil || b == nil || a.Sys() == nil || b.Sys() == nil {
		return true
	}
	return os.SameFile(a, b)
}

func readEntry(fsys fs.FS, name string, info fs.FileInfo, scanLinks bool) (*fileEntry, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("site: open %s: %w", name, err)
	}
	defer f.Close()
	h := sha256.New()
	e := &fileEntry{name: name, size: info.Size(), mod: info.ModTime(), info: info, variants: make(map[string]*list.Element)}
	var src io.Reader = io.TeeReader(f, h)
	var head []byte
	if scanLinks {
		head, src = readHead(src, sniffLen)
		e.pdfLinks = pdfLinks(src, dirPath(name))
	}
	if _, err := io.Copy(io.Discard, src); err != nil {
		return nil, fmt.Errorf("site: read %s: %w", name, err)
	}
	if scanLinks {
		e.charset = detectCharset("", head).name
	}
	e.hash = base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
	return e, nil
}

// dirPath is the URL path of the directory holding a file of the site.
func dirPath(name string) string {
	if dir := path.Dir(name); dir != "." {
		return "/" + dir + "/"
	}
	return "/"
}

// pdfLinks lists the local PDFs the <a href> links of an HTML document
// point to, resolved against the page's directory. Reading stops at the
// first error; whatever was found by then is the answer.
func pdfLinks(r io.Reader, pageDir string) []string {
	var links []string
	z := html.NewTokenizer(r)
	for {
		switch z.Next() {
		case html.ErrorToken:
			return links
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			if atom.Lookup(name) != atom.A {
				continue
			}
			for more {
				var key, val []byte
				key, val, more = z.TagAttr()
				if string(key) != "href" {
					continue
				}
				if p, ok := localPDF(string(val), pageDir); ok && !slices.Contains(links, p) {
					links = append(links, p)
				}
				break
			}
		}
	}
}

// variant returns a file compressed with coding, from the cache or made by
// compress, and nil when compressing does not make it smaller.
func (c *fileCache) variant(e *fileEntry, coding string, compress func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if el, ok := e.variants[coding]; ok {
		c.lru.MoveToFront(el)
		data := el.Value.(*cachedVariant).data
		c.mu.Unlock()
		return data, nil
	}
	c.mu.Unlock()

	data, err := compress()
	if err != nil {
		return nil, err
	}
	if int64(len(data)) >= e.size {
		data = nil
	}
	cost := int64(len(data)) + variantOverhead
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.files[e.name] != e || cost > c.limit {
		return data, nil
	}
	if _, ok := e.variants[coding]; ok {
		return data, nil
	}
	e.variants[coding] = c.lru.PushFront(&cachedVariant{entry: e, coding: coding, data: data})
	c.used += cost
	for c.used > c.limit {
		c.remove(c.lru.Back())
	}
	return data, nil
}

// remove drops a variant; the caller holds c.mu.
func (c *fileCache) remove(el *list.Element) {
	v := c.lru.Remove(el).(*cachedVariant)
	delete(v.entry.variants, v.coding)
	c.used -= int64(len(v.data)) + variantOverhead
}

// compressFile reads a file and compresses it with coding at the cached
// levels.
func compressFile(fsys fs.FS, name, coding string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("site: open %s: %w", name, err)
	}
	defer f.Close()
	var buf bytes.Buffer
	var enc io.WriteCloser
	if coding == encodingBrotli {
		enc = brotli.NewWriterLevel(&buf, cachedBrotliLevel)
	} else if enc, err = gzip.NewWriterLevel(&buf, cachedGzipLevel); err != nil {
		return nil, fmt.Errorf("site: gzip %s: %w", name, err)
	}
	if _, err := io.Copy(enc, f); err != nil {
		return nil, fmt.Errorf("site: compress %s: %w", name, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("site: compress %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

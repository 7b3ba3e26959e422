package crawl

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits of the sitemaps protocol (sitemaps.org): a file holds at most
// 50,000 URLs and 50 MB uncompressed, gzipped or not.
const (
	maxSitemapSize = 50 << 20
	maxSitemapURLs = 50_000
)

// Bounds on the shape of a sitemap, far beyond any real one's, so that a
// file built to exhaust memory fails early: encoding/xml keeps a record
// per open element and holds a whole token (a tag with all its
// attributes, a run of text) in memory.
const (
	maxSitemapDepth = 16
	maxSitemapToken = 64 << 10
)

// errSitemapShape is wrapped by the error of a sitemap past those bounds.
var errSitemapShape = errors.New("sitemap shape out of bounds")

// tokenBound fails a read once more than limit bytes pass without a '>',
// the end of every tag, which bounds the size of any one token.
type tokenBound struct {
	r     io.Reader
	run   int // bytes since the last '>'
	limit int
}

func (t *tokenBound) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for b := p[:n]; len(b) > 0 && t.run <= t.limit; {
		i := bytes.IndexByte(b, '>')
		if i < 0 {
			t.run += len(b)
			break
		}
		if t.run+i > t.limit {
			t.run += i
			break
		}
		t.run = 0
		b = b[i+1:]
	}
	if t.run > t.limit {
		return n, fmt.Errorf("%w: more than %d bytes without a '>'", errSitemapShape, t.limit)
	}
	return n, err
}

// sitemap is what one sitemap file lists: pages (<urlset>) or further
// sitemaps (<sitemapindex>).
type sitemap struct {
	pages    []string
	sitemaps []string
}

// parseSitemap reads a sitemap or sitemap index, gzipped or not, and
// returns the <loc> of its entries as written. A file broken half-way
// gives the entries before the break and the error.
func parseSitemap(r io.Reader) (sitemap, error) {
	var out sitemap
	br := bufio.NewReader(io.LimitReader(r, maxSitemapSize))
	var src io.Reader = br
	// A .xml.gz file arrives as the gzip bytes themselves, not with a
	// Content-Encoding the transport would undo, so look at the magic.
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return out, fmt.Errorf("sitemap gzip: %w", err)
		}
		defer zr.Close()
		src = io.LimitReader(zr, maxSitemapSize)
	}
	dec := xml.NewDecoder(&tokenBound{r: src, limit: maxSitemapToken})
	dec.Strict = false
	dec.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		// The protocol requires UTF-8; a declaration naming it otherwise
		// in another spelling must not stop the read.
		switch strings.ToLower(charset) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return input, nil
		}
		return nil, fmt.Errorf("sitemap charset %q is not UTF-8", charset)
	}
	var stack []string
	var loc strings.Builder
	tooLong := false
	for len(out.pages)+len(out.sitemaps) < maxSitemapURLs {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("sitemap xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxSitemapDepth {
				return out, fmt.Errorf("sitemap xml: %w: elements nested more than %d deep", errSitemapShape, maxSitemapDepth)
			}
			stack = append(stack, t.Name.Local)
			loc.Reset()
			tooLong = false
		case xml.EndElement:
			if n := len(stack); n >= 2 && stack[n-1] == "loc" {
				v := strings.TrimSpace(loc.String())
				switch {
				case v == "", tooLong:
				case stack[n-2] == "url":
					out.pages = append(out.pages, v)
				case stack[n-2] == "sitemap":
					out.sitemaps = append(out.sitemaps, v)
				}
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			loc.Reset()
			tooLong = false
		case xml.CharData:
			// A <loc> may arrive in pieces (entities, CDATA); bound it
			// since no URL worth fetching is longer.
			if len(stack) == 0 || stack[len(stack)-1] != "loc" {
				continue
			}
			if loc.Len()+len(t) > maxURLLength {
				tooLong = true
				continue
			}
			loc.Write(t)
		}
	}
	return out, nil
}

// maxURLLength is the longest URL the crawler follows; longer ones are
// almost always generated traps.
const maxURLLength = 2048

package site

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/noren-web/noren/internal/csp"
)

// rewriteSlack is room for what a rewrite adds to a page, so that the
// buffer it writes into seldom grows.
const rewriteSlack = 8 << 10

// serveCached answers a GET for the HTML page of fileEntry e, whose ETag
// as served is etag, from the page cache, rewriting it first on a miss. It
// reports false, having written nothing, when the page is left to stream
// through the Injector: a page larger than the cache takes, or a response
// without a Content-Security-Policy carrying a nonce, whose page would be
// rewritten differently (see holdHeaders), or a request naming a host
// beyond those the cache takes (see maxCachedHosts).
//
// The page is the same as the Injector's streaming rewrite with the
// response's nonce, byte for byte, and so are its headers; it is sent
// with Content-Length, in gzip when the client accepts it, brotli
// preferred or not (the spliced gzip costs a CRC-32, brotli would cost a
// compression per response).
func (s *fileServer) serveCached(w http.ResponseWriter, r *http.Request, e *fileEntry, etag string) bool {
	// The Injector wrapped around s hands it its writer, which knows the
	// response's injection.
	iw, ok := w.(*injectWriter)
	if !ok || s.rewritten == nil || e.size > s.maxCached {
		return false
	}
	nonce := s.in.nonce(r)
	if nonce == "" || !hasPolicy(w.Header(), nonce) || !s.rewritten.admitHost(r.Host) {
		return false
	}
	folders, root := s.layoutKey(r.Context())
	k := pageKey{
		Path:      r.URL.Path,
		Host:      r.Host,
		TLS:       r.TLS != nil,
		File:      etag,
		Injection: iw.fingerprint(),
		Folders:   folders,
		Root:      root,
	}
	p, err := s.rewritten.page(k, len(nonce), func() ([]byte, map[string][]string, error) {
		return s.rewrite(r, e)
	})
	if err != nil {
		s.serverError(w, err)
		return true
	}
	s.sendPage(iw, p, nonce)
	return true
}

// layoutKey condenses the site's language layout for a pageKey.
func (s *fileServer) layoutKey(ctx context.Context) (folders uint64, root string) {
	l := s.homes.layout(ctx)
	for i, lang := range s.langs[:min(len(s.langs), 64)] {
		if l.hasFolder(lang) {
			folders |= 1 << i
		}
	}
	return folders, l.root
}

// rewrite reads the page of e and rewrites it for the request r with the
// page cache's marker as its nonce. It returns the page and the sources
// its Content-Security-Policy needs for the inline code in its attributes.
func (s *fileServer) rewrite(r *http.Request, e *fileEntry) ([]byte, map[string][]string, error) {
	f, err := s.fsys.Open(e.name)
	if err != nil {
		return nil, nil, fmt.Errorf("site: open %s: %w", e.name, err)
	}
	defer f.Close()
	cfg := s.in.rewriteConfig(r, s.fileSize, s.rewritten.marker)
	cfg.hashes = &csp.Hashes{}
	var buf bytes.Buffer
	buf.Grow(int(e.size) + rewriteSlack)
	if err := decodeAndRewrite(bufio.NewWriter(&buf), f, "", htmlContentType(e.charset), cfg, s.logger); err != nil {
		return nil, nil, fmt.Errorf("site: rewrite %s: %w", e.name, err)
	}
	if n := cfg.hashes.Left(); n > 0 {
		s.logger.Debug("site: inline attributes of a page left out of its Content-Security-Policy",
			"path", cfg.pagePath, "count", n, "max_hashes", csp.MaxHashSources)
	}
	return buf.Bytes(), cfg.hashes.Sources(), nil
}

// sendPage sends a cached page with the response's nonce in place, with
// the headers the Injector gives an injected page and the page's sources
// added to the policy that carries the nonce.
func (s *fileServer) sendPage(iw *injectWriter, p *cachedPage, nonce string) {
	iw.wroteHeader = true
	h := iw.rw.Header()
	iw.injectedHeaders(h, http.StatusOK)
	csp.AddSources(h, nonce, p.cspSources())
	var err error
	if n := p.gzipLen(nonce); n >= 0 && acceptsGzip(iw.req) {
		h.Set("Content-Encoding", encodingGzip)
		h.Set("Content-Length", strconv.FormatInt(n, 10))
		iw.rw.WriteHeader(http.StatusOK)
		_, err = p.writeGzip(iw.rw, nonce)
	} else {
		h.Set("Content-Length", strconv.FormatInt(p.len(nonce), 10))
		iw.rw.WriteHeader(http.StatusOK)
		_, err = p.write(iw.rw, nonce)
	}
	if err != nil {
		// Mostly a client that went away.
		s.logger.Debug("site: send cached page", "path", iw.req.URL.Path, "error", err)
	}
}

// acceptsGzip reports whether the client takes gzip, first or second
// choice.
func acceptsGzip(r *http.Request) bool {
	first, second := acceptedEncodings(r.Header.Get("Accept-Encoding"))
	return first == encodingGzip || second == encodingGzip
}

package site

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/andybalholm/brotli"
	"github.com/noren-web/noren/internal/csp"
	"github.com/noren-web/noren/internal/entitytag"
	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"
)

// Injector puts an Injection into the HTML responses of the handlers it
// wraps.
type Injector struct {
	opt  Options
	held sync.Pool // buffers of pages waiting for their headers (see headerHold)
	// heldBytes counts the bytes of all pages waiting for their headers,
	// which maxHeldTotal bounds.
	heldBytes atomic.Int64
}

// NewInjector returns an Injector for opt's injection, languages and nonce.
func NewInjector(opt Options) (*Injector, error) {
	opt, err := opt.check()
	if err != nil {
		return nil, err
	}
	return &Injector{opt: opt}, nil
}

// Wrap returns a handler that serves next and rewrites its HTML responses
// (Content-Type text/html in any charset but UTF-16, identity, gzip or
// brotli coded, status 200 or an error) as they stream. Injected pages lose
// their Content-Length and Last-Modified, get Cache-Control: private,
// no-cache, and a weak ETag derived from next's ETag and the injection's
// fingerprint; the client's If-None-Match is translated back so that next
// can still answer 304.
// Responses must declare their Content-Type to be rewritten.
func (in *Injector) Wrap(next http.Handler) http.Handler {
	return in.wrap(next, nil)
}

// wrap is Wrap with a source of file sizes for links to PDFs.
func (in *Injector) wrap(next http.Handler, fileSize func(urlPath string) (int64, bool)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iw := &injectWriter{in: in, rw: w, req: r, fileSize: fileSize}
		if inm := r.Header.Values("If-None-Match"); len(inm) > 0 {
			v, inner, changed := translateIfNoneMatch(strings.Join(inm, ", "), iw.fingerprint(), isDocumentRequest(r))
			if changed {
				r = r.Clone(r.Context())
				if v == "" {
					r.Header.Del("If-None-Match")
				} else {
					r.Header.Set("If-None-Match", v)
				}
				iw.translated = inner
			}
		}
		iw.req = r
		completed := false
		defer func() {
			if !completed {
				iw.finish(errAborted)
			}
		}()
		next.ServeHTTP(iw, r)
		completed = true
		iw.finish(nil)
	})
}

// isDocumentRequest reports whether r asks for a page to show rather than
// an asset, from Sec-Fetch-Dest or, in browsers without it, from Accept.
func isDocumentRequest(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Dest") {
	case "document", "iframe", "frame":
		return true
	case "":
		return strings.Contains(r.Header.Get("Accept"), "text/html")
	}
	return false
}

// nonce returns the CSP nonce of the response to r, or "".
func (in *Injector) nonce(r *http.Request) string {
	if in.opt.Nonce == nil {
		return ""
	}
	return in.opt.Nonce(r)
}

// rewriteConfig prepares the rewrite of the page requested by r, with
// nonce as the response's CSP nonce.
func (in *Injector) rewriteConfig(r *http.Request, fileSize func(string) (int64, bool), nonce string) *rewriteConfig {
	inj := in.opt.Injection
	langs, def := in.opt.Languages, in.opt.DefaultLanguage
	fromPath := pathLanguage(r.URL.Path, langs)
	cfg := &rewriteConfig{
		language: func(htmlLang string) string {
			if fromPath != "" {
				return fromPath
			}
			if l := matchLanguage(htmlLang, langs); l != "" {
				return l
			}
			return def
		},
		fileSize:  fileSize,
		pagePath:  r.URL.Path,
		startTags: inj.StartTags,
		request:   r,
		nonce:     nonce,
		fit:       !in.opt.BlockInlineCode,
	}
	if inj.HeadStart != nil {
		cfg.headStart = func(lang string) string { return inj.HeadStart(r, lang, nonce) }
	}
	if inj.Head != nil {
		cfg.head = func(lang string) string { return inj.Head(r, lang, nonce) }
	}
	if inj.Footer != nil {
		cfg.footer = func(lang string) string { return inj.Footer(r, lang) }
	}
	return cfg
}

// errAborted ends a rewrite whose handler panicked.
var errAborted = errors.New("site: response abandoned")

// errRewriteStopped is returned to a handler writing a page whose rewrite
// has ended early.
var errRewriteStopped = errors.New("site: HTML rewrite stopped")

// injectWriter is the ResponseWriter an Injector hands to the wrapped
// handler. Once it sees an HTML response, the body goes through a feed to a
// rewrite on its own goroutine, which alone writes to rw from then on.
type injectWriter struct {
	in         *Injector
	rw         http.ResponseWriter
	req        *http.Request
	fileSize   func(string) (int64, bool)
	fp         string   // see fingerprint
	translated []string // the wrapped handler's ETags the client asked about

	wroteHeader bool
	feed        *feed
	// detached stands in for the header map while a rewrite writes the
	// response from its own goroutine: changes after WriteHeader only make
	// trailers, which would describe the source's bytes, not the page's.
	detached http.Header
}

// fingerprint returns the token for the injection into this response,
// working it out on first use: most responses are not pages.
func (iw *injectWriter) fingerprint() string {
	if iw.fp == "" {
		var v string
		if f := iw.in.opt.Injection.Fingerprint; f != nil {
			v = f(iw.req)
		}
		iw.fp = injectionFingerprint(v)
	}
	return iw.fp
}

func (iw *injectWriter) Header() http.Header {
	if iw.detached != nil {
		return iw.detached
	}
	return iw.rw.Header()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (iw *injectWriter) Unwrap() http.ResponseWriter { return iw.rw }

func (iw *injectWriter) WriteHeader(code int) {
	if iw.feed != nil {
		return // the response belongs to the rewrite now
	}
	if iw.wroteHeader || code < 200 {
		iw.rw.WriteHeader(code)
		return
	}
	iw.wroteHeader = true
	h := iw.rw.Header()
	switch {
	case code == http.StatusNotModified:
		iw.notModified(h)
	case code == http.StatusOK || code >= 400:
		if coding, ok := rewritable(h); ok {
			iw.startRewrite(h, code, coding)
			return
		}
	}
	iw.rw.WriteHeader(code)
}

func (iw *injectWriter) Write(p []byte) (int, error) {
	if !iw.wroteHeader {
		iw.WriteHeader(http.StatusOK)
	}
	if iw.feed != nil {
		return iw.feed.Write(p)
	}
	return iw.rw.Write(p)
}

// Flush sends what has been rewritten so far; a token still incomplete
// waits for the rest of its bytes.
func (iw *injectWriter) Flush() {
	if !iw.wroteHeader {
		iw.WriteHeader(http.StatusOK)
	}
	if iw.feed != nil {
		iw.feed.Flush()
		return
	}
	_ = http.NewResponseController(iw.rw).Flush()
}

// rewritable reports whether a response with header h is an HTML page the
// rewriter can read, and in which content coding. Its charset is settled
// once the body starts (see decodeAndRewrite).
func rewritable(h http.Header) (coding string, ok bool) {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "text/html" {
		return "", false
	}
	coding = strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding")))
	switch coding {
	case "", "identity", encodingGzip, "x-gzip", encodingBrotli:
		return coding, true
	}
	return "", false
}

// injectedHeaders turns the headers of a page's source into those of the
// injected page.
func (iw *injectWriter) injectedHeaders(h http.Header, code int) {
	// The body is decoded and changes length; validators and digests of the
	// source would describe the wrong bytes.
	for _, k := range []string{"Content-Length", "Content-Encoding", "Last-Modified",
		"Accept-Ranges", "Content-Md5", "Digest", "Content-Digest", "Repr-Digest"} {
		h.Del(k)
	}
	if etag := h.Get("ETag"); etag != "" {
		if ours, ok := injectedETag(etag, iw.fingerprint()); ok && code == http.StatusOK {
			h.Set("ETag", ours)
		} else {
			h.Del("ETag")
		}
	}
	// Pages carry a per-response nonce and may depend on the visitor's
	// consent, so no shared cache may keep them and browsers revalidate.
	if !strings.Contains(strings.ToLower(h.Get("Cache-Control")), "no-store") {
		h.Set("Cache-Control", "private, no-cache")
	}
}

// startRewrite sends the headers of an injected page and, unless the request
// is HEAD, starts rewriting its body.
func (iw *injectWriter) startRewrite(h http.Header, code int, coding string) {
	iw.injectedHeaders(h, code)
	if iw.req.Method == http.MethodHead {
		iw.rw.WriteHeader(code)
		return
	}

	cfg := iw.in.rewriteConfig(iw.req, iw.fileSize, iw.in.nonce(iw.req))
	out := &errorWriter{w: iw.rw}
	// The headers may wait for the page, whose inline attributes the
	// Content-Security-Policy must admit by hash; flushes wait with them.
	hold := iw.holdHeaders(h, code, cfg, out)
	bw := bufio.NewWriterSize(hold, 8<<10)
	f := newFeed(func() {
		if bw.Flush() != nil {
			return
		}
		if hold.released() {
			_ = http.NewResponseController(iw.rw).Flush()
		} else {
			hold.stall()
		}
	})
	iw.feed = f
	iw.detached = h.Clone()
	logger := iw.in.opt.Logger
	contentType := h.Get("Content-Type")
	go func() {
		defer close(f.done)
		err := decodeAndRewrite(bw, f, coding, contentType, cfg, logger)
		// Whatever became of the rewrite, the headers go out.
		if cerr := hold.close(); err == nil {
			err = cerr
		}
		if n := cfg.hashes.Left(); n > 0 {
			logger.Debug("site: inline attributes of a page left out of its Content-Security-Policy",
				"path", cfg.pagePath, "count", n, "max_held_bytes", maxHeldPage, "max_hashes", csp.MaxHashSources)
		}
		switch {
		case err == nil:
			// Let the handler finish writing whatever follows the
			// document (such as trailing bytes after a gzip stream).
			_, _ = io.Copy(io.Discard, f)
		case errors.Is(err, errAborted):
		case out.err != nil:
			// Mostly a client that went away.
			logger.Debug("site: writing rewritten HTML failed", "error", err)
		default:
			logger.Warn("site: reading HTML to rewrite failed", "error", err)
		}
	}()
}

// decodeAndRewrite undoes the content coding of src, rewrites the page into
// dst in its charset and flushes it.
//
// The charset is the one browsers would read the page in (detectCharset),
// so a page whose Content-Type names none waits for its first sniffLen
// bytes before anything is written. Pages in UTF-8 and in charsets that
// keep ASCII's bytes for ASCII alone, such as Shift_JIS and EUC-JP, are
// copied byte for byte around what is inserted, which is encoded in the
// page's charset. ISO-2022-JP pages are decoded, rewritten and encoded
// again: the text stays the same, but its escape sequences may come out
// differently. Pages in UTF-16 pass through unchanged.
func decodeAndRewrite(dst *bufio.Writer, src io.Reader, coding, contentType string, cfg *rewriteConfig, logger *slog.Logger) error {
	switch coding {
	case encodingGzip, "x-gzip":
		zr, err := gzip.NewReader(src)
		switch {
		case err == io.EOF:
			src = strings.NewReader("")
		case err != nil:
			return fmt.Errorf("site: decode gzip HTML: %w", err)
		default:
			defer zr.Close()
			src = zr
		}
	case encodingBrotli:
		src = brotli.NewReader(src)
	}
	declared, ok := headerCharset(contentType)
	n := sniffLen
	if ok {
		n = bomLen
	}
	head, src := readHead(src, n)
	cs := sniffCharset(declared, head)
	switch cs.mode {
	case charsetUnsupported:
		logger.Debug("site: page charset not supported, page sent unchanged", "path", cfg.pagePath, "charset", cs.name)
		if _, err := io.Copy(dst, src); err != nil {
			return fmt.Errorf("site: copy %s page: %w", cs.name, err)
		}
		return dst.Flush()
	case charsetASCII:
		cfg.charset = cs
	case charsetTranscoded:
		cfg.charset = cs
		src = transform.NewReader(src, cs.enc.NewDecoder())
		// The rewrite has escaped what it adds; the page's own text
		// decoded from the charset is in it, but for U+FFFD standing
		// for bytes that were not.
		tw := transform.NewWriter(dst, encoding.HTMLEscapeUnsupported(cs.enc.NewEncoder()))
		if err := rewriteHTML(tw, src, cfg); err != nil {
			return err
		}
		if err := tw.Close(); err != nil {
			return fmt.Errorf("site: encode page in %s: %w", cs.name, err)
		}
		return dst.Flush()
	}
	if err := rewriteHTML(dst, src, cfg); err != nil {
		return err
	}
	return dst.Flush()
}

// notModified adjusts a 304 for a page whose injected ETag the client sent.
func (iw *injectWriter) notModified(h http.Header) {
	if len(iw.translated) == 0 {
		return
	}
	if etag := h.Get("ETag"); etag != "" {
		t, ok := entitytag.Parse(etag)
		if !ok || !iw.asked(t.Opaque) {
			return
		}
		ours, _ := injectedETag(etag, iw.fingerprint())
		h.Set("ETag", ours)
	}
	// A 304 updates the headers stored with the client's cached copy of the
	// page, and that copy's inline scripts and styles carry the nonce of the
	// response that delivered it. A Content-Security-Policy with this
	// response's fresh nonce would replace the stored policy and block
	// them; without one, the stored policy, which matches the stored body,
	// stays in force.
	h.Del("Content-Security-Policy")
	h.Del("Content-Security-Policy-Report-Only")
	h.Del("Last-Modified")
	h.Set("Cache-Control", "private, no-cache")
}

// asked reports whether the client's If-None-Match named a page with this
// opaque tag.
func (iw *injectWriter) asked(opaque string) bool {
	for _, t := range iw.translated {
		if et, ok := entitytag.Parse(t); ok && et.Opaque == opaque {
			return true
		}
	}
	return false
}

// finish ends a running rewrite once the handler has returned (err nil) or
// panicked, and waits for it so that nothing writes to the response after
// the handler is done.
func (iw *injectWriter) finish(err error) {
	if iw.feed == nil {
		return
	}
	iw.feed.close(err)
	<-iw.feed.done
	iw.feed = nil
}

// errorWriter remembers the first error its writer returned, so that
// failures writing to the client can be told from failures reading the page.
type errorWriter struct {
	w   io.Writer
	err error
}

func (ew *errorWriter) Write(p []byte) (int, error) {
	n, err := ew.w.Write(p)
	if err != nil && ew.err == nil {
		ew.err = err
	}
	return n, err
}

// feed passes the body a handler writes to the rewrite reading it on another
// goroutine. Write hands over its slice and returns once the reader has taken
// all of it, so nothing piles up in between and the handler may reuse its
// buffer. Flush has the reader flush its output as soon as it has processed
// everything written before.
type feed struct {
	items chan []byte // a nil item asks for a flush
	taken chan struct{}
	done  chan struct{} // closed when the reading goroutine ends
	flush func()
	err   error // why the writer closed; read after items is closed

	cur     []byte
	holding bool // cur belongs to an item not yet acknowledged
}

func newFeed(flush func()) *feed {
	return &feed{
		items: make(chan []byte),
		taken: make(chan struct{}),
		done:  make(chan struct{}),
		flush: flush,
	}
}

func (f *feed) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := f.send(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (f *feed) Flush() {
	_ = f.send(nil)
}

func (f *feed) send(item []byte) error {
	select {
	case f.items <- item:
	case <-f.done:
		return errRewriteStopped
	}
	select {
	case <-f.taken:
		return nil
	case <-f.done:
		return errRewriteStopped
	}
}

// close tells the reader that the body is complete (err nil) or abandoned.
func (f *feed) close(err error) {
	f.err = err
	close(f.items)
}

func (f *feed) Read(p []byte) (int, error) {
	for len(f.cur) == 0 {
		if f.holding {
			f.holding = false
			f.taken <- struct{}{}
		}
		item, ok := <-f.items
		if !ok {
			if f.err != nil {
				return 0, f.err
			}
			return 0, io.EOF
		}
		if item == nil {
			f.flush()
			f.taken <- struct{}{}
			continue
		}
		f.cur, f.holding = item, true
	}
	n := copy(p, f.cur)
	f.cur = f.cur[n:]
	return n, nil
}

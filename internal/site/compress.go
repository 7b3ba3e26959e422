package site

import (
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// Content codings Noren produces.
const (
	encodingBrotli = "br"
	encodingGzip   = "gzip"
)

// minCompressSize is the smallest body worth compressing: below it the
// codings' framing eats most of the gain.
const minCompressSize = 1024

// Compression levels for bodies compressed as they stream; files compressed
// once and cached use stronger levels (see fileCache).
const (
	streamBrotliLevel = 4
	streamGzipLevel   = 5
)

// acceptedEncodings returns the codings Noren can produce that an
// Accept-Encoding header (RFC 9110 section 12.5.3) allows, best first, as
// "" when there is none. Brotli wins a tie because it compresses better.
func acceptedEncodings(header string) (first, second string) {
	qBr, qGzip, qAny := -1.0, -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		q, ok := parseWeight(params)
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "br":
			qBr = max(qBr, q)
		case "gzip", "x-gzip":
			qGzip = max(qGzip, q)
		case "*":
			qAny = max(qAny, q)
		}
	}
	if qBr < 0 {
		qBr = max(qAny, 0)
	}
	if qGzip < 0 {
		qGzip = max(qAny, 0)
	}
	switch {
	case qBr > 0 && qBr >= qGzip:
		first = encodingBrotli
		if qGzip > 0 {
			second = encodingGzip
		}
	case qGzip > 0:
		first = encodingGzip
		if qBr > 0 {
			second = encodingBrotli
		}
	}
	return first, second
}

// encoder is the part of gzip.Writer and brotli.Writer that Compress uses.
type encoder interface {
	io.WriteCloser
	Flush() error
	Reset(w io.Writer)
}

// encoderPool reuses encoders, whose internal state is large to allocate.
type encoderPool struct {
	brLevel, gzipLevel int
	br, gzip           sync.Pool
}

func newEncoderPool(brLevel, gzipLevel int) *encoderPool {
	return &encoderPool{brLevel: brLevel, gzipLevel: gzipLevel}
}

func (p *encoderPool) get(coding string, w io.Writer) encoder {
	switch coding {
	case encodingBrotli:
		if e, ok := p.br.Get().(encoder); ok {
			e.Reset(w)
			return e
		}
		return brotli.NewWriterLevel(w, p.brLevel)
	default:
		if e, ok := p.gzip.Get().(encoder); ok {
			e.Reset(w)
			return e
		}
		e, err := gzip.NewWriterLevel(w, p.gzipLevel)
		if err != nil {
			// Only an out-of-range level fails, and the levels are constants.
			panic(err)
		}
		return e
	}
}

func (p *encoderPool) put(coding string, e encoder) {
	e.Reset(io.Discard)
	if coding == encodingBrotli {
		p.br.Put(e)
	} else {
		p.gzip.Put(e)
	}
}

// Compress returns a handler that compresses next's responses with brotli or
// gzip, as negotiated from the request's Accept-Encoding, when the body is of
// a compressible type and not tiny. It adds Vary: Accept-Encoding to every
// response of a compressible type, makes a strong ETag weak on compressed
// responses (the bytes differ, the content does not) and leaves alone
// responses that carry a Content-Encoding already, partial content and
// bodiless statuses. Bodies stream: flushes from next reach the client.
func Compress(next http.Handler) http.Handler {
	pool := newEncoderPool(streamBrotliLevel, streamGzipLevel)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		coding, _ := acceptedEncodings(r.Header.Get("Accept-Encoding"))
		cw := &compressWriter{rw: w, head: r.Method == http.MethodHead, coding: coding, pool: pool}
		next.ServeHTTP(cw, r)
		// Not deferred: after a panic the response is abandoned, and
		// finishing the stream would write into it.
		cw.close()
	})
}

// compressWriter states.
const (
	compressNew       = iota // nothing written yet
	compressBuffering        // status held back until enough body shows whether to compress
	compressPlain            // passing through unchanged
	compressEncoding         // compressing into enc
	compressHeadOnly         // HEAD response with compressed headers; no body
)

// compressWriter is the ResponseWriter Compress hands to the next handler.
type compressWriter struct {
	rw     http.ResponseWriter
	head   bool
	coding string // negotiated coding, "" when the client accepts none
	pool   *encoderPool

	state int
	code  int
	buf   []byte
	enc   encoder
}

func (cw *compressWriter) Header() http.Header { return cw.rw.Header() }

// Unwrap lets http.ResponseController reach the underlying writer.
func (cw *compressWriter) Unwrap() http.ResponseWriter { return cw.rw }

func (cw *compressWriter) WriteHeader(code int) {
	if cw.state != compressNew {
		if cw.state == compressPlain {
			cw.rw.WriteHeader(code) // lets net/http report the superfluous call
		}
		return
	}
	if code < 200 {
		cw.rw.WriteHeader(code)
		return
	}
	cw.code = code
	h := cw.rw.Header()
	ct := h.Get("Content-Type")
	switch {
	case h.Get("Content-Encoding") != "" || code == http.StatusNoContent ||
		code == http.StatusNotModified || code == http.StatusPartialContent ||
		code >= 300 && code < 400:
		cw.startPlain()
	case ct == "" && cw.head:
		cw.startPlain()
	case ct == "":
		cw.state = compressBuffering // sniffed on the first bytes, as net/http would
	case !compressible(ct):
		cw.startPlain()
	default:
		addVary(h, "Accept-Encoding")
		n := contentLength(h)
		switch {
		case cw.coding == "" || n >= 0 && n < minCompressSize:
			cw.startPlain()
		case cw.head || n >= minCompressSize:
			cw.startEncoding()
		default:
			cw.state = compressBuffering
		}
	}
}

func (cw *compressWriter) Write(p []byte) (int, error) {
	if cw.state == compressNew {
		cw.WriteHeader(http.StatusOK)
	}
	switch cw.state {
	case compressBuffering:
		cw.buf = append(cw.buf, p...)
		if len(cw.buf) >= minCompressSize {
			if err := cw.decide(false); err != nil {
				return 0, err
			}
		}
		return len(p), nil
	case compressEncoding:
		return cw.enc.Write(p)
	case compressHeadOnly:
		return len(p), nil
	default:
		return cw.rw.Write(p)
	}
}

// Flush sends what has been written so far, compressed if compressing.
func (cw *compressWriter) Flush() {
	if cw.state == compressNew {
		cw.WriteHeader(http.StatusOK)
	}
	if cw.state == compressBuffering {
		if cw.decide(false) != nil {
			return
		}
	}
	if cw.state == compressEncoding {
		if cw.enc.Flush() != nil {
			return
		}
	}
	_ = http.NewResponseController(cw.rw).Flush()
}

// decide ends buffering: it fills in a missing Content-Type, then either
// starts compressing or writes the held status and body as they are. final
// says the handler has finished, so the body is complete.
func (cw *compressWriter) decide(final bool) error {
	h := cw.rw.Header()
	if _, set := h["Content-Type"]; !set && len(cw.buf) > 0 {
		h.Set("Content-Type", http.DetectContentType(cw.buf))
	}
	buf := cw.buf
	cw.buf = nil
	ct := h.Get("Content-Type")
	if compressible(ct) {
		addVary(h, "Accept-Encoding")
	}
	if !compressible(ct) || cw.coding == "" || final && len(buf) < minCompressSize {
		if final && contentLength(h) < 0 {
			h.Set("Content-Length", strconv.Itoa(len(buf)))
		}
		cw.startPlain()
		_, err := cw.rw.Write(buf)
		return err
	}
	cw.startEncoding()
	_, err := cw.enc.Write(buf)
	return err
}

func (cw *compressWriter) startPlain() {
	cw.state = compressPlain
	cw.rw.WriteHeader(cw.code)
}

func (cw *compressWriter) startEncoding() {
	h := cw.rw.Header()
	h.Set("Content-Encoding", cw.coding)
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	addVary(h, "Accept-Encoding")
	if etag := h.Get("ETag"); strings.HasPrefix(etag, `"`) {
		h.Set("ETag", "W/"+etag)
	}
	cw.rw.WriteHeader(cw.code)
	if cw.head {
		cw.state = compressHeadOnly
		return
	}
	cw.state = compressEncoding
	cw.enc = cw.pool.get(cw.coding, cw.rw)
}

// close finishes the response once the handler has returned.
func (cw *compressWriter) close() {
	if cw.state == compressNew {
		// The handler wrote nothing; its headers still need deciding,
		// as for a HEAD request.
		cw.WriteHeader(http.StatusOK)
	}
	if cw.state == compressBuffering {
		_ = cw.decide(true)
	}
	if cw.state == compressEncoding {
		// A failed close means the client is gone; there is no one to tell.
		_ = cw.enc.Close()
		cw.pool.put(cw.coding, cw.enc)
		cw.enc = nil
	}
}

// contentLength returns the Content-Length header as a number, or -1.
func contentLength(h http.Header) int64 {
	v := h.Get("Content-Length")
	if v == "" {
		return -1
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

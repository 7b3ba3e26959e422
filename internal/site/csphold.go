package site

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/noren-web/noren/internal/csp"
)

// maxHeldPage bounds how much of a rewritten page waits for its headers.
// The hashes of a page's inline attributes are known only once the page
// has been read, and its Content-Security-Policy must carry them, so the
// headers wait for the whole page; past this size they go out with the
// hashes found so far and the rest of the page streams.
const maxHeldPage = 2 << 20

// maxHeldTotal bounds the bytes of all the pages that wait for their
// headers at once, so that many requests for large pages cannot take the
// memory others need: a page that finds the bound reached has its headers
// sent with the hashes found so far, and the rest of it streams.
const maxHeldTotal = 64 << 20

// holdStall is how long the headers wait for more of a page once its
// source has flushed. A page that arrives at once, as files and most
// proxied pages do, is held whole; a source that streams its page, sending
// part and flushing while it works out the rest, gets the part sent this
// long after its first flush, with the hashes found so far.
const holdStall = 100 * time.Millisecond

// headerHold holds a rewritten page back until its headers can be sent:
// when the rewrite is done (close), once the page outgrows the bound, or
// holdStall after the source first flushed. Until then nothing reaches the
// client. The stall timer runs on its own goroutine, so every write to the
// response goes through the hold's lock.
type headerHold struct {
	mu    sync.Mutex
	w     io.Writer
	limit int
	send  func()        // writes the headers; called once, before any of the body
	flush func()        // flushes the response
	pool  *sync.Pool    // of buffers, shared by the Injector's holds
	total *atomic.Int64 // the bytes all the Injector's holds keep, up to totalLimit
	// totalLimit bounds total; reserved is this hold's share of it.
	totalLimit, reserved int64
	buf                  *bytes.Buffer // from pool, while the hold has one
	done                 bool          // the headers are out and writes go straight through
	closed               bool          // the rewrite has ended: nothing more may be written
	timer                *time.Timer
}

// sentHold returns a hold whose headers are already out.
func sentHold(w io.Writer) *headerHold {
	return &headerHold{w: w, done: true}
}

func (hh *headerHold) Write(p []byte) (int, error) {
	hh.mu.Lock()
	defer hh.mu.Unlock()
	if hh.done {
		return hh.w.Write(p)
	}
	if hh.buf == nil {
		hh.buf, _ = hh.pool.Get().(*bytes.Buffer)
		if hh.buf == nil {
			hh.buf = new(bytes.Buffer)
		}
	}
	if hh.buf.Len()+len(p) <= hh.limit && hh.reserve(int64(len(p))) {
		return hh.buf.Write(p)
	}
	if err := hh.release(); err != nil {
		return 0, err
	}
	return hh.w.Write(p)
}

// reserve takes n bytes of the holds' shared bound for this hold, and
// reports false, taking nothing, when they would exceed it. The caller
// holds the lock.
func (hh *headerHold) reserve(n int64) bool {
	if hh.total == nil {
		return true
	}
	if hh.total.Add(n) > hh.totalLimit {
		hh.total.Add(-n)
		return false
	}
	hh.reserved += n
	return true
}

// released reports whether the headers are out.
func (hh *headerHold) released() bool {
	hh.mu.Lock()
	defer hh.mu.Unlock()
	return hh.done
}

// stall starts the wait after the source's first flush, once.
func (hh *headerHold) stall() {
	hh.mu.Lock()
	defer hh.mu.Unlock()
	if hh.done || hh.timer != nil {
		return
	}
	hh.timer = time.AfterFunc(holdStall, func() {
		hh.mu.Lock()
		defer hh.mu.Unlock()
		if hh.closed || hh.done {
			return
		}
		if hh.release() == nil {
			hh.flush()
		}
	})
}

// close sends the headers and what is held, if they are not out yet, and
// ends the hold: the stall timer does nothing after it.
func (hh *headerHold) close() error {
	hh.mu.Lock()
	defer hh.mu.Unlock()
	hh.closed = true
	if hh.timer != nil {
		hh.timer.Stop()
	}
	return hh.release()
}

// release sends the headers and the page held so far, once. The caller
// holds the lock.
func (hh *headerHold) release() error {
	if hh.done {
		return nil
	}
	hh.done = true
	if hh.total != nil {
		hh.total.Add(-hh.reserved)
		hh.reserved = 0
	}
	hh.send()
	buf := hh.buf
	if buf == nil {
		return nil
	}
	hh.buf = nil
	var err error
	if buf.Len() > 0 {
		_, err = hh.w.Write(buf.Bytes())
	}
	if buf.Cap() <= maxPooledHold {
		buf.Reset()
		hh.pool.Put(buf)
	}
	return err
}

// maxPooledHold bounds the buffers kept for reuse, so that holding a page
// costs no allocation once pages of its size have been served, while a
// rare large page does not keep its memory for good.
const maxPooledHold = 512 << 10

// holdHeaders returns where the rewrite of a page writes. When the page has
// a Content-Security-Policy of Noren's, carrying the response's nonce, the
// headers wait in a hold, and the rewrite collects the hashes the policy
// gets when they go out; otherwise, or when the page's inline code is left
// blocked, they are sent now.
func (iw *injectWriter) holdHeaders(h http.Header, code int, cfg *rewriteConfig, out io.Writer) *headerHold {
	if cfg.nonce == "" || !cfg.fit || !hasPolicy(h, cfg.nonce) {
		iw.rw.WriteHeader(code)
		return sentHold(out)
	}
	hashes := &csp.Hashes{}
	cfg.hashes = hashes
	return &headerHold{
		w:          out,
		limit:      maxHeldPage,
		pool:       &iw.in.held,
		total:      &iw.in.heldBytes,
		totalLimit: maxHeldTotal,
		send: func() {
			hashes.Seal(h, cfg.nonce)
			iw.rw.WriteHeader(code)
		},
		flush: func() { _ = http.NewResponseController(iw.rw).Flush() },
	}
}

// hasPolicy reports whether h has a Content-Security-Policy, enforced or
// report-only, that carries nonce.
func hasPolicy(h http.Header, nonce string) bool {
	mark := "'nonce-" + nonce + "'"
	for _, key := range []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
		for _, v := range h.Values(key) {
			if strings.Contains(v, mark) {
				return true
			}
		}
	}
	return false
}

package server

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"time"
)

// Middleware wraps a handler with behaviour shared by every request.
type Middleware func(http.Handler) http.Handler

// Chain wraps h in the middleware, the first one outermost.
func Chain(h http.Handler, mw ...Middleware) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// LimitBody returns middleware that caps request bodies at n bytes. A
// request that declares a longer body is answered 413 before the handler
// runs; a longer body without a declared length fails the handler's read
// with *http.MaxBytesError, which handlers answer with 413. Handlers may set
// a smaller limit of their own.
func LimitBody(n int64) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				w.Header().Set("Connection", "close")
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// Recover returns middleware that turns a handler panic into a plain 500
// page and logs it with its stack. If the response had already begun, the
// connection is aborted instead, so the client sees a broken response rather
// than a truncated one that looks whole. http.ErrAbortHandler passes
// through untouched.
func Recover(logger *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tw := &trackingWriter{ResponseWriter: w}
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.LogAttrs(r.Context(), slog.LevelError, "handler panic",
					slog.String("method", r.Method),
					slog.String("path", logPath(r)),
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())))
				if tw.wroteHeader {
					panic(http.ErrAbortHandler)
				}
				h := w.Header()
				for _, k := range []string{"Content-Length", "Content-Encoding", "Content-Disposition", "ETag", "Last-Modified"} {
					h.Del(k)
				}
				h.Set("Cache-Control", "no-store")
				http.Error(w, "500 internal server error", http.StatusInternalServerError)
			}()
			next.ServeHTTP(tw, r)
		})
	}
}

// AccessLog returns middleware that logs one line per request. The line
// holds no personal data: the client address is masked with MaskAddr, the
// query string is dropped (it may carry e-mail addresses or search terms),
// and neither the User-Agent nor cookies are logged. Requests to the quiet
// paths are logged only when they fail with a server error: a flood of
// them, refused or not, must not become a flood of log lines (their
// handlers count their outcomes in metrics).
func AccessLog(logger *slog.Logger, quiet ...string) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			tw := &trackingWriter{ResponseWriter: w}
			defer func() {
				status := tw.statusCode()
				if status != http.StatusInternalServerError && slices.Contains(quiet, r.URL.Path) {
					return
				}
				logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
					slog.String("method", logMethod(r.Method)),
					slog.String("path", logPath(r)),
					slog.Int("status", status),
					slog.Int64("bytes", tw.bytes),
					slog.Duration("duration", time.Since(start)),
					slog.String("client", MaskAddr(ClientAddr(r))),
					slog.String("proto", r.Proto))
			}()
			next.ServeHTTP(tw, r)
		})
	}
}

// maxLoggedPath bounds the path written to the log, so a hostile request
// cannot flood it.
const maxLoggedPath = 256

func logPath(r *http.Request) string {
	p := r.URL.Path
	if len(p) > maxLoggedPath {
		p = p[:maxLoggedPath] + "..."
	}
	return p
}

// logMethod keeps the method label short: net/http accepts any token.
func logMethod(m string) string {
	if len(m) > 16 {
		return m[:16] + "..."
	}
	return m
}

// trackingWriter records what a handler wrote. It unwraps for
// http.ResponseController and keeps the fast paths of the writer beneath
// (flushing, hijacking for upgrades, sendfile through ReadFrom).
type trackingWriter struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (w *trackingWriter) WriteHeader(code int) {
	if !w.wroteHeader && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
		w.wroteHeader = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *trackingWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.status = http.StatusOK
		w.wroteHeader = true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *trackingWriter) ReadFrom(r io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.status = http.StatusOK
		w.wroteHeader = true
	}
	n, err := io.Copy(w.ResponseWriter, r)
	w.bytes += n
	return n, err
}

func (w *trackingWriter) Flush() {
	if !w.wroteHeader {
		w.status = http.StatusOK
		w.wroteHeader = true
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *trackingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && !w.wroteHeader {
		w.status = http.StatusSwitchingProtocols
		w.wroteHeader = true
	}
	return conn, rw, err
}

func (w *trackingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusCode is the status sent, or 200 for a handler that wrote nothing,
// which net/http answers with 200.
func (w *trackingWriter) statusCode() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

package main

import (
	"net/http"
	"strconv"
)

// faviconHandler answers /favicon.ico: with the site's own icon when the
// site has one, whether a folder or an upstream serves it, and otherwise
// with Noren's, so that browsers asking for the conventional address on
// Noren's pages, the console or a site without an icon get an icon
// instead of a 404.
func faviconHandler(site http.Handler, icon []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		before := make(map[string]bool, len(w.Header()))
		for k := range w.Header() {
			before[k] = true
		}
		fw := &faviconWriter{ResponseWriter: w}
		site.ServeHTTP(fw, r)
		if !fw.missing {
			return
		}
		// What the site set for its answer of 404 does not describe
		// Noren's icon; what was set before the site was asked stays.
		h := w.Header()
		for k := range h {
			if !before[k] {
				h.Del(k)
			}
		}
		h.Set("Content-Type", "image/svg+xml")
		h.Set("Content-Length", strconv.Itoa(len(icon)))
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(icon)
		}
	})
}

// faviconWriter passes the site's answer on unless it is a 404, which it
// swallows for faviconHandler to replace.
type faviconWriter struct {
	http.ResponseWriter
	missing, started bool
}

func (f *faviconWriter) WriteHeader(code int) {
	if code == http.StatusNotFound && !f.started {
		f.missing = true
		return
	}
	f.started = true
	f.ResponseWriter.WriteHeader(code)
}

func (f *faviconWriter) Write(p []byte) (int, error) {
	if f.missing {
		return len(p), nil
	}
	f.started = true
	return f.ResponseWriter.Write(p)
}

// Flush passes a flush on, except of a 404 being swallowed: a proxy
// flushes as it copies, and a flush sends the headers.
func (f *faviconWriter) Flush() {
	if !f.missing {
		_ = http.NewResponseController(f.ResponseWriter).Flush()
	}
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (f *faviconWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }

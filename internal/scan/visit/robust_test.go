package visit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRunRobust visits pages that try to stop a scan: one that never
// finishes loading, a download, one that navigates away, one that opens a
// window, and an address that refuses connections. Each is reported, and
// the pages after them are visited as usual.
func TestRunRobust(t *testing.T) {
	h := newHits()
	mux := http.NewServeMux()
	srv := serveOn(t, "127.0.0.1:0", h.wrap(mux))
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) }) // before the server's Close, which waits for /never
	mux.HandleFunc("/never", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})
	mux.HandleFunc("/hang.html", htmlPage(`<img src="/never" alt="">`))
	mux.HandleFunc("/download", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="x.bin"`)
		w.Write([]byte("binary"))
	})
	mux.HandleFunc("/away.html", htmlPage(`<script>location.replace("/plain.html")</script>`))
	mux.HandleFunc("/popup.html", htmlPage(`<script>window.open("/opened.html"); alert("x");</script>`))
	mux.HandleFunc("/opened.html", htmlPage(`opened`))
	mux.HandleFunc("/plain.html", htmlPage(`plain`))

	base := srv.URL
	closed := serveOn(t, "127.0.0.1:0", mux)
	refused := closed.URL + "/"
	closed.Close()
	pages := []string{base + "/hang.html", base + "/download", base + "/away.html", base + "/popup.html", refused, base + "/plain.html"}
	opt := testOptions(t, pages)
	opt.States = []State{NoChoice}
	opt.Concurrency = 1
	opt.PageTimeout = 5 * time.Second
	start := time.Now()
	res := runVisit(t, opt)
	if d := time.Since(start); d > time.Minute {
		t.Errorf("the visit took %v", d)
	}
	// Lists are empty, never null, for the readers of the JSON report.
	if b, err := json.Marshal(res); err != nil || bytes.Contains(b, []byte("null")) {
		t.Errorf("the result as JSON (%v): %s", err, b)
	}
	sr := res.States[0]
	tests := []struct {
		url    string
		status int
		err    string // a part of Error, "" for none
	}{
		{base + "/hang.html", http.StatusOK, "did not settle"},
		{base + "/download", http.StatusOK, "download"},
		{base + "/away.html", http.StatusOK, ""},
		{base + "/popup.html", http.StatusOK, ""},
		{refused, 0, "ERR_CONNECTION_REFUSED"},
		{base + "/plain.html", http.StatusOK, ""},
	}
	for _, tt := range tests {
		p := pageOf(t, sr, tt.url)
		if p.Status != tt.status || (tt.err == "") != (p.Error == "") || !strings.Contains(p.Error, tt.err) {
			t.Errorf("%s: status %d, error %q; want %d, error with %q", tt.url, p.Status, p.Error, tt.status, tt.err)
		}
	}
	// The window the page opened without a click stays blocked, as in a
	// visitor's browser.
	if n, _ := h.counts("/opened.html"); n != 0 {
		t.Errorf("the popup was opened %d times", n)
	}
}

// TestRunCancel checks that the end of the caller's context ends the
// visit at once, as an error.
func TestRunCancel(t *testing.T) {
	mux := http.NewServeMux()
	srv := serveOn(t, "127.0.0.1:0", mux)
	mux.HandleFunc("/", htmlPage(`page`))
	pages := make([]string, 40)
	for i := range pages {
		pages[i] = fmt.Sprintf("%s/%d", srv.URL, i)
	}
	opt := testOptions(t, pages)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opt.Progress = func(done, total int) { cancel() }
	start := time.Now()
	res, err := Run(ctx, opt)
	if !errors.Is(err, context.Canceled) || res != nil {
		t.Errorf("Run after cancel = %v, %v; want context.Canceled", res, err)
	}
	if d := time.Since(start); d > 45*time.Second {
		t.Errorf("Run took %v after the cancel", d)
	}
}

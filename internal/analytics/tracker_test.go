package analytics

import (
	"bytes"
	"compress/gzip"
	"testing"

	"github.com/noren-web/noren/web"
)

// trackerBudget is the most the tracker may weigh gzipped: it loads on
// every page of every site.
const trackerBudget = 1024

// TestTrackerBudget keeps web/static/a.js within its budget, gzipped at
// the level the site package caches small static files with.
func TestTrackerBudget(t *testing.T) {
	src, err := web.Static.ReadFile("static/a.js")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(src); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("a.js: %d bytes, %d gzipped (budget %d)", len(src), buf.Len(), trackerBudget)
	if buf.Len() > trackerBudget {
		t.Errorf("a.js weighs %d bytes gzipped, over the budget of %d", buf.Len(), trackerBudget)
	}
}

// TestTrackerKeepsNoState fails when the tracker's source so much as
// names the browser's means of remembering a visitor.
func TestTrackerKeepsNoState(t *testing.T) {
	src, err := web.Static.ReadFile("static/a.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, api := range []string{"document.cookie", "cookieStore", "localStorage", "sessionStorage", "indexedDB", "caches", "serviceWorker"} {
		if bytes.Contains(src, []byte(api)) {
			t.Errorf("a.js uses %s", api)
		}
	}
}

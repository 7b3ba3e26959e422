package analytics

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store/storetest"
)

// discardWriter takes every batch and keeps nothing.
type discardWriter struct{}

func (discardWriter) WriteEvents(context.Context, []Event) error { return nil }

// BenchmarkCollect measures a tracker pageview through the collector
// (parse, validate, hash, enrich, queue) next to a bare handler that only
// reads the body and answers 202, the floor any collector stands on. The
// ratio of the two is the collector's own cost.
func BenchmarkCollect(b *testing.B) {
	const body = `{"name":"pageview","url":"https://example.com/blog/2026/tea?utm_source=newsletter","domain":"example.com","referrer":"https://www.google.com/","screen_width":1280}`
	remotes := make([]string, 1000)
	for i := range remotes {
		remotes[i] = fmt.Sprintf("198.51.100.%d:4000", i%250)
	}
	run := func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			r := httptest.NewRequest(http.MethodPost, "http://example.com/api/event", strings.NewReader(body))
			r.Header.Set("User-Agent", chromeUA)
			r.Header.Set("Content-Type", "text/plain")
			r.Header.Set("Accept-Language", "ja-JP,ja;q=0.9,en;q=0.8")
			r.RemoteAddr = remotes[i%len(remotes)]
			i++
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusAccepted {
				b.Fatalf("status %d %q", w.Code, w.Body.String())
			}
		}
	}

	b.Run("bare", func(b *testing.B) {
		run(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			buf := make([]byte, maxBody+1)
			io.ReadFull(r.Body, buf)
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, "ok")
		}))
	})
	// journal is the collector as served, each event appended to the
	// journal before it is acknowledged.
	for _, journal := range []bool{false, true} {
		name := "collector"
		if journal {
			name = "journal"
		}
		b.Run(name, func(b *testing.B) {
			opt := CollectorOptions{
				Sites:  []string{"example.com"},
				Writer: discardWriter{},
				DB:     storetest.SQLite(b),
				Now:    func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) },
			}
			if journal {
				opt.JournalDir = b.TempDir()
			}
			c, err := NewCollector(context.Background(), opt)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(context.Background())
			mux := http.NewServeMux()
			c.Register(mux)
			run(b, mux)
		})
	}
}

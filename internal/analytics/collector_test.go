package analytics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// A desktop Chrome on Windows, a person's browser for every test that
// does not test bots.
const chromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// recordingWriter is a Writer that keeps every batch it is given. fail
// makes it refuse the next so many batches; gate, when set, holds every
// write until a value arrives on it.
type recordingWriter struct {
	mu       sync.Mutex
	batches  [][]Event
	fail     int
	attempts int
	gate     chan struct{}
	delay    time.Duration
	// tooOld, when set, refuses for good every batch holding an event it
	// picks, as a store does for an event past retention.
	tooOld func(Event) bool
}

func (w *recordingWriter) WriteEvents(ctx context.Context, events []Event) error {
	if w.gate != nil {
		select {
		case <-w.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if w.delay > 0 {
		time.Sleep(w.delay)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.attempts++
	if w.fail > 0 {
		w.fail--
		return errors.New("database unavailable")
	}
	if w.tooOld != nil && slices.ContainsFunc(events, w.tooOld) {
		return fmt.Errorf("store: %w", ErrTooOld)
	}
	w.batches = append(w.batches, append([]Event(nil), events...))
	return nil
}

func (w *recordingWriter) events() []Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	var all []Event
	for _, b := range w.batches {
		all = append(all, b...)
	}
	return all
}

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// collectorHarness is a collector on a fresh SQLite database with a
// recording writer and a fixed clock.
type collectorHarness struct {
	t     testing.TB
	c     *Collector
	w     *recordingWriter
	clock *testClock
	mux   *http.ServeMux
	logs  *bytes.Buffer
	reg   *prometheus.Registry
}

func newCollectorHarness(t testing.TB, db *store.DB, configure func(*CollectorOptions)) *collectorHarness {
	t.Helper()
	h := &collectorHarness{
		t:     t,
		w:     &recordingWriter{},
		clock: &testClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)},
		mux:   http.NewServeMux(),
		logs:  new(bytes.Buffer),
		reg:   prometheus.NewRegistry(),
	}
	if db == nil {
		db = storetest.SQLite(t)
	}
	opt := CollectorOptions{
		Sites:      []string{"example.com", "shop.example.com"},
		Writer:     h.w,
		DB:         db,
		Now:        h.clock.now,
		Logger:     slog.New(slog.NewJSONHandler(syncWriter(h.logs), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registerer: h.reg,
	}
	if configure != nil {
		configure(&opt)
	}
	c, err := NewCollector(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	h.c = c
	c.Register(h.mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.Close(ctx)
	})
	return h
}

// syncWriter makes a buffer safe for the writing goroutine and the
// handler goroutines to log into at once.
func syncWriter(b *bytes.Buffer) io.Writer { return &lockedWriter{b: b} }

type lockedWriter struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// request is one request to the collector.
type collectorRequest struct {
	method string
	target string
	body   string
	header map[string]string
	remote string
}

func (h *collectorHarness) do(req collectorRequest) *httptest.ResponseRecorder {
	h.t.Helper()
	if req.method == "" {
		req.method = http.MethodPost
	}
	if req.target == "" {
		req.target = "/api/event"
	}
	r := httptest.NewRequest(req.method, "http://example.com"+req.target, strings.NewReader(req.body))
	r.Header.Set("User-Agent", chromeUA)
	r.Header.Set("Content-Type", "text/plain")
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	if req.remote != "" {
		r.RemoteAddr = req.remote
	}
	rec := httptest.NewRecorder()
	h.mux.ServeHTTP(rec, r)
	return rec
}

// post sends body as the tracker does and returns the answer.
func (h *collectorHarness) post(body string) *httptest.ResponseRecorder {
	h.t.Helper()
	return h.do(collectorRequest{body: body})
}

// metric returns the value of the counter called name in the harness's
// registry, of the series whose one label has the value label (any, when
// label is "").
func (h *collectorHarness) metric(name, label string) float64 {
	h.t.Helper()
	families, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if label == "" || (len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == label) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// flush closes the collector, which writes all it accepted, and returns
// the events written.
func (h *collectorHarness) flush() []Event {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.c.Close(ctx); err != nil {
		h.t.Fatalf("close: %v", err)
	}
	return h.w.events()
}

func TestCollectPayloads(t *testing.T) {
	long := strings.Repeat("a", 301)
	manyProps := make(map[string]string)
	for i := range 31 {
		manyProps[fmt.Sprintf("k%d", i)] = "v"
	}
	many, _ := json.Marshal(map[string]any{"name": "Signup", "url": "https://example.com/", "domain": "example.com", "props": manyProps})

	type want struct {
		status int
		reason string // part of the refusal's text
		check  func(t *testing.T, e Event)
	}
	for _, tc := range []struct {
		name string
		body string
		want want
	}{
		// Plausible's documented Events API requests.
		{"plausible pageview", `{"name":"pageview","url":"http://example.com","domain":"example.com"}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Name != "pageview" || e.Path != "/" || e.Hostname != "example.com" || e.Site != "example.com" {
					t.Errorf("event %+v", e)
				}
			}}},
		{"plausible custom props", `{"name":"pageview","url":"http://example.com","domain":"example.com","props":{"author":"John Doe","logged_in":"false"}}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Props["author"] != "John Doe" || e.Props["logged_in"] != "false" || len(e.Props) != 2 {
					t.Errorf("props %v", e.Props)
				}
			}}},
		{"plausible revenue is ignored", `{"name":"Purchase","url":"http://example.com/checkout","domain":"example.com","revenue":{"currency":"USD","amount":1322.22}}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Name != "Purchase" || e.Path != "/checkout" || len(e.Props) != 0 {
					t.Errorf("event %+v", e)
				}
			}}},
		{"plausible script short names", `{"n":"pageview","u":"https://example.com/blog/?utm_source=newsletter#top","d":"example.com","r":null,"w":1280,"h":0}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Path != "/blog/" || e.Screen != "large" || e.Source != "newsletter" {
					t.Errorf("event %+v", e)
				}
			}}},
		{"plausible script props as string", `{"n":"Signup","u":"https://example.com/","d":"example.com","p":"{\"plan\":\"pro\"}"}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Props["plan"] != "pro" {
					t.Errorf("props %v", e.Props)
				}
			}}},
		{"plausible outbound name", `{"n":"Outbound Link: Click","u":"https://example.com/","d":"example.com","p":{"url":"https://other.example.org/page?token=secret#x"}}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Name != "outbound" || e.Link != "https://other.example.org/page" || len(e.Props) != 0 {
					t.Errorf("event %+v", e)
				}
			}}},
		{"hash mode", `{"n":"pageview","u":"https://example.com/app#/settings","d":"example.com","h":1}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Path != "/app#/settings" {
					t.Errorf("path %q", e.Path)
				}
			}}},
		{"tracker pageview", `{"name":"pageview","url":"https://example.com/ja/about?x=1","domain":"example.com","referrer":"https://www.google.com/","screen_width":390}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Path != "/ja/about" || e.Screen != "small" || e.Source != "Google" || e.Browser != "Chrome" || e.Device != "desktop" || e.Results != -1 {
					t.Errorf("event %+v", e)
				}
			}}},
		{"search with results", `{"name":"search","url":"https://example.com/search?q=tea","domain":"example.com","props":{"query":"tea","results":"12"}}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Search != "tea" || e.Results != 12 || len(e.Props) != 0 {
					t.Errorf("event %+v", e)
				}
			}}},
		{"search without results", `{"name":"search","url":"https://example.com/search?q=tea","domain":"example.com","props":{"query":"tea"}}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Search != "tea" || e.Results != -1 {
					t.Errorf("event %+v", e)
				}
			}}},
		{"download", `{"name":"download","url":"https://example.com/","domain":"example.com","props":{"url":"https://example.com/files/report.pdf"}}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Link != "https://example.com/files/report.pdf" {
					t.Errorf("link %q", e.Link)
				}
			}}},
		{"number and bool props", `{"name":"Signup","url":"https://example.com/","domain":"example.com","props":{"n":3,"ok":true,"none":null,"empty":""}}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Props["n"] != "3" || e.Props["ok"] != "true" || len(e.Props) != 2 {
					t.Errorf("props %v", e.Props)
				}
			}}},
		{"domain in capitals", `{"name":"pageview","url":"https://Example.COM/","domain":"Example.com"}`,
			want{status: 202, check: func(t *testing.T, e Event) {
				if e.Site != "example.com" || e.Hostname != "example.com" {
					t.Errorf("event %+v", e)
				}
			}}},

		{"not JSON", `name=pageview`, want{status: 400, reason: "not a JSON object"}},
		{"JSON array", `[1,2]`, want{status: 400, reason: "not a JSON object"}},
		{"empty body", ``, want{status: 400, reason: "not a JSON object"}},
		{"url missing", `{"name":"pageview","domain":"example.com"}`, want{status: 400, reason: "url is missing"}},
		{"domain missing", `{"name":"pageview","url":"https://example.com/"}`, want{status: 400, reason: "domain is missing"}},
		{"name missing", `{"url":"https://example.com/","domain":"example.com"}`, want{status: 400, reason: "name is missing"}},
		{"name too long", `{"name":"` + strings.Repeat("n", 121) + `","url":"https://example.com/","domain":"example.com"}`, want{status: 400, reason: "name is over 120"}},
		{"name with control", `{"name":"a\u0000b","url":"https://example.com/","domain":"example.com"}`, want{status: 400, reason: "name is not printable"}},
		{"url not http", `{"name":"pageview","url":"ftp://example.com/","domain":"example.com"}`, want{status: 400, reason: "not an absolute http"}},
		{"url relative", `{"name":"pageview","url":"/about","domain":"example.com"}`, want{status: 400, reason: "not an absolute http"}},
		{"url javascript", `{"name":"pageview","url":"javascript:alert(1)","domain":"example.com"}`, want{status: 400, reason: "not an absolute http"}},
		{"url wrong type", `{"name":"pageview","url":5,"domain":"example.com"}`, want{status: 400, reason: "wrong type"}},
		{"domain not served", `{"name":"pageview","url":"https://example.com/","domain":"other.example"}`, want{status: 400, reason: "not a site this collector serves"}},
		{"one of two domains not served", `{"name":"pageview","url":"https://example.com/","domain":"example.com,other.example"}`, want{status: 400, reason: "not a site"}},
		{"too many props", string(many), want{status: 400, reason: "more than 30 props"}},
		{"prop value too long", `{"name":"x","url":"https://example.com/","domain":"example.com","props":{"k":"` + long + `"}}`, want{status: 400, reason: "prop value"}},
		{"prop key too long", `{"name":"x","url":"https://example.com/","domain":"example.com","props":{"` + long + `":"v"}}`, want{status: 400, reason: "prop key"}},
		{"prop object value", `{"name":"x","url":"https://example.com/","domain":"example.com","props":{"k":{"a":1}}}`, want{status: 400, reason: "strings, numbers or booleans"}},
		{"props not an object", `{"name":"x","url":"https://example.com/","domain":"example.com","props":[1]}`, want{status: 400, reason: "props is not a JSON object"}},
		{"path too long", `{"name":"pageview","url":"https://example.com/` + strings.Repeat("p", 2000) + `","domain":"example.com"}`, want{status: 400, reason: "path is over 2000"}},
		{"path with NUL", `{"name":"pageview","url":"https://example.com/a%00b","domain":"example.com"}`, want{status: 400, reason: "path is not printable"}},
		{"outbound without url", `{"name":"outbound","url":"https://example.com/","domain":"example.com"}`, want{status: 400, reason: "needs a url prop"}},
		{"outbound to mailto", `{"name":"outbound","url":"https://example.com/","domain":"example.com","props":{"url":"mailto:a@example.com"}}`, want{status: 400, reason: "url prop"}},
		{"search without query", `{"name":"search","url":"https://example.com/","domain":"example.com"}`, want{status: 400, reason: "needs a query prop"}},
		{"search bad results", `{"name":"search","url":"https://example.com/","domain":"example.com","props":{"query":"q","results":"-1"}}`, want{status: 400, reason: "results prop"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newCollectorHarness(t, nil, nil)
			rec := h.post(tc.body)
			if rec.Code != tc.want.status {
				t.Fatalf("status %d (%q), want %d", rec.Code, rec.Body.String(), tc.want.status)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			events := h.flush()
			if tc.want.status != http.StatusAccepted {
				if !strings.Contains(rec.Body.String(), tc.want.reason) {
					t.Errorf("refusal %q does not say %q", rec.Body.String(), tc.want.reason)
				}
				if len(events) != 0 {
					t.Errorf("a refused event was stored: %+v", events)
				}
				return
			}
			if rec.Body.String() != "ok" {
				t.Errorf("body %q, want ok", rec.Body.String())
			}
			if len(events) != 1 {
				t.Fatalf("%d events stored, want 1", len(events))
			}
			e := events[0]
			if e.Visitor == 0 || !e.Time.Equal(h.clock.now()) {
				t.Errorf("visitor %d, time %v", e.Visitor, e.Time)
			}
			tc.want.check(t, e)
		})
	}
}

func TestCollectStatuses(t *testing.T) {
	valid := `{"name":"pageview","url":"https://example.com/","domain":"example.com"}`
	for _, tc := range []struct {
		name   string
		req    collectorRequest
		status int
		header map[string]string // response headers wanted
		stored int
	}{
		{"accepted", collectorRequest{body: valid}, 202, nil, 1},
		{"GET on the API", collectorRequest{method: "GET"}, 405, map[string]string{"Allow": "POST, OPTIONS"}, 0},
		{"PUT on the API", collectorRequest{method: "PUT", body: valid}, 405, nil, 0},
		{"HEAD on the API", collectorRequest{method: "HEAD"}, 405, map[string]string{"Allow": "POST, OPTIONS"}, 0},
		{"POST on the pixel", collectorRequest{target: "/api/event.gif", body: valid}, 405, map[string]string{"Allow": "GET, HEAD"}, 0},
		{"body over 8 KB", collectorRequest{body: valid + strings.Repeat(" ", maxBody)}, 413, nil, 0},
		{"body of exactly 8 KB", collectorRequest{body: valid + strings.Repeat(" ", maxBody-len(valid))}, 202, nil, 1},
		{"same origin", collectorRequest{body: valid, header: map[string]string{"Origin": "http://example.com"}}, 202,
			map[string]string{"Access-Control-Allow-Origin": ""}, 1},
		{"other origin", collectorRequest{body: valid, header: map[string]string{"Origin": "https://evil.example"}}, 403,
			map[string]string{"Access-Control-Allow-Origin": ""}, 0},
		{"null origin", collectorRequest{body: valid, header: map[string]string{"Origin": "null"}}, 403, nil, 0},
		{"allowed origin", collectorRequest{body: valid, header: map[string]string{"Origin": "https://blog.example.net"}}, 202,
			map[string]string{"Access-Control-Allow-Origin": "https://blog.example.net", "Vary": "Origin"}, 1},
		{"preflight from allowed origin", collectorRequest{method: "OPTIONS", header: map[string]string{"Origin": "https://blog.example.net"}}, 204,
			map[string]string{"Access-Control-Allow-Origin": "https://blog.example.net", "Access-Control-Allow-Methods": "POST"}, 0},
		{"preflight from other origin", collectorRequest{method: "OPTIONS", header: map[string]string{"Origin": "https://evil.example"}}, 403,
			map[string]string{"Access-Control-Allow-Origin": ""}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newCollectorHarness(t, nil, func(o *CollectorOptions) { o.AllowOrigins = []string{"https://blog.example.net"} })
			rec := h.do(tc.req)
			if rec.Code != tc.status {
				t.Fatalf("status %d (%q), want %d", rec.Code, rec.Body.String(), tc.status)
			}
			for k, v := range tc.header {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if n := len(h.flush()); n != tc.stored {
				t.Errorf("%d events stored, want %d", n, tc.stored)
			}
		})
	}
}

// countingReader is an endless body that counts what is read of it.
type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	r.n += len(p)
	return len(p), nil
}

// TestCollectReadsAtMost8KB sends an endless body of unknown length: the
// collector refuses it after reading at most 8 KB and a byte.
func TestCollectReadsAtMost8KB(t *testing.T) {
	h := newCollectorHarness(t, nil, nil)
	body := &countingReader{}
	r := httptest.NewRequest(http.MethodPost, "http://example.com/api/event", body)
	r.ContentLength = -1
	r.Header.Set("User-Agent", chromeUA)
	rec := httptest.NewRecorder()
	h.mux.ServeHTTP(rec, r)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", rec.Code)
	}
	if body.n > maxBody+1 {
		t.Errorf("read %d bytes of the body, want at most %d", body.n, maxBody+1)
	}

	// A declared length over the limit is refused before any reading.
	body = &countingReader{}
	r = httptest.NewRequest(http.MethodPost, "http://example.com/api/event", body)
	r.ContentLength = 1 << 20
	r.Header.Set("User-Agent", chromeUA)
	rec = httptest.NewRecorder()
	h.mux.ServeHTTP(rec, r)
	if rec.Code != http.StatusRequestEntityTooLarge || body.n != 0 {
		t.Errorf("status %d after reading %d bytes, want 413 after none", rec.Code, body.n)
	}
}

func TestBotsAreAnsweredButNotStored(t *testing.T) {
	valid := `{"name":"pageview","url":"https://example.com/","domain":"example.com"}`
	for _, tc := range []struct {
		name   string
		header map[string]string
	}{
		{"Googlebot", map[string]string{"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}},
		{"headless Chrome", map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36"}},
		{"curl", map[string]string{"User-Agent": "curl/8.5.0"}},
		{"no user agent", map[string]string{"User-Agent": ""}},
		{"link preview", map[string]string{"X-Purpose": "preview"}},
		{"prefetch", map[string]string{"Purpose": "prefetch"}},
		{"speculative prerender", map[string]string{"Sec-Purpose": "prefetch;prerender"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newCollectorHarness(t, nil, nil)
			rec := h.do(collectorRequest{body: valid, header: tc.header})
			if rec.Code != http.StatusAccepted || rec.Body.String() != "ok" {
				t.Errorf("status %d %q, want 202 ok", rec.Code, rec.Body.String())
			}
			pix := h.do(collectorRequest{method: "GET", target: "/api/event.gif?u=https%3A%2F%2Fexample.com%2F", header: tc.header})
			if pix.Code != http.StatusOK || !bytes.Equal(pix.Body.Bytes(), transparentGIF) {
				t.Errorf("pixel: status %d, %d bytes; want 200 and the GIF", pix.Code, pix.Body.Len())
			}
			if events := h.flush(); len(events) != 0 {
				t.Errorf("a bot's events were stored: %+v", events)
			}
			if got := h.metric("noren_analytics_requests_total", outcomeBot); got != 2 {
				t.Errorf("bot requests counted %v, want 2", got)
			}
		})
	}
}

func TestDeclinedVisitorsAreAnsweredButNotStored(t *testing.T) {
	valid := `{"name":"pageview","url":"https://example.com/","domain":"example.com"}`
	h := newCollectorHarness(t, nil, func(o *CollectorOptions) {
		o.Allow = func(r *http.Request) bool { return r.Header.Get("X-Allowed") == "yes" }
	})
	ua := map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"}
	allowed := map[string]string{"User-Agent": ua["User-Agent"], "X-Allowed": "yes"}
	for _, header := range []map[string]string{ua, allowed} {
		if rec := h.do(collectorRequest{body: valid, header: header}); rec.Code != http.StatusAccepted || rec.Body.String() != "ok" {
			t.Errorf("status %d %q, want 202 ok", rec.Code, rec.Body.String())
		}
		pix := h.do(collectorRequest{method: "GET", target: "/api/event.gif?u=https%3A%2F%2Fexample.com%2F", header: header})
		if pix.Code != http.StatusOK || !bytes.Equal(pix.Body.Bytes(), transparentGIF) {
			t.Errorf("pixel: status %d, %d bytes; want 200 and the GIF", pix.Code, pix.Body.Len())
		}
	}
	if events := h.flush(); len(events) != 2 {
		t.Errorf("stored %d events, want the allowed visitor's 2", len(events))
	}
	if got := h.metric("noren_analytics_requests_total", outcomeDeclined); got != 2 {
		t.Errorf("declined requests counted %v, want 2", got)
	}
}

func TestPixel(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target string
		header map[string]string
		status int
		want   Event // the fields checked
	}{
		{"explicit page", "/api/event.gif?u=https%3A%2F%2Fexample.com%2Fja%2F%3Futm_source%3Dflyer&r=https%3A%2F%2Fsearch.yahoo.co.jp%2F", nil,
			200, Event{Site: "example.com", Name: "pageview", Path: "/ja/", Source: "flyer"}},
		{"named event and domain", "/api/event.gif?u=https%3A%2F%2Fshop.example.com%2Fcart&n=Checkout&d=shop.example.com", nil,
			200, Event{Site: "shop.example.com", Name: "Checkout", Path: "/cart"}},
		{"page from the Referer", "/api/event.gif", map[string]string{"Referer": "https://example.com/contact?id=7"},
			200, Event{Site: "example.com", Name: "pageview", Path: "/contact"}},
		{"www host of a site", "/api/event.gif", map[string]string{"Referer": "https://www.example.com/"},
			200, Event{Site: "example.com", Name: "pageview", Path: "/"}},
		{"no page at all", "/api/event.gif", nil, 400, Event{}},
		{"Referer from a site not served", "/api/event.gif", map[string]string{"Referer": "https://elsewhere.example/"}, 400, Event{}},
		{"bad name", "/api/event.gif?u=https%3A%2F%2Fexample.com%2F&n=" + strings.Repeat("x", 121), nil, 400, Event{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newCollectorHarness(t, nil, nil)
			rec := h.do(collectorRequest{method: "GET", target: tc.target, header: tc.header})
			if rec.Code != tc.status {
				t.Fatalf("status %d (%q), want %d", rec.Code, rec.Body.String(), tc.status)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", rec.Header().Get("Cache-Control"))
			}
			events := h.flush()
			if tc.status != http.StatusOK {
				if len(events) != 0 {
					t.Errorf("refused pixel stored %+v", events)
				}
				return
			}
			if rec.Header().Get("Content-Type") != "image/gif" || rec.Body.Len() != 43 || !bytes.Equal(rec.Body.Bytes(), transparentGIF) {
				t.Errorf("answer %q, %d bytes; want the 43-byte GIF", rec.Header().Get("Content-Type"), rec.Body.Len())
			}
			if len(events) != 1 {
				t.Fatalf("%d events stored, want 1", len(events))
			}
			e := events[0]
			if e.Site != tc.want.Site || e.Name != tc.want.Name || e.Path != tc.want.Path || e.Source != tc.want.Source {
				t.Errorf("event %+v, want %+v", e, tc.want)
			}
		})
	}
}

// TestPixelHead answers HEAD with the headers of the GIF and no body.
func TestPixelHead(t *testing.T) {
	h := newCollectorHarness(t, nil, nil)
	rec := h.do(collectorRequest{method: "HEAD", target: "/api/event.gif?u=https%3A%2F%2Fexample.com%2F"})
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != "43" {
		t.Errorf("HEAD: status %d, body %d bytes, Content-Length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
}

// TestSeveralDomains sends one event to two sites, as Plausible's
// comma-separated data-domain does: each site stores it, each with its
// own visitor id.
func TestSeveralDomains(t *testing.T) {
	h := newCollectorHarness(t, nil, nil)
	if rec := h.post(`{"name":"pageview","url":"https://shop.example.com/","domain":"shop.example.com, example.com"}`); rec.Code != 202 {
		t.Fatalf("status %d %q", rec.Code, rec.Body.String())
	}
	events := h.flush()
	if len(events) != 2 || events[0].Site != "shop.example.com" || events[1].Site != "example.com" {
		t.Fatalf("events %+v", events)
	}
	if events[0].Visitor == events[1].Visitor {
		t.Errorf("one visitor id on two sites: the sites' counts could be joined")
	}
}

// TestNoAddressOrUserAgentStoredOrLogged sends events from a recognisable
// address and user agent, through a writer that fails at first so that
// the failure path logs too, and checks that neither reaches the writer
// or the log.
func TestNoAddressOrUserAgentStoredOrLogged(t *testing.T) {
	const (
		addr   = "198.51.100.173"
		addr6  = "2001:db8:4:5:6:7:8:9"
		marker = "Tracer/7.3.1-unique"
	)
	ua := chromeUA + " " + marker
	h := newCollectorHarness(t, nil, nil)
	h.w.fail = 2
	for _, req := range []collectorRequest{
		{body: `{"name":"pageview","url":"https://example.com/","domain":"example.com","referrer":"https://www.google.com/"}`, remote: addr + ":5555"},
		{body: `{"name":"Signup","url":"https://example.com/","domain":"example.com","props":{"plan":"pro"}}`, remote: "[" + addr6 + "]:5555"},
		{method: "GET", target: "/api/event.gif", header: map[string]string{"Referer": "https://example.com/x"}, remote: addr + ":5555"},
		{body: `not json`, remote: addr + ":5555"},
		{body: `{"name":"pageview","url":"https://example.com/","domain":"not-served.example"}`, remote: addr + ":5555"},
	} {
		if req.header == nil {
			req.header = map[string]string{}
		}
		req.header["User-Agent"] = ua
		h.do(req)
	}
	events := h.flush()
	if len(events) != 3 {
		t.Fatalf("%d events stored, want 3", len(events))
	}
	stored := fmt.Sprintf("%#v", events)
	logs := h.logs.String()
	if !strings.Contains(logs, "write events failed") {
		t.Fatalf("the failing writer was not logged; logs:\n%s", logs)
	}
	for _, secret := range []string{addr, addr6, marker, "198.51.100.", "2001:db8:4:"} {
		if strings.Contains(stored, secret) {
			t.Errorf("stored events hold %q: %s", secret, stored)
		}
		if strings.Contains(logs, secret) {
			t.Errorf("logs hold %q:\n%s", secret, logs)
		}
	}
}

// TestCloseWritesEverythingAccepted accepts events faster than a slow
// writer takes them, then closes: every accepted event is written, in
// batches of at most 1,000.
func TestCloseWritesEverythingAccepted(t *testing.T) {
	h := newCollectorHarness(t, nil, nil)
	h.w.delay = 20 * time.Millisecond
	const n = 2500
	for i := range n {
		rec := h.post(fmt.Sprintf(`{"name":"pageview","url":"https://example.com/p/%d","domain":"example.com"}`, i))
		if rec.Code != http.StatusAccepted {
			t.Fatalf("event %d: status %d", i, rec.Code)
		}
	}
	events := h.flush()
	if len(events) != n {
		t.Fatalf("%d events written after close, want %d", len(events), n)
	}
	seen := make(map[string]bool)
	for _, e := range events {
		seen[e.Path] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct events written, want %d", len(seen), n)
	}
	for i, b := range h.w.batches {
		if len(b) > batchSize {
			t.Errorf("batch %d holds %d events, over %d", i, len(b), batchSize)
		}
	}
	if rec := h.post(`{"name":"pageview","url":"https://example.com/","domain":"example.com"}`); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("after close: status %d, want 503", rec.Code)
	}
}

// TestQueueFull holds the writer while events arrive: once the queue is
// full the collector answers 503 with Retry-After instead of accepting
// events it could lose, and every event it did accept is written once
// the writer moves again.
func TestQueueFull(t *testing.T) {
	gate := make(chan struct{})
	h := newCollectorHarness(t, nil, func(o *CollectorOptions) { o.QueueSize = 10 })
	h.w.gate = gate
	accepted, refused := 0, 0
	for i := range 1100 {
		rec := h.post(fmt.Sprintf(`{"name":"pageview","url":"https://example.com/%d","domain":"example.com"}`, i))
		switch rec.Code {
		case http.StatusAccepted:
			accepted++
		case http.StatusServiceUnavailable:
			refused++
			if rec.Header().Get("Retry-After") == "" {
				t.Fatalf("503 without Retry-After")
			}
		default:
			t.Fatalf("status %d", rec.Code)
		}
	}
	if refused == 0 {
		t.Fatalf("all %d events accepted with a queue of 10 and a stalled writer", accepted)
	}
	close(gate)
	if got := len(h.flush()); got != accepted {
		t.Errorf("%d events written, want the %d accepted", got, accepted)
	}
	if got := h.metric("noren_analytics_requests_total", outcomeOverloaded); int(got) != refused {
		t.Errorf("overloaded counter %v, want %d", got, refused)
	}
}

// TestFailedBatchIsRetried makes the writer fail twice: the batch is
// written on the third attempt, once, and both failures are counted and
// logged.
func TestFailedBatchIsRetried(t *testing.T) {
	h := newCollectorHarness(t, nil, nil)
	h.w.fail = 2
	if rec := h.post(`{"name":"pageview","url":"https://example.com/","domain":"example.com"}`); rec.Code != 202 {
		t.Fatalf("status %d", rec.Code)
	}
	events := h.flush()
	if len(events) != 1 || h.w.attempts != 3 {
		t.Errorf("%d events written after %d attempts, want 1 after 3", len(events), h.w.attempts)
	}
	if got := h.metric("noren_analytics_write_failures_total", ""); got != 2 {
		t.Errorf("write failures counted %v, want 2", got)
	}
	if got := strings.Count(h.logs.String(), "write events failed"); got != 2 {
		t.Errorf("%d failures logged, want 2", got)
	}
}

// TestEventsRefusedForGoodAreDropped has the writer refuse one event of a
// batch for good: the others are written, the one is dropped, counted and
// logged, and the queue moves on instead of retrying forever.
func TestEventsRefusedForGoodAreDropped(t *testing.T) {
	h := newCollectorHarness(t, nil, nil)
	h.w.tooOld = func(e Event) bool { return e.Path == "/old" }
	for _, path := range []string{"/a", "/old", "/b"} {
		if rec := h.post(`{"name":"pageview","url":"https://example.com` + path + `","domain":"example.com"}`); rec.Code != 202 {
			t.Fatalf("status %d", rec.Code)
		}
	}
	var paths []string
	for _, e := range h.flush() {
		paths = append(paths, e.Path)
	}
	if !slices.Equal(paths, []string{"/a", "/b"}) {
		t.Errorf("written %v, want [/a /b]", paths)
	}
	if got := h.metric("noren_analytics_events_dropped_total", ""); got != 1 {
		t.Errorf("dropped events counted %v, want 1", got)
	}
	if !strings.Contains(h.logs.String(), "events dropped") {
		t.Errorf("the dropped event was not logged:\n%s", h.logs.String())
	}
}

// TestCloseGivesUpWhenContextEnds closes with a writer that never
// recovers: Close returns when its context ends, and says how many
// accepted events were lost, in its error and in the log.
func TestCloseGivesUpWhenContextEnds(t *testing.T) {
	h := newCollectorHarness(t, nil, nil)
	h.w.fail = 1 << 30
	for range 3 {
		h.post(`{"name":"pageview","url":"https://example.com/","domain":"example.com"}`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := h.c.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "3 accepted events not written") {
		t.Errorf("close: %v, want 3 events reported lost", err)
	}
	if !strings.Contains(h.logs.String(), "not written before shutdown") {
		t.Errorf("the loss was not logged:\n%s", h.logs.String())
	}
}

func TestNewCollectorRefusesBadOptions(t *testing.T) {
	db := storetest.SQLite(t)
	w := &recordingWriter{}
	for _, tc := range []struct {
		name string
		opt  CollectorOptions
	}{
		{"no sites", CollectorOptions{Writer: w, DB: db}},
		{"no writer", CollectorOptions{Sites: []string{"example.com"}, DB: db}},
		{"no database", CollectorOptions{Sites: []string{"example.com"}, Writer: w}},
		{"origin with a path", CollectorOptions{Sites: []string{"example.com"}, Writer: w, DB: db, AllowOrigins: []string{"https://example.net/app"}}},
		{"origin without scheme", CollectorOptions{Sites: []string{"example.com"}, Writer: w, DB: db, AllowOrigins: []string{"example.net"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if c, err := NewCollector(context.Background(), tc.opt); err == nil {
				c.Close(context.Background())
				t.Errorf("NewCollector accepted %+v", tc.opt)
			}
		})
	}
}

// TestRegisterBesideCatchAll registers the collector on muxes that
// already serve a site at "/" or "GET /", as Noren's server does: the
// patterns must not conflict, and the collector's must win.
func TestRegisterBesideCatchAll(t *testing.T) {
	for _, catchAll := range []string{"/", "GET /"} {
		t.Run(catchAll, func(t *testing.T) {
			h := newCollectorHarness(t, nil, nil)
			mux := http.NewServeMux()
			mux.HandleFunc(catchAll, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
			h.c.Register(mux)
			h.mux = mux
			if rec := h.post(`{"name":"pageview","url":"https://example.com/","domain":"example.com"}`); rec.Code != http.StatusAccepted {
				t.Errorf("POST /api/event: %d", rec.Code)
			}
			if rec := h.do(collectorRequest{method: "GET", target: "/api/event.gif?u=https%3A%2F%2Fexample.com%2F"}); rec.Code != http.StatusOK {
				t.Errorf("GET /api/event.gif: %d", rec.Code)
			}
			if rec := h.do(collectorRequest{method: "GET"}); rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("GET /api/event: %d", rec.Code)
			}
		})
	}
}

// TestNetworkLimit: a network that sends more than its share is answered
// 429 with Retry-After before its body is read, and counted as limited;
// its neighbours in the same /24 share its limit, other networks do not,
// and the pixel obeys the same limit.
func TestNetworkLimit(t *testing.T) {
	h := newCollectorHarness(t, nil, func(o *CollectorOptions) { o.Limiter = ratelimit.New(1, 5, 0) })
	body := `{"name":"pageview","url":"https://example.com/","domain":"example.com"}`
	codes := map[int]int{}
	for i := range 20 {
		rec := h.do(collectorRequest{body: body, remote: fmt.Sprintf("203.0.113.%d:5000", i)})
		codes[rec.Code]++
		if rec.Code == http.StatusTooManyRequests && rec.Header().Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if codes[http.StatusAccepted] != 5 || codes[http.StatusTooManyRequests] != 15 {
		t.Errorf("answers %v; want 5 accepted and 15 limited", codes)
	}
	if rec := h.do(collectorRequest{body: body, remote: "198.51.100.1:5000"}); rec.Code != http.StatusAccepted {
		t.Errorf("another network: status %d", rec.Code)
	}
	if rec := h.do(collectorRequest{method: http.MethodGet, target: "/api/event.gif?d=example.com&u=https://example.com/", remote: "203.0.113.1:5000"}); rec.Code != http.StatusTooManyRequests {
		t.Errorf("pixel from a limited network: status %d", rec.Code)
	}
	// A malformed body from a limited network is refused for its rate,
	// not read.
	if rec := h.do(collectorRequest{body: "{", remote: "203.0.113.1:5000"}); rec.Code != http.StatusTooManyRequests {
		t.Errorf("malformed body from a limited network: status %d", rec.Code)
	}
	if got := h.metric("noren_analytics_requests_total", outcomeLimited); got != 17 {
		t.Errorf("limited counter %v, want 17", got)
	}
	if got := len(h.flush()); got != 6 {
		t.Errorf("%d events written, want 6", got)
	}
}

package reports

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/store/storetest"
)

const chromiumReport = `{"csp-report":{"document-uri":"http://www.example.jp/ja/news/?id=1","referrer":"https://search.example/?q=me",` +
	`"violated-directive":"script-src-elem","effective-directive":"script-src-elem","original-policy":"script-src 'self'",` +
	`"disposition":"enforce","blocked-uri":"https://tags.example/t.js?uid=42","status-code":200,"script-sample":""}}`

// post sends body to h as a request from addr to www.example.jp.
func post(h http.Handler, method, ct, body, addr string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://www.example.jp"+Path, strings.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 HeadlessChrome/156")
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	server.ClientAddrs(nil)(h).ServeHTTP(rec, req)
	return rec
}

// TestHandler checks every answer of the endpoint, and that each refusal
// leaves the counts as they were: only the reports answered 204 reach
// the table.
func TestHandler(t *testing.T) {
	db := storetest.SQLite(t)
	s := newStore(t, db)
	reg := prometheus.NewRegistry()
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	r, err := New(Options{Store: s, Location: tokyo, RateLimit: 60, RateBurst: 3, Registerer: reg,
		Hosts: func() []string { return []string{"example.jp"} }, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	huge := `{"csp-report":{"document-uri":"http://www.example.jp/","blocked-uri":"` + strings.Repeat("a", MaxBody) + `"}}`
	other := strings.Replace(chromiumReport, "www.example.jp", "evil.example", 1)
	apex := strings.Replace(chromiumReport, "www.example.jp", "example.jp", 1)
	tests := []struct {
		name, method, ct, body, addr string
		status                       int
		counted                      int
	}{
		// 192.0.2.0/24 spends its burst of 3 on the form, the malformed
		// and the huge request: the limit comes before the body is read,
		// the method check before the limit.
		{"get", "GET", "", "", "192.0.2.1", http.StatusMethodNotAllowed, 0},
		{"form", "POST", "application/x-www-form-urlencoded", "a=b", "192.0.2.1", http.StatusBadRequest, 0},
		{"malformed", "POST", TypeCSPReport, `{"csp-report":`, "192.0.2.1", http.StatusBadRequest, 0},
		{"huge", "POST", TypeCSPReport, huge, "192.0.2.2", http.StatusRequestEntityTooLarge, 0},
		{"flood", "POST", TypeCSPReport, chromiumReport, "192.0.2.200", http.StatusTooManyRequests, 0},
		{"other site", "POST", TypeCSPReport, other, "203.0.113.5", http.StatusNoContent, 0},
		{"report", "POST", TypeCSPReport, chromiumReport, "203.0.113.5", http.StatusNoContent, 1},
		{"site's other host", "POST", "application/json", apex, "203.0.113.5", http.StatusNoContent, 1},
		{"reports+json", "POST", TypeReports, `[{"type":"csp-violation","url":"http://www.example.jp/en/","body":{"documentURL":"http://www.example.jp/en/","blockedURL":"inline","effectiveDirective":"style-src-attr"}}]`, "198.51.100.7", http.StatusNoContent, 1},
		{"another network", "POST", TypeCSPReport, chromiumReport, "198.51.100.1", http.StatusNoContent, 1},
	}
	want := 0
	for _, tt := range tests {
		rec := post(r, tt.method, tt.ct, tt.body, tt.addr)
		if rec.Code != tt.status {
			t.Fatalf("%s: status %d, want %d: %s", tt.name, rec.Code, tt.status, rec.Body)
		}
		if tt.status == http.StatusTooManyRequests && rec.Header().Get("Retry-After") != "1" {
			t.Errorf("%s: Retry-After %q", tt.name, rec.Header().Get("Retry-After"))
		}
		want += tt.counted
		if err := r.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Since(t.Context(), "2000-01-01")
		if err != nil {
			t.Fatal(err)
		}
		var got int
		for _, row := range rows {
			got += int(row.Count)
		}
		if got != want {
			t.Fatalf("after %s: %d reports stored, want %d", tt.name, got, want)
		}
	}
	rows, _ := s.Since(t.Context(), "2000-01-01")
	keys := map[Key]int64{}
	for _, row := range rows {
		keys[row.Key] = row.Count
	}
	for k, n := range map[Key]int64{
		{Host: "tags.example", Directive: "script-src-elem", Path: "/ja/news/"}: 3,
		{Host: LabelInline, Directive: "style-src-attr", Path: "/en/"}:          1,
	} {
		if keys[k] != n {
			t.Errorf("%+v counted %d, want %d (all: %v)", k, keys[k], n, keys)
		}
	}
	for name, want := range map[string]float64{"method": 1, "malformed": 2, "size": 1, "rate": 1} {
		if got := metricValue(t, reg, "noren_csp_report_requests_refused_total", name); got != want {
			t.Errorf("refused %s: %v, want %v", name, got, want)
		}
	}
	if got := metricValue(t, reg, "noren_csp_reports_dropped_total", dropOtherSite); got != 1 {
		t.Errorf("dropped other site: %v", got)
	}
	if got := metricValue(t, reg, "noren_csp_reports_accepted_total", ""); got != 4 {
		t.Errorf("accepted: %v", got)
	}
}

// TestHandlerRefusesLongBodyWithoutLength checks that a chunked body past
// MaxBody, which announces no length, is cut off and refused too.
func TestHandlerRefusesLongBodyWithoutLength(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte(" "), MaxBody+1)
	req := httptest.NewRequest("POST", "http://www.example.jp"+Path, struct{ *bytes.Reader }{bytes.NewReader(body)})
	req.ContentLength = -1
	req.Header.Set("Content-Type", TypeCSPReport)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || r.Counter().Len() != 0 {
		t.Errorf("status %d, %d keys", rec.Code, r.Counter().Len())
	}
}

// TestNoLimit checks that a rate limit of 0 lets every request through.
func TestNoLimit(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		if rec := post(r, "POST", TypeCSPReport, chromiumReport, "192.0.2.1"); rec.Code != http.StatusNoContent {
			t.Fatalf("status %d", rec.Code)
		}
	}
	counts, _ := r.Counter().Take()
	if n := counts[Key{Host: "tags.example", Directive: "script-src-elem", Path: "/ja/news/"}]; n == nil || n.N != 1000 {
		t.Errorf("counted %+v", n)
	}
}

// BenchmarkHandler measures one report through the endpoint: rate limit,
// body, parse and count, on many networks so that the limit does not
// refuse them.
func BenchmarkHandler(b *testing.B) {
	r, err := New(Options{RateLimit: 1 << 20, RateBurst: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	h := server.ClientAddrs(nil)(r)
	body := []byte(chromiumReport)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.RunParallel(func(pb *testing.PB) {
		rec := httptest.NewRecorder()
		for pb.Next() {
			req := httptest.NewRequest("POST", "http://www.example.jp"+Path, bytes.NewReader(body))
			req.Header.Set("Content-Type", TypeCSPReport)
			req.RemoteAddr = "192.0.2.1:4000"
			h.ServeHTTP(rec, req)
		}
	})
}

// BenchmarkBareHandler is BenchmarkHandler's baseline: the same requests
// to a handler that reads the body and answers 204, nothing else.
func BenchmarkBareHandler(b *testing.B) {
	h := server.ClientAddrs(nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	body := []byte(chromiumReport)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.RunParallel(func(pb *testing.PB) {
		rec := httptest.NewRecorder()
		for pb.Next() {
			req := httptest.NewRequest("POST", "http://www.example.jp"+Path, bytes.NewReader(body))
			req.Header.Set("Content-Type", TypeCSPReport)
			req.RemoteAddr = "192.0.2.1:4000"
			h.ServeHTTP(rec, req)
		}
	})
}

// TestFlushWhileCounting flushes again and again while reports arrive
// from several goroutines: every report answered 204 is stored once.
func TestFlushWhileCounting(t *testing.T) {
	s := newStore(t, storetest.SQLite(t))
	r, err := New(Options{Store: s, Location: tokyo, MaxKeys: 50})
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 4, 300
	done := make(chan struct{})
	flushed := make(chan error, 1)
	go func() {
		for {
			select {
			case <-done:
				flushed <- r.Flush(t.Context())
				return
			default:
				if err := r.Flush(t.Context()); err != nil {
					flushed <- err
					return
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				body := strings.Replace(chromiumReport, "/ja/news/", fmt.Sprintf("/w%d/p%d", w, i%80), 1)
				if rec := post(r, "POST", TypeCSPReport, body, "192.0.2.1"); rec.Code != http.StatusNoContent {
					t.Errorf("status %d", rec.Code)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	rows, err := s.Since(t.Context(), "2000-01-01")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, row := range rows {
		total += row.Count
	}
	if total != workers*each {
		t.Errorf("%d reports stored, want %d", total, workers*each)
	}
}

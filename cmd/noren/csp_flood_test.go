package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCSPReportFlood floods /api/csp-report from one network and from
// many while a visitor records a consent choice and sends the contact
// form: the one network is answered 429 with Retry-After once its burst
// is spent, every report answered 204 is counted and no other, and the
// consent and contact endpoints keep answering.
func TestCSPReportFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("floods Noren for several seconds")
	}
	dir := t.TempDir()
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0", "--trusted-proxies", "127.0.0.0/8", "--log-level", "warn")
	form := fetchContactForm(t, p.url, "198.18.0.10", 0)

	report := func(path string) string {
		return `{"csp-report":{"document-uri":"` + p.url + path + `?q=1","blocked-uri":"https://flood.example/t.js","effective-directive":"script-src-elem"}}`
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	var ok, limited, other atomic.Int64
	var badRetry atomic.Value
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				// Four workers share one network; the others spread
				// over many, each within its burst.
				addr := "192.0.2.1"
				if w >= 4 {
					addr = fmt.Sprintf("10.%d.%d.1", w, i%250)
				}
				req, _ := http.NewRequest("POST", p.url+"/api/csp-report", strings.NewReader(report(fmt.Sprintf("/en/p%d", i%50))))
				req.Header.Set("Content-Type", "application/csp-report")
				req.Header.Set("X-Forwarded-For", addr)
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusNoContent:
					ok.Add(1)
				case http.StatusTooManyRequests:
					limited.Add(1)
					if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
						badRetry.Store(resp.Header.Get("Retry-After"))
					}
				default:
					other.Add(1)
				}
			}
		})
	}

	time.Sleep(time.Second)
	plain := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", p.url+"/api/consent", strings.NewReader(`{"categories":{"analytics":true},"method":"banner","lang":"en"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", "198.19.0.1")
	resp, err := plain.Do(req)
	if err != nil {
		t.Fatalf("consent during the flood: %v", err)
	}
	var answer struct{ Receipt string }
	err = json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || answer.Receipt == "" {
		t.Errorf("consent during the flood: status %d, %v", resp.StatusCode, err)
	}
	if wait := 3500*time.Millisecond - time.Since(form.fetched); wait > 0 {
		time.Sleep(wait)
	}
	req, _ = http.NewRequest("POST", p.url+"/en/contact/form", strings.NewReader(form.values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "198.18.0.10")
	resp, err = plain.Do(req)
	if err != nil {
		t.Fatalf("contact during the flood: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "ref=") {
		t.Errorf("contact during the flood: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	wg.Wait()

	t.Logf("reports answered 204: %d, 429: %d, other: %d", ok.Load(), limited.Load(), other.Load())
	if limited.Load() == 0 || ok.Load() == 0 || other.Load() != 0 {
		t.Errorf("204 %d, 429 %d, other %d: want both of the first and none of the last", ok.Load(), limited.Load(), other.Load())
	}
	if v := badRetry.Load(); v != nil {
		t.Errorf("a 429 with Retry-After %q", v)
	}
	resp, err = http.Get(p.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics := readAll(t, resp)
	accepted := -1.0
	for _, line := range strings.Split(metrics, "\n") {
		if v, found := strings.CutPrefix(line, "noren_csp_reports_accepted_total "); found {
			accepted, _ = strconv.ParseFloat(v, 64)
		}
	}
	if accepted != float64(ok.Load()) {
		t.Errorf("%v reports counted, want the %d answered 204", accepted, ok.Load())
	}
	if !strings.Contains(metrics, `noren_csp_report_requests_refused_total{reason="rate"} `+strconv.FormatInt(limited.Load(), 10)) {
		t.Errorf("the metrics do not count the %d requests refused:\n%s", limited.Load(), grepLines(metrics, "noren_csp_"))
	}
}

// grepLines returns the lines of s that start with prefix.
func grepLines(s, prefix string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, prefix) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

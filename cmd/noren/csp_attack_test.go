package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/scan/history"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestCSPFloodSparesConsentLatency floods /api/csp-report with reports
// that are each a new key (a new blocked host and page path, from a new
// network), with the rate limit at its default and lifted, and measures
// consent choices before and during the flood: the flushes of a counter
// full of distinct keys share SQLite's one writer with the consent
// records, and must not hold it long enough to delay them noticeably.
func TestCSPFloodSparesConsentLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("floods Noren for several seconds")
	}
	for _, tt := range []struct {
		name string
		env  []string
	}{
		{"default limit", nil},
		{"no limit", []string{"NOREN_CSP_REPORTS_RATE_LIMIT=0"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := startWith(t, tt.env, "demo", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--sample-events", "0",
				"--trusted-proxies", "127.0.0.0/8", "--log-level", "warn")
			var seq atomic.Int64
			consent := func(l *latencies) {
				plain := &http.Client{Timeout: 30 * time.Second}
				for range 200 {
					n := seq.Add(1)
					req, _ := http.NewRequest("POST", p.url+"/api/consent", strings.NewReader(`{"categories":{"analytics":true},"method":"banner","lang":"en"}`))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.19.%d.%d", n/250, n%250+1))
					start := time.Now()
					resp, err := plain.Do(req)
					if err != nil {
						t.Errorf("consent: %v", err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					l.add(time.Since(start))
					if resp.StatusCode != http.StatusOK {
						t.Errorf("consent: status %d", resp.StatusCode)
					}
					time.Sleep(25 * time.Millisecond)
				}
			}
			// The jobs that run at start are left to finish first.
			time.Sleep(2 * time.Second)
			var quiet latencies
			consent(&quiet)

			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}, Timeout: 30 * time.Second}
			ctx, cancel := context.WithCancel(t.Context())
			var sent, counted atomic.Int64
			var wg sync.WaitGroup
			for w := range 16 {
				wg.Go(func() {
					for i := 0; ctx.Err() == nil; i++ {
						body := fmt.Sprintf(`{"csp-report":{"document-uri":"%s/en/p%d-%d","blocked-uri":"https://h%d-%d.flood.example/t.js","effective-directive":"script-src-elem"}}`,
							p.url, w, i, w, i)
						req, _ := http.NewRequest("POST", p.url+"/api/csp-report", strings.NewReader(body))
						req.Header.Set("Content-Type", "application/csp-report")
						req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.1", w, i%250))
						resp, err := client.Do(req)
						if err != nil {
							continue
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						sent.Add(1)
						if resp.StatusCode == http.StatusNoContent {
							counted.Add(1)
						}
					}
				})
			}
			time.Sleep(time.Second)
			var flood latencies
			consent(&flood)
			cancel()
			wg.Wait()
			t.Logf("consent without the flood: %s", quiet.summary())
			t.Logf("consent during the flood:  %s (%d reports sent, %d counted)", flood.summary(), sent.Load(), counted.Load())
			if q, f := quantile(&quiet, 0.99), quantile(&flood, 0.99); f > q+250*time.Millisecond {
				t.Errorf("the flood delays consent choices: p99 %v, %v without it", f, q)
			}
		})
	}
}

// quantile returns the p-th quantile of l's durations, 0 for none.
func quantile(l *latencies, p float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.all) == 0 {
		return 0
	}
	s := slices.Clone(l.all)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// TestOwnScan checks which CSP reports pass for the server's own scan,
// and so are not counted as a visitor's: a headless Chromium on loopback
// while a scan is under way, and nothing else.
func TestOwnScan(t *testing.T) {
	st, err := history.NewStore(storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	runner, err := history.NewRunner(t.Context(), history.RunnerOptions{Store: st, URL: "http://www.example.jp/",
		Scan: func(ctx context.Context) (*verdict.Report, error) {
			<-release
			return nil, context.Canceled
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer runner.Close()
	a := &app{scans: &siteScans{runner: runner}}
	const headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36"
	const chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
	ask := func(client, agent string) bool {
		req := httptest.NewRequest("POST", "http://www.example.jp/api/csp-report", nil)
		req.Header.Set("User-Agent", agent)
		req.RemoteAddr = netip.AddrPortFrom(netip.MustParseAddr(client), 40000).String()
		var own bool
		server.ClientAddrs(nil)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { own = a.ownScan(r) })).ServeHTTP(httptest.NewRecorder(), req)
		return own
	}
	if ask("127.0.0.1", headless) {
		t.Error("a headless browser on loopback passes for the scan while none runs")
	}
	if !runner.Start() {
		t.Fatal("the scan did not start")
	}
	defer close(release)
	for _, tt := range []struct {
		client, agent string
		own           bool
	}{
		{"127.0.0.1", headless, true},
		{"::1", headless, true},
		{"127.0.0.1", chrome, false},
		{"203.0.113.5", headless, false},
		{"10.0.0.1", headless, false},
	} {
		if got := ask(tt.client, tt.agent); got != tt.own {
			t.Errorf("%s, %q: own scan %v, want %v", tt.client, tt.agent, got, tt.own)
		}
	}
	if (&app{}).ownScan(httptest.NewRequest("POST", "/", nil)) {
		t.Error("a server without scans has a scan of its own")
	}
}

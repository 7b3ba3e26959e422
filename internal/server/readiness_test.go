package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestHealthz(t *testing.T) {
	ts := startServer(t, DefaultConfig(), Healthz(), nil)
	resp, body := get(t, http.DefaultClient, ts.url+"/healthz")
	if resp.StatusCode != http.StatusOK || body != `{"status":"ok"}`+"\n" {
		t.Errorf("got %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", resp.Header)
	}
}

func newReadiness(t *testing.T, opt ReadinessOptions) *Readiness {
	t.Helper()
	r, err := NewReadiness(opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// readyz asks h for its readiness and decodes the answer.
func readyz(t *testing.T, url string) (int, ReadinessReport, string) {
	t.Helper()
	resp, body := get(t, http.DefaultClient, url+"/readyz")
	var rep ReadinessReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatalf("readiness answer %q: %v", body, err)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("the readiness answer may be cached")
	}
	return resp.StatusCode, rep, body
}

func TestReadiness(t *testing.T) {
	pass := HealthCheck{Name: "database", Check: func(context.Context) error { return nil }}
	backlog := HealthCheck{Name: "mail_outbox", Check: func(context.Context) error {
		return Unready("the oldest due message has waited 2h0m0s")
	}}
	secret := HealthCheck{Name: "clickhouse", Check: func(context.Context) error {
		return errors.New("dial tcp 10.1.2.3:9000: connection refused")
	}}
	hung := HealthCheck{Name: "vault_keys", Check: func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}}
	tests := []struct {
		name     string
		checks   []HealthCheck
		wantCode int
		reasons  map[string]string
	}{
		{"no checks", nil, http.StatusOK, nil},
		{"all pass", []HealthCheck{pass}, http.StatusOK, map[string]string{"database": ""}},
		{"a reason", []HealthCheck{pass, backlog}, http.StatusServiceUnavailable,
			map[string]string{"database": "", "mail_outbox": "the oldest due message has waited 2h0m0s"}},
		{"an error kept in the log", []HealthCheck{secret}, http.StatusServiceUnavailable,
			map[string]string{"clickhouse": "failed; the instance's log has the error"}},
		{"no answer", []HealthCheck{hung, pass}, http.StatusServiceUnavailable,
			map[string]string{"vault_keys": "no answer within 50ms", "database": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncBuffer{}
			r := newReadiness(t, ReadinessOptions{Checks: tt.checks, Instance: "i1", Timeout: 50 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(logs, nil))})
			ts := startServer(t, DefaultConfig(), r, nil)
			code, rep, body := readyz(t, ts.url)
			if code != tt.wantCode || rep.Ready != (tt.wantCode == http.StatusOK) || rep.Instance != "i1" || rep.Draining {
				t.Errorf("got %d %s", code, body)
			}
			if len(rep.Checks) != len(tt.reasons) {
				t.Errorf("checks %v, want %d", rep.Checks, len(tt.reasons))
			}
			for name, reason := range tt.reasons {
				c, ok := rep.Checks[name]
				if !ok || c.OK != (reason == "") || c.Reason != reason {
					t.Errorf("check %s: %+v, want reason %q", name, c, reason)
				}
			}
			if strings.Contains(body, "10.1.2.3") {
				t.Errorf("the answer shows an error's detail: %s", body)
			}
			if tt.name == "an error kept in the log" && !strings.Contains(logs.String(), "10.1.2.3") {
				t.Errorf("the error is not in the log:\n%s", logs)
			}
		})
	}
}

// A flood of probes runs each check once per CacheFor, and the checks run
// at the same time, not one after the other.
func TestReadinessCachedAndConcurrent(t *testing.T) {
	var calls atomic.Int64
	var started sync.WaitGroup
	started.Add(2)
	both := func(context.Context) error {
		calls.Add(1)
		started.Done()
		started.Wait()
		return nil
	}
	r := newReadiness(t, ReadinessOptions{
		Checks:   []HealthCheck{{Name: "database", Check: both}, {Name: "clickhouse", Check: both}},
		Timeout:  time.Minute,
		CacheFor: time.Hour,
	})
	ts := startServer(t, DefaultConfig(), r, nil)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if code, rep, body := readyz(t, ts.url); code != http.StatusOK || !rep.Ready {
				t.Errorf("got %d %s", code, body)
			}
		})
	}
	wg.Wait()
	if got := calls.Load(); got != 2 {
		t.Errorf("20 probes ran the two checks %d times in all, want 2", got)
	}

	var again atomic.Int64
	r = newReadiness(t, ReadinessOptions{
		Checks:   []HealthCheck{{Name: "database", Check: func(context.Context) error { again.Add(1); return nil }}},
		CacheFor: time.Millisecond,
	})
	r.Report(t.Context())
	time.Sleep(5 * time.Millisecond)
	r.Report(t.Context())
	if got := again.Load(); got != 2 {
		t.Errorf("checks ran %d times across CacheFor, want 2", got)
	}
}

func TestReadyGauge(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := newReadiness(t, ReadinessOptions{Registerer: reg,
		Checks: []HealthCheck{{Name: "database", Check: func(context.Context) error { return nil }}}})
	gauge := func() float64 {
		t.Helper()
		families, err := reg.Gather()
		if err != nil || len(families) != 1 || families[0].GetName() != "noren_ready" {
			t.Fatalf("metrics %v, %v; want noren_ready alone", families, err)
		}
		return families[0].GetMetric()[0].GetGauge().GetValue()
	}
	if got := gauge(); got != 1 {
		t.Errorf("noren_ready = %v while ready", got)
	}
	r.Drain()
	if got := gauge(); got != 0 {
		t.Errorf("noren_ready = %v while draining", got)
	}
	if _, err := NewReadiness(ReadinessOptions{Registerer: reg}); err == nil {
		t.Error("a second readiness registered noren_ready on the same registry")
	}
	if _, err := NewReadiness(ReadinessOptions{Checks: []HealthCheck{{Name: "a", Check: nil}}}); err == nil {
		t.Error("a check with nothing to run was accepted")
	}
}

// On shutdown the server turns unready first and goes on serving for the
// drain delay: a load balancer's probe sees 503 "draining" while the
// requests it still sends succeed.
func TestDrain(t *testing.T) {
	r := newReadiness(t, ReadinessOptions{Checks: []HealthCheck{{Name: "database", Check: func(context.Context) error { return nil }}}})
	mux := http.NewServeMux()
	mux.Handle("/readyz", r)
	mux.Handle("/", okHandler())
	cfg := DefaultConfig()
	cfg.Readiness = r
	cfg.DrainDelay = 2 * time.Second
	ts := startServer(t, cfg, mux, nil)
	if code, rep, body := readyz(t, ts.url); code != http.StatusOK || !rep.Ready {
		t.Fatalf("before shutdown: %d %s", code, body)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	for !r.Report(t.Context()).Draining {
		time.Sleep(time.Millisecond)
	}
	code, rep, body := readyz(t, ts.url)
	if code != http.StatusServiceUnavailable || rep.Ready || !rep.Draining || !rep.Checks["database"].OK {
		t.Errorf("while draining: %d %s", code, body)
	}
	if resp, _ := get(t, http.DefaultClient, ts.url+"/"); resp.StatusCode != http.StatusOK {
		t.Errorf("a request while draining: %d", resp.StatusCode)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(ts.url + "/"); err == nil {
		t.Error("the server still serves after the drain")
	}
	if !strings.Contains(ts.logs.String(), "draining") {
		t.Errorf("the drain is not logged:\n%s", ts.logs)
	}
}

package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "finished")
	})
	ts := startServer(t, DefaultConfig(), h, nil)
	addr := ts.srv.Addr().String()

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(ts.url + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b), err}
	}()
	<-entered

	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()

	// Shutdown closes the listener first; wait until new connections are
	// refused, so the request is known to be in flight during shutdown.
	for {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		conn.Close()
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned %v before the in-flight request finished", err)
	default:
	}

	close(release)
	r := <-got
	if r.err != nil || r.status != http.StatusOK || r.body != "finished" {
		t.Fatalf("in-flight request: status %d body %q err %v", r.status, r.body, r.err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestShutdownTimeoutCutsOffStuckRequests(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	})
	cfg := DefaultConfig()
	cfg.ShutdownTimeout = time.Millisecond
	srv, err := New(cfg, h, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, nil) }()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String()); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "cut off") {
		t.Fatalf("Serve returned %v, want a shutdown timeout error", err)
	}
}

func TestRunBindsConfiguredAddress(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	srv, err := New(cfg, okHandler(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Addr() != nil {
		t.Fatalf("Addr before Run = %v", srv.Addr())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	<-srv.Ready()
	resp, body := get(t, http.DefaultClient, "http://"+srv.Addr().String()+"/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "ok") {
		t.Errorf("status %d body %q", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := srv.Serve(context.Background(), mustListen(t), nil); err == nil {
		t.Error("a second Serve succeeded")
	}
}

func TestRunNeedsAnAddress(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Listen = ""
	srv, err := New(cfg, okHandler(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Run(context.Background()); err == nil {
		t.Fatal("Run without an address succeeded")
	}
}

func TestRunReportsListenError(t *testing.T) {
	ln := mustListen(t)
	defer ln.Close()
	cfg := DefaultConfig()
	cfg.Listen = ln.Addr().String()
	srv, err := New(cfg, okHandler(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Run(context.Background()); err == nil {
		t.Fatal("Run on a taken port succeeded")
	}
}

func TestServeRejectsUnconfiguredRedirectListener(t *testing.T) {
	srv, err := New(DefaultConfig(), okHandler(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(context.Background(), mustListen(t), mustListen(t)); err == nil {
		t.Fatal("Serve accepted a redirect listener without TLS")
	}
}

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
	}{
		{"zero read header timeout", func(c *Config) { c.ReadHeaderTimeout = 0 }},
		{"negative write timeout", func(c *Config) { c.WriteTimeout = -1 }},
		{"zero shutdown timeout", func(c *Config) { c.ShutdownTimeout = 0 }},
		{"zero body limit", func(c *Config) { c.MaxBodyBytes = 0 }},
		{"zero header limit", func(c *Config) { c.MaxHeaderBytes = 0 }},
		{"unsafe-inline script", func(c *Config) { c.Headers.CSPExtra = map[string][]string{"script-src": {"'unsafe-inline'"}} }},
		{"negative HSTS", func(c *Config) { c.Headers.HSTSMaxAge = -time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.modify(&cfg)
			if _, err := New(cfg, okHandler(), nil, nil); err == nil {
				t.Fatal("New accepted the configuration")
			}
		})
	}
}

func TestTimeoutsAndLimitsReachHTTPServer(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ReadHeaderTimeout = 1 * time.Second
	cfg.ReadTimeout = 2 * time.Second
	cfg.WriteTimeout = 3 * time.Second
	cfg.IdleTimeout = 4 * time.Second
	cfg.MaxHeaderBytes = 5000
	srv, err := New(cfg, okHandler(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := srv.main
	if m.ReadHeaderTimeout != cfg.ReadHeaderTimeout || m.ReadTimeout != cfg.ReadTimeout ||
		m.WriteTimeout != cfg.WriteTimeout || m.IdleTimeout != cfg.IdleTimeout || m.MaxHeaderBytes != 5000 {
		t.Errorf("http.Server settings %v %v %v %v %d", m.ReadHeaderTimeout, m.ReadTimeout, m.WriteTimeout, m.IdleTimeout, m.MaxHeaderBytes)
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	mux := http.NewServeMux()
	mux.Handle("/metrics", AllowOnly(prefixes(t, "127.0.0.0/8"), MetricsHandler(reg)))
	mux.Handle("/healthz", Healthz())
	mux.Handle("/", okHandler())
	ts := startServer(t, DefaultConfig(), mux, reg)

	// Metrics are recorded as a handler returns, which may be after the
	// client has its response. One keep-alive connection serves requests
	// in turn, so each is recorded before the next one starts.
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	for _, p := range []string{"/", "/a/random/path/12345", "/noren/static/noren.css", "/healthz"} {
		get(t, client, ts.url+p)
	}
	req, err := http.NewRequest("BREW", ts.url+"/pot", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	resp, body := get(t, client, ts.url+"/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`noren_http_requests_total{method="GET",route_group="site",status_class="2xx"} 2`,
		`noren_http_requests_total{method="GET",route_group="noren",status_class="2xx"} 1`,
		`noren_http_requests_total{method="GET",route_group="healthz",status_class="2xx"} 1`,
		`noren_http_requests_total{method="OTHER",route_group="site",status_class="2xx"} 1`,
		`noren_http_request_duration_seconds_bucket{route_group="site",le="+Inf"} 3`,
		`noren_http_requests_in_flight 1`,
		"go_goroutines",
		"process_",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, "random") || strings.Contains(body, "BREW") {
		t.Error("metrics are labelled with raw request data")
	}
}

func TestNewTwiceOnOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	broken := DefaultConfig()
	broken.TLS = TLSConfig{CertFile: "missing.pem", KeyFile: "missing.key"}
	if _, err := New(broken, okHandler(), nil, reg); err == nil {
		t.Fatal("New accepted missing certificate files")
	}
	// The failed New registered nothing, so the next one can.
	if _, err := New(DefaultConfig(), okHandler(), nil, reg); err != nil {
		t.Fatal(err)
	}
	if _, err := New(DefaultConfig(), okHandler(), nil, reg); err == nil {
		t.Fatal("a second Server registered the same metrics without error")
	}
}

func mustListen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

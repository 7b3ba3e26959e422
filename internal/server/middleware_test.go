package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// echoBody answers with the length of the body it read, or 413 when the
// body is over the limit.
func echoBody() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadRequest)
		default:
			_, _ = io.WriteString(w, strings.Repeat("x", len(b)))
		}
	})
}

func TestBodyLimit(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxBodyBytes = 100
	ts := startServer(t, cfg, echoBody(), nil)

	tests := []struct {
		name    string
		body    string
		chunked bool
		want    int
	}{
		{"within the limit", strings.Repeat("a", 100), false, http.StatusOK},
		{"declared over the limit", strings.Repeat("a", 101), false, http.StatusRequestEntityTooLarge},
		{"chunked within the limit", strings.Repeat("a", 50), true, http.StatusOK},
		{"chunked over the limit", strings.Repeat("a", 5000), true, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				// Hiding the length makes the client send the body chunked.
				body = io.MultiReader(body)
			}
			req, err := http.NewRequest("POST", ts.url+"/form", body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestHeaderLimit(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxHeaderBytes = 1024
	ts := startServer(t, cfg, okHandler(), nil)
	req, err := http.NewRequest("GET", ts.url+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	// net/http allows some slack over MaxHeaderBytes; go well past it.
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d, want 431", resp.StatusCode)
	}
}

func TestRecover(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/early", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", "999")
		panic("boom before writing")
	})
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = io.WriteString(w, "partial")
		panic("boom after writing")
	})
	ts := startServer(t, DefaultConfig(), mux, nil)

	resp, body := get(t, http.DefaultClient, ts.url+"/early")
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want a plain page", ct)
	}
	if !strings.Contains(body, "internal server error") {
		t.Errorf("body %q", body)
	}
	if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("the error page lacks the security headers")
	}

	resp, err := http.Get(ts.url + "/late")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Error("a panic after the response began was delivered as a complete response")
	}

	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	logs := ts.logs.String()
	for _, want := range []string{"boom before writing", "boom after writing", "level=ERROR", "status=500"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestRecoverPassesAbortHandler(t *testing.T) {
	h := Recover(slog.New(slog.DiscardHandler))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestAccessLogHoldsNoPersonalData(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TrustedProxies = prefixes(t, "127.0.0.0/8", "::1/128")
	ts := startServer(t, cfg, okHandler(), nil)

	clients := []string{"203.0.113.77", "2001:db8:1:2:3:4:5:6"}
	secrets := []string{
		"taro.yamada@example.jp", "taro.yamada%40example.jp", "search-term-tokyo",
		"SecretAgent/1.0", "session=s3cr3t", "s3cr3t",
	}
	for _, client := range clients {
		req, err := http.NewRequest("GET", ts.url+"/contact?email=taro.yamada%40example.jp&q=search-term-tokyo", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Forwarded-For", client)
		req.Header.Set("User-Agent", "SecretAgent/1.0")
		req.Header.Set("Cookie", "session=s3cr3t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// A direct request too: its peer is the loopback address.
	resp, err := http.Get(ts.url + "/direct")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	logs := linesWith(ts.logs.String(), "msg=request")
	for _, s := range append(append(secrets, clients...), "127.0.0.1") {
		if strings.Contains(logs, s) {
			t.Errorf("log holds %q:\n%s", s, logs)
		}
	}
	for _, want := range []string{
		"client=203.0.113.0/24", "client=2001:db8:1::/48", "client=127.0.0.0/24",
		"path=/contact ", "method=GET", "status=200", "proto=HTTP/1.1", "bytes=", "duration=",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestTrackingWriterKeepsUpgrades(t *testing.T) {
	// A handler that takes over the connection, as a WebSocket proxy does,
	// must still be able to take it through the middleware.
	h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\nhello")
		_ = rw.Flush()
	}), AccessLog(slog.New(slog.DiscardHandler)), Recover(slog.New(slog.DiscardHandler)))
	srv := httptest.NewServer(h)
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Errorf("status %d, want 101", resp.StatusCode)
	}
}

func TestMaskAddrsInErrorLog(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http: TLS handshake error from 203.0.113.9:51234: EOF", "http: TLS handshake error from 203.0.113.0/24: EOF"},
		{"http2: error reading preface from client [2001:db8:1:2::9]:443: bogus", "http2: error reading preface from client 2001:db8:1::/48: bogus"},
		{"peer (198.51.100.4) went away", "peer (198.51.100.0/24) went away"},
		{"nothing to mask: 1.2.3", "nothing to mask: 1.2.3"},
	}
	for _, tt := range tests {
		if got := maskAddrsIn(tt.in); got != tt.want {
			t.Errorf("maskAddrsIn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// linesWith keeps the log lines that contain substr.
func linesWith(logs, substr string) string {
	var out []string
	for line := range strings.Lines(logs) {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

func TestAccessLogQuietPaths(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DataPaths = []string{"/api/event"}
	ts := startServer(t, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Has("bad"):
			http.Error(w, "bad", http.StatusBadRequest)
		case r.URL.Query().Has("busy"):
			http.Error(w, "busy", http.StatusTooManyRequests)
		case r.URL.Query().Has("broken"):
			http.Error(w, "broken", http.StatusInternalServerError)
		}
	}), nil)
	for _, target := range []string{"/api/event", "/api/event?bad", "/api/event?busy", "/api/event?broken", "/api/events", "/page"} {
		resp, err := http.Get(ts.url + target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	logs := linesWith(ts.logs.String(), "msg=request")
	for want, n := range map[string]int{
		"path=/api/event status=200": 0, // quiet
		"path=/api/event status=400": 0, // a flood of refusals is no flood of lines
		"path=/api/event status=429": 0,
		"path=/api/event status=500": 1, // a server error is always logged
		"path=/api/events ":          1,
		"path=/page ":                1,
	} {
		if got := strings.Count(logs, want); got != n {
			t.Errorf("%q logged %d times, want %d:\n%s", want, got, n, logs)
		}
	}
}

// TestAccessLogOwnLogger checks that with Config.AccessLog the request
// lines go there, masked as ever, and not to the server's logger, which
// keeps the rest.
func TestAccessLogOwnLogger(t *testing.T) {
	var access syncBuffer
	cfg := DefaultConfig()
	cfg.AccessLog = slog.New(slog.NewTextHandler(&access, nil))
	ts := startServer(t, cfg, okHandler(), nil)
	resp, err := http.Get(ts.url + "/page?email=a@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	got := access.String()
	for _, want := range []string{"msg=request", "path=/page ", "client=127.0.0.0/24", "status=200"} {
		if !strings.Contains(got, want) {
			t.Errorf("access log lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "example.jp") || strings.Contains(got, "127.0.0.1") {
		t.Errorf("access log holds the query or the full address:\n%s", got)
	}
	if logs := ts.logs.String(); strings.Contains(logs, "msg=request") || !strings.Contains(logs, "serving HTTP") {
		t.Errorf("server log, want its own lines without the requests:\n%s", logs)
	}
}

// TestDataHandler: requests to the data paths reach DataHandler, with the
// client address resolved, the data headers and the body limit, and
// without the site's handler; every other path reaches the site's.
func TestDataHandler(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DataPaths = []string{"/api/event"}
	cfg.MaxBodyBytes = 16
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	cfg.DataHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprintf(w, "data from %s", ClientAddr(r))
	})
	ts := startServer(t, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "site")
	}), prometheus.NewRegistry())
	for _, tc := range []struct{ path, body, want string }{
		{"/api/event", "{}", "data from 203.0.113.9"},
		{"/api/event", strings.Repeat("x", 64), "request body too large\n"},
		{"/api/events", "{}", "site"},
		{"/", "", "site"},
	} {
		req, _ := http.NewRequest(http.MethodPost, ts.url+tc.path, strings.NewReader(tc.body))
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != tc.want {
			t.Errorf("POST %s: %q, want %q", tc.path, body, tc.want)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); tc.path == "/api/event" && csp != dataCSP {
			t.Errorf("POST %s: CSP %q, want the data CSP", tc.path, csp)
		}
	}
}

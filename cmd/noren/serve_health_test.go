package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/analytics/clickhouse"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
)

// fakeBacklog is a mail outbox with a fixed backlog.
type fakeBacklog struct {
	pending int
	oldest  time.Time
	err     error
}

func (f fakeBacklog) Backlog(context.Context) (int, time.Time, error) {
	return f.pending, f.oldest, f.err
}

func TestCheckBacklog(t *testing.T) {
	now := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		backlog fakeBacklog
		want    string
	}{
		{"empty", fakeBacklog{}, ""},
		{"due lately", fakeBacklog{pending: 3, oldest: now.Add(-59 * time.Minute)}, ""},
		{"due in the future", fakeBacklog{pending: 1, oldest: now.Add(time.Hour)}, ""},
		{"waited too long", fakeBacklog{pending: 2, oldest: now.Add(-90 * time.Minute)}, "2 message(s) wait to be sent, the oldest due for 1h30m0s (more than 1h0m0s)"},
		{"no answer", fakeBacklog{err: errors.New("connection refused")}, "connection refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := checkBacklog(t.Context(), tt.backlog, time.Hour, now)
			if got := ""; err != nil {
				got = err.Error()
				if got != tt.want {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			} else if tt.want != "" {
				t.Errorf("passes, want %q", tt.want)
			}
		})
	}
}

// The readiness has the checks of what is on: the mail outbox's only with
// http.readiness_mail_wait set, and it fails with its reason.
func TestReadinessChecks(t *testing.T) {
	for _, tt := range []struct {
		name   string
		wait   time.Duration
		outbox mailBacklog
		want   []string
	}{
		{"no outbox", time.Hour, nil, []string{"database"}},
		{"outbox", time.Hour, fakeBacklog{pending: 1, oldest: time.Now().Add(-2 * time.Hour)}, []string{"database", "mail_outbox"}},
		{"outbox left out", 0, fakeBacklog{pending: 1, oldest: time.Now().Add(-2 * time.Hour)}, []string{"database"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := &app{cfg: config.Default(), db: storetest.SQLite(t), personal: &personalData{}, reg: prometheus.NewRegistry(),
				logger: slog.New(slog.DiscardHandler), instance: "i1"}
			a.cfg.HTTP.ReadinessMailWait = tt.wait
			if err := a.startReadiness(tt.outbox); err != nil {
				t.Fatal(err)
			}
			rep := a.readiness.Report(t.Context())
			if got := slices.Sorted(maps.Keys(rep.Checks)); !slices.Equal(got, tt.want) {
				t.Errorf("checks %v, want %v", got, tt.want)
			}
			if !rep.Checks["database"].OK {
				t.Errorf("database: %+v", rep.Checks["database"])
			}
			if c, ok := rep.Checks["mail_outbox"]; ok && (c.OK || !strings.HasPrefix(c.Reason, "1 message(s) wait to be sent")) {
				t.Errorf("mail_outbox: %+v", c)
			}
			if rep.Ready == slices.Contains(tt.want, "mail_outbox") {
				t.Errorf("ready: %v with checks %+v", rep.Ready, rep.Checks)
			}
		})
	}
}

// With the ClickHouse backend, readiness reads from ClickHouse, and fails
// when it does not answer.
func TestReadinessClickHouse(t *testing.T) {
	st, err := clickhouse.Open(t.Context(), storetest.ClickHouse(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := &app{cfg: config.Default(), db: storetest.SQLite(t), personal: &personalData{}, reg: prometheus.NewRegistry(),
		logger: slog.New(slog.DiscardHandler), live: &liveAnalytics{store: st, sites: []string{"www.example.jp"}}}
	a.cfg.Analytics.Backend = "clickhouse"
	if err := a.startReadiness(nil); err != nil {
		t.Fatal(err)
	}
	if rep := a.readiness.Report(t.Context()); !rep.Ready || !rep.Checks["clickhouse"].OK {
		t.Fatalf("with ClickHouse up: %+v", rep)
	}
	st.Close()
	time.Sleep(time.Second) // the results kept for a second
	if rep := a.readiness.Report(t.Context()); rep.Ready || rep.Checks["clickhouse"].OK {
		t.Errorf("with ClickHouse closed: %+v", rep)
	}
}

// A periodic check answers at once with its latest result, and runs again
// in the background, once, when that is a period old.
func TestPeriodic(t *testing.T) {
	var calls atomic.Int64
	release := make(chan struct{})
	p := &periodic{period: 10 * time.Millisecond, at: time.Now(), check: func(context.Context) error {
		calls.Add(1)
		<-release
		return server.Unready("the keys differ")
	}}
	if err := p.result(t.Context()); err != nil {
		t.Fatalf("before the first run: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	for range 5 {
		if err := p.result(t.Context()); err != nil {
			t.Fatalf("while the run is under way: %v", err)
		}
	}
	close(release)
	for p.result(t.Context()) == nil {
		time.Sleep(time.Millisecond)
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("%d runs, want 1", got)
	}
}

// TestReadyzAndDrain runs noren serve: /healthz answers, /readyz reports
// its checks and the instance's id, which the log also names; on SIGTERM
// /readyz answers 503 "draining" at once while pages are still served for
// the drain delay, and then noren stops cleanly.
func TestReadyzAndDrain(t *testing.T) {
	keys, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "vault.keys")
	if err := vault.WriteKeyFile(keyFile, keys); err != nil {
		t.Fatal(err)
	}
	p := startWith(t, []string{"NOREN_HTTP_DRAIN_DELAY=5s", "NOREN_VAULT_KEY_FILE=" + keyFile},
		"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--manifest", "../../web/demo/manifest.yaml",
		"--site-root", "../../web/demo/site")

	if resp, body := get(t, nil, p.url+"/healthz"); resp.StatusCode != http.StatusOK || body != `{"status":"ok"}`+"\n" {
		t.Errorf("/healthz: %d %q", resp.StatusCode, body)
	}
	ready := func() (int, server.ReadinessReport) {
		t.Helper()
		resp, body := get(t, nil, p.url+"/readyz")
		var rep server.ReadinessReport
		if err := json.Unmarshal([]byte(body), &rep); err != nil {
			t.Fatalf("/readyz %q: %v", body, err)
		}
		return resp.StatusCode, rep
	}
	code, rep := ready()
	if code != http.StatusOK || !rep.Ready || rep.Draining || !rep.Checks["database"].OK || !rep.Checks["vault_keys"].OK {
		t.Fatalf("/readyz before shutdown: %d %+v", code, rep)
	}
	if rep.Instance == "" || !strings.Contains(p.Output(), "instance="+rep.Instance) {
		t.Errorf("the log does not name the instance %q:\n%s", rep.Instance, p.Output())
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for {
		if code, rep = ready(); rep.Draining {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code != http.StatusServiceUnavailable || rep.Ready {
		t.Errorf("/readyz while draining: %d %+v", code, rep)
	}
	if resp, _ := get(t, nil, p.url+"/en/"); resp.StatusCode != http.StatusOK {
		t.Errorf("a page while draining: %d", resp.StatusCode)
	}
	stop(t, p, syscall.SIGTERM)
	if _, err := http.Get(p.url + "/healthz"); err == nil {
		t.Error("noren still serves after it stopped")
	}
}

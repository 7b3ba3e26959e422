package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/accesslog"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/clocktest"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/csp/reports"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
	"github.com/noren-web/noren/web"
)

// Every shredded record is recorded in the audit trail, also when the
// server stops right after the shred: the records are gone by then, and
// so would the only trace of them be.
func TestShredAudited(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	a := newAuditDB(t, store.SQLite, 0)
	keys, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(a.db, keys)
	if err != nil {
		t.Fatal(err)
	}
	pd := &personalData{keys: keys, vault: v}
	expiring := func(form string) string {
		t.Helper()
		expires := time.Now().Add(10 * time.Millisecond)
		id, err := v.Seal(ctx, vault.Item{Kind: "contact", Form: form, Expires: expires, Data: []byte("こんにちは")})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Until(expires) + time.Millisecond)
		return form + "/" + id
	}

	running := expiring("inquiry")
	if err := pd.shredExpired(ctx, a.trail); err != nil {
		t.Fatal(err)
	}

	stopping := expiring("feedback")
	shredded, err := v.ShredExpired(ctx, time.Now())
	if err != nil || len(shredded) != 1 {
		t.Fatalf("shred: %d records, err %v", len(shredded), err)
	}
	stop()
	if err := auditShredded(ctx, a.trail, shredded); err != nil {
		t.Fatalf("audit of a shred at shutdown: %v", err)
	}

	entries, err := a.trail.List(context.Background(), audit.Filter{Action: "vault.retention"})
	if err != nil {
		t.Fatal(err)
	}
	var objects []string
	for _, e := range entries {
		objects = append(objects, e.Object)
	}
	if want := []string{stopping, running}; !slices.Equal(objects, want) {
		t.Errorf("audited shreds %v, want %v", objects, want)
	}
}

// The job table has a job for each part that is on, under stable names.
func TestJobTable(t *testing.T) {
	a := &app{cfg: config.Default(), manifestPath: "manifest.yaml", personal: &personalData{}}
	a.cfg.Analytics.RawRetention = 24 * time.Hour
	names := func() []string {
		var names []string
		for _, j := range a.jobTable() {
			names = append(names, j.Name)
		}
		return names
	}
	if got, want := names(), []string{"console-housekeeping", "manifest-reload"}; !slices.Equal(got, want) {
		t.Errorf("with analytics, the vault and anchors off: %v, want %v", got, want)
	}
	a.live, a.personal.vault, a.anchors, a.accessLog = &liveAnalytics{}, &vault.Vault{}, &anchorer{}, &accesslog.Files{}
	a.cspReports = &reports.Reports{}
	a.limits = &ratelimit.Shared{}
	a.cfg.Audit.AnchorInterval = time.Hour
	want := []string{"analytics-rollup", "analytics-retention", "vault-retention", "access-log-retention", "console-housekeeping", "manifest-reload", "csp-reports-flush", "csp-reports-retention", "ratelimit-sweep", "audit-anchor"}
	if got := names(); !slices.Equal(got, want) {
		t.Errorf("with everything on: %v, want %v", got, want)
	}
	// What works on the shared database runs once per fleet; what works
	// on the process's own files and counters runs on every instance.
	var fleet []string
	for _, j := range a.jobTable() {
		if j.Fleet {
			fleet = append(fleet, j.Name)
		}
	}
	if want := []string{"analytics-rollup", "analytics-retention", "vault-retention", "console-housekeeping", "csp-reports-retention", "ratelimit-sweep", "audit-anchor"}; !slices.Equal(fleet, want) {
		t.Errorf("fleet jobs %v, want %v", fleet, want)
	}
	a.manifestPath = ""
	if got := names(); slices.Contains(got, "manifest-reload") {
		t.Errorf("a manifest without a file is reloaded: %v", got)
	}
}

// The access log's files are pruned after the retention the manifest in
// force states for the access log, 90 days for the demo.
func TestPruneAccessLogFollowsManifest(t *testing.T) {
	m, err := manifest.Parse("manifest.yaml", web.DemoManifest)
	if err != nil {
		t.Fatal(err)
	}
	zone, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	clock := clocktest.New(time.Date(2026, 7, 1, 12, 0, 0, 0, zone))
	files, err := accesslog.Open(filepath.Join(dir, "access.log"), accesslog.Options{Location: zone, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, day := range []string{"2026-04-01", "2026-04-02", "2026-04-03"} {
		if err := os.WriteFile(filepath.Join(dir, "access-"+day+".log"), []byte("line\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	logger := slog.New(slog.DiscardHandler)
	a := &app{logger: logger, current: manifest.NewCurrent(m, "", logger)}
	if err := a.pruneAccessLog(files); err != nil {
		t.Fatal(err)
	}
	left, err := filepath.Glob(filepath.Join(dir, "access-*.log"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(dir, "access-2026-04-03.log")}; !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
}

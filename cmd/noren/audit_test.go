package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// auditDB is a database for the audit command tests, with the flags that
// point noren at it.
type auditDB struct {
	db    *store.DB
	trail *audit.Trail
	flags []string
}

// newAuditDB returns a migrated database on backend d holding n entries:
// on SQLite in a data folder, as an operator's would be.
func newAuditDB(t *testing.T, d store.Dialect, n int) auditDB {
	t.Helper()
	ctx := context.Background()
	var dsn string
	var flags []string
	if d == store.SQLite {
		dir := t.TempDir()
		dsn = "sqlite:" + filepath.Join(dir, "noren.db")
		flags = []string{"--data", dir}
	} else {
		dsn = storetest.FreshDSN(t, d)
		flags = []string{"--database", dsn}
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	trail := audit.New(db)
	at := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	actions := []string{"login", "user.role", "login.failed", "submission.read"}
	for i := range n {
		_, err := trail.Append(ctx, audit.Entry{
			At: at.Add(time.Duration(i) * time.Minute), Actor: "owner@example.jp", Role: "owner",
			Action: actions[i%len(actions)], Object: fmt.Sprintf("user:%d", i+1), Outcome: audit.OK,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return auditDB{db: db, trail: trail, flags: flags}
}

// sql runs a statement as someone with full rights over the database,
// after dropping the triggers that refuse changes.
func (a auditDB) sql(t *testing.T, query string, args ...any) {
	t.Helper()
	ctx := context.Background()
	drop := []string{`DROP TRIGGER IF EXISTS audit_log_no_update`, `DROP TRIGGER IF EXISTS audit_log_no_delete`}
	if a.db.Dialect() == store.Postgres {
		drop = []string{`ALTER TABLE audit_log DISABLE TRIGGER USER`}
	}
	for _, s := range drop {
		if _, err := a.db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if _, err := a.db.ExecContext(ctx, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// head returns the trail's current head.
func (a auditDB) head(t *testing.T) audit.Head {
	t.Helper()
	rep, err := a.trail.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep.Head
}

// runNoren runs one command line in-process.
func runNoren(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	env := &environment{stdout: &out, stderr: &errOut}
	code = run(context.Background(), env, args)
	return code, out.String(), errOut.String()
}

func eachBackend(t *testing.T, fn func(t *testing.T, d store.Dialect)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) { fn(t, d) })
	}
}

// TestAuditVerifyNamesEditedEntry is the acceptance check: editing one
// byte of a stored entry makes noren audit verify fail and name it.
func TestAuditVerifyNamesEditedEntry(t *testing.T) {
	eachBackend(t, func(t *testing.T, d store.Dialect) {
		a := newAuditDB(t, d, 5)
		head := a.head(t)
		code, out, errOut := runNoren(append([]string{"audit", "verify"}, a.flags...)...)
		if want := fmt.Sprintf("audit trail intact: 5 entries, head %s\n", head); code != 0 || out != want {
			t.Fatalf("verify of an intact trail: exit %d, %q %q; want %q", code, out, errOut, want)
		}

		// "user.role" becomes "user.rolf".
		a.sql(t, `UPDATE audit_log SET action = 'user.rolf' WHERE seq = 2`)
		code, out, errOut = runNoren(append([]string{"audit", "verify"}, a.flags...)...)
		if code != 1 || !strings.HasPrefix(errOut, "audit trail broken at entry 2: altered (") || out != "" {
			t.Errorf("verify after an edit: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
}

func TestAuditVerifyExpectHead(t *testing.T) {
	eachBackend(t, func(t *testing.T, d store.Dialect) {
		a := newAuditDB(t, d, 4)
		head := a.head(t).String()
		a.sql(t, `DELETE FROM audit_log WHERE seq = 4`)
		code, _, _ := runNoren(append([]string{"audit", "verify"}, a.flags...)...)
		if code != 0 {
			t.Fatalf("without the head, a trail cut at the end looks intact, as documented; exit %d", code)
		}
		code, _, errOut := runNoren(append([]string{"audit", "verify", "--expect-head", head}, a.flags...)...)
		if code != 1 || !strings.Contains(errOut, "broken at entry 4: truncated") {
			t.Errorf("verify --expect-head: exit %d, %q", code, errOut)
		}
	})
}

func TestAuditExport(t *testing.T) {
	eachBackend(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		a := newAuditDB(t, d, 6)
		file := filepath.Join(t.TempDir(), "audit.jsonl")
		code, out, errOut := runNoren(append([]string{"audit", "export", "--output", file}, a.flags...)...)
		if code != 0 || out != "" || !strings.Contains(errOut, "exported 6 audit entries") {
			t.Fatalf("export: exit %d, %q %q", code, out, errOut)
		}
		info, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("export file mode %v, want 0600", info.Mode().Perm())
		}

		// The export is audited, and not part of itself.
		last, err := a.trail.List(ctx, audit.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		e := last[0]
		if e.Seq != 7 || e.Action != "audit.export" || e.Actor != "cli" || e.Role != "system" || e.Outcome != audit.OK ||
			e.Detail["count"] != "6" || e.Detail["output"] != file {
			t.Errorf("the export was recorded as %+v", e)
		}

		code, out, errOut = runNoren("audit", "verify", "--file", file)
		head := audit.Head{Seq: 6, Hash: e.PrevHash}
		if want := fmt.Sprintf("audit export %s intact: 6 entries, head %s\n", file, head); code != 0 || out != want {
			t.Errorf("verify --file: exit %d, %q %q; want %q", code, out, errOut, want)
		}

		code, _, errOut = runNoren(append([]string{"audit", "export", "--output", file}, a.flags...)...)
		if code == 0 || !strings.Contains(errOut, "exists") {
			t.Errorf("export over an existing file: exit %d, %q", code, errOut)
		}
	})
}

func TestAuditExportFilters(t *testing.T) {
	a := newAuditDB(t, store.SQLite, 8)
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"--action", "login"}, 4},
		{[]string{"--action", "user.role"}, 2},
		{[]string{"--actor", "nobody@example.jp"}, 0},
		{[]string{"--since", "2026-11-29T09:02:00Z", "--until", "2026-11-29T09:05:00Z"}, 3},
		{[]string{"--until", "2026-11-27"}, 0},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := runNoren(append(append([]string{"audit", "export"}, tt.args...), a.flags...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if got := strings.Count(out, "\n"); got != tt.want {
				t.Errorf("%d lines, want %d:\n%s", got, tt.want, out)
			}
		})
	}
	code, _, errOut := runNoren(append([]string{"audit", "export", "--since", "yesterday"}, a.flags...)...)
	if code != 1 || !strings.Contains(errOut, "-since") {
		t.Errorf("export --since yesterday: exit %d, %q", code, errOut)
	}
}

// TestAuditVerifyFileNamesEditedEntry edits one byte of an export file.
func TestAuditVerifyFileNamesEditedEntry(t *testing.T) {
	a := newAuditDB(t, store.SQLite, 5)
	code, out, errOut := runNoren(append([]string{"audit", "export"}, a.flags...)...)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	edited := strings.Replace(out, `"object":"user:4"`, `"object":"user:5"`, 1)
	if edited == out {
		t.Fatal("the export does not hold the object to edit")
	}
	file := filepath.Join(t.TempDir(), "audit.jsonl")
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runNoren("audit", "verify", "--file", file)
	if code != 1 || !strings.Contains(errOut, "broken at entry 4: altered") {
		t.Errorf("verify --file of an edited export: exit %d, %q", code, errOut)
	}
}

func TestAuditUsage(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"audit"}, 2, "Usage: noren audit"},
		{[]string{"audit", "-h"}, 0, "Usage: noren audit"},
		{[]string{"audit", "verify", "-h"}, 0, "Usage: noren audit verify"},
		{[]string{"audit", "export", "-h"}, 0, "Usage: noren audit export"},
		{[]string{"audit", "erase"}, 2, `unknown subcommand "erase"`},
		{[]string{"audit", "verify", "--expect-head", "nonsense", "--file", "x"}, 1, "-expect-head"},
	}
	for _, tt := range tests {
		code, out, errOut := runNoren(tt.args...)
		if code != tt.wantCode || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("noren %s: exit %d, %q; want exit %d and %q", strings.Join(tt.args, " "), code, out+errOut, tt.wantCode, tt.want)
		}
	}
}

type brokenPipe struct{}

func (brokenPipe) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// TestAuditExportFailureIsRecorded checks that an export that could not be
// written is recorded as failed after the record made before it.
func TestAuditExportFailureIsRecorded(t *testing.T) {
	a := newAuditDB(t, store.SQLite, 3)
	var errOut bytes.Buffer
	env := &environment{stdout: brokenPipe{}, stderr: &errOut}
	if code := run(context.Background(), env, append([]string{"audit", "export"}, a.flags...)); code != 1 {
		t.Fatalf("export to a broken pipe: exit %d", code)
	}
	entries, err := a.trail.List(context.Background(), audit.Filter{Action: "audit.export"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Outcome != audit.Failed || entries[1].Outcome != audit.OK ||
		!strings.Contains(entries[0].Detail["error"], "broken pipe") {
		t.Errorf("recorded %+v", entries)
	}
}

// runNorenEnv runs one command line in-process with the environment
// variables env.
func runNorenEnv(env []string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), &environment{stdout: &out, stderr: &errOut, getenv: env}, args)
	return code, out.String(), errOut.String()
}

// TestAuditAnchors is the acceptance check of anchoring: a tail rewritten
// with correctly recomputed hashes passes noren audit verify, and fails it
// with -anchors, which names the entry; an altered anchor, or the wrong
// public key, fails it too.
func TestAuditAnchors(t *testing.T) {
	eachBackend(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		a := newAuditDB(t, d, 5)
		dir := t.TempDir()
		keyFile, anchorFile := filepath.Join(dir, "anchor.key"), filepath.Join(dir, "anchors.jsonl")
		code, pub, stderr := runNoren("audit", "anchor-key", "generate", keyFile)
		if code != 0 || !strings.HasPrefix(pub, "ed25519:") {
			t.Fatalf("anchor-key generate: exit %d, %q %q", code, pub, stderr)
		}
		pub = strings.TrimSpace(pub)
		if code, again, _ := runNoren("audit", "anchor-key", "public", keyFile); code != 0 || strings.TrimSpace(again) != pub {
			t.Errorf("anchor-key public = exit %d, %q; want %q", code, again, pub)
		}
		if code, _, stderr := runNoren("audit", "anchor-key", "generate", keyFile); code == 0 || !strings.Contains(stderr, "exists") {
			t.Errorf("anchor-key generate over an existing key: exit %d, %q", code, stderr)
		}

		env := []string{"NOREN_AUDIT_ANCHOR_KEY_FILE=" + keyFile, "NOREN_AUDIT_ANCHOR_FILE=" + anchorFile}
		anchor := func() {
			t.Helper()
			head := a.head(t)
			code, out, stderr := runNorenEnv(env, append([]string{"audit", "anchor"}, a.flags...)...)
			if code != 0 || !strings.Contains(out, "anchored head "+head.String()) {
				t.Fatalf("audit anchor: exit %d, %q %q; want head %s", code, out, stderr, head)
			}
		}
		appendEntries := func(n int, actor string) {
			t.Helper()
			for range n {
				if _, err := a.trail.Append(ctx, audit.Entry{Actor: actor, Role: "owner", Action: "user.role", Outcome: audit.OK}); err != nil {
					t.Fatal(err)
				}
			}
		}
		anchor()
		appendEntries(3, "owner@example.jp")
		anchor()
		appendEntries(2, "owner@example.jp")

		verify := func(extra ...string) (int, string, string) {
			return runNoren(append(append([]string{"audit", "verify"}, a.flags...), extra...)...)
		}
		code, out, stderr := verify("--anchors", anchorFile, "--anchor-public-key", pub)
		if code != 0 || !strings.Contains(out, "intact: 10 entries") || !strings.Contains(out, "2 signed anchors checked") {
			t.Fatalf("verify of an intact trail against its anchors: exit %d, %q %q", code, out, stderr)
		}

		// Entries 7 to 10 deleted and written anew through the trail,
		// which computes correct hashes for them.
		a.sql(t, `DELETE FROM audit_log WHERE seq >= 7`)
		appendEntries(4, "intruder@example.jp")
		if code, out, _ := verify(); code != 0 {
			t.Fatalf("the rewritten chain should pass on its own (which is why anchors exist): exit %d, %q", code, out)
		}
		code, out, stderr = verify("--anchors", anchorFile, "--anchor-public-key", pub)
		if code != 1 || !strings.Contains(stderr, "broken at entry 8: altered") || !strings.Contains(stderr, "after entry 5") {
			t.Errorf("verify of the rewritten tail against the anchors: exit %d, %q %q; want entry 8 named", code, out, stderr)
		}

		// The public key may also come from a file.
		pubFile := filepath.Join(dir, "anchor.pub")
		if err := os.WriteFile(pubFile, []byte(pub+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := verify("--anchors", anchorFile, "--anchor-public-key", pubFile); code != 1 || !strings.Contains(stderr, "broken at entry 8") {
			t.Errorf("with the public key in a file: exit %d, %q", code, stderr)
		}

		// Whoever rewrote the tail cannot fix the anchor to match it.
		lines, err := os.ReadFile(anchorFile)
		if err != nil {
			t.Fatal(err)
		}
		var second map[string]any
		if err := json.Unmarshal(bytes.SplitN(lines, []byte("\n"), 2)[1], &second); err != nil {
			t.Fatal(err)
		}
		newHash := storedHash(t, a.db, 8)
		forged := bytes.Replace(lines, []byte(second["hash"].(string)), []byte(newHash), 1)
		if err := os.WriteFile(anchorFile, forged, 0o600); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := verify("--anchors", anchorFile, "--anchor-public-key", pub); code != 1 || !strings.Contains(stderr, "line 2: its signature does not verify") {
			t.Errorf("verify with an altered anchor: exit %d, %q", code, stderr)
		}
		if err := os.WriteFile(anchorFile, lines, 0o600); err != nil {
			t.Fatal(err)
		}

		other := filepath.Join(dir, "other.key")
		_, otherPub, _ := runNoren("audit", "anchor-key", "generate", other)
		if code, _, stderr := verify("--anchors", anchorFile, "--anchor-public-key", strings.TrimSpace(otherPub)); code != 1 || !strings.Contains(stderr, "not by the public key given") {
			t.Errorf("verify with another public key: exit %d, %q", code, stderr)
		}
		if code, _, stderr := verify("--anchors", anchorFile); code == 0 || !strings.Contains(stderr, "-anchor-public-key") {
			t.Errorf("verify -anchors without a public key: exit %d, %q", code, stderr)
		}
	})
}

// storedHash returns the stored hash of entry seq.
func storedHash(t *testing.T, db *store.DB, seq int64) string {
	t.Helper()
	var h string
	if err := db.QueryRowContext(context.Background(), `SELECT hash FROM audit_log WHERE seq = $1`, seq).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/backup"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/policy"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
	"github.com/noren-web/noren/web"
)

// seeded is what the backup acceptance test put into a site, to be found
// again after the restore.
type seeded struct {
	emails   []string
	entries  int64
	head     audit.Head
	records  map[string]string // vault record id → its data
	policy   string            // the published version's hash
	logFile  string            // a file of the data folder, relative
	logBytes []byte
}

// TestBackupWipeRestore is the acceptance check of backups: a site's
// accounts, audit trail, vault records, published policy and data-folder
// files are all back after backup, wipe and restore; the archive holds no
// key; noren audit verify -expect-head-from passes against the backup.
func TestBackupWipeRestore(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			if d == store.Postgres && testing.Short() {
				t.Skip("runs pg_dump and pg_restore")
			}
			ctx := context.Background()
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			dsn := storetest.FreshDSN(t, d)
			if d == store.SQLite {
				dsn = "sqlite:" + filepath.Join(data, "noren.db")
			}
			keyFile := filepath.Join(dir, "keys", "vault.keys")
			manifestFile := filepath.Join(dir, "site", "manifest.yaml")
			for _, sub := range []string{filepath.Dir(keyFile), filepath.Dir(manifestFile), data} {
				if err := os.MkdirAll(sub, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(manifestFile, web.DemoManifest, 0o644); err != nil {
				t.Fatal(err)
			}
			keys, err := vault.GenerateKeys()
			if err != nil {
				t.Fatal(err)
			}
			if err := vault.WriteKeyFile(keyFile, keys); err != nil {
				t.Fatal(err)
			}
			// Keys where they must not be, yet are: a copy in the data
			// folder and an environment file there. Neither may go into
			// the backup.
			if err := os.WriteFile(filepath.Join(data, "vault.keys.old"), keys.Marshal(), 0o600); err != nil {
				t.Fatal(err)
			}
			envFile := "NOREN_VAULT_KEYS=" + strings.ReplaceAll(strings.TrimSpace(string(keys.Marshal())), "\n", ";") + "\n"
			if err := os.WriteFile(filepath.Join(data, "noren.env"), []byte(envFile), 0o600); err != nil {
				t.Fatal(err)
			}
			want := seedSite(t, ctx, dsn, keys, manifestFile, data)

			archive := filepath.Join(dir, "backups", "noren.tar")
			if d == store.Postgres {
				archive += ".gz"
			}
			if err := os.MkdirAll(filepath.Dir(archive), 0o700); err != nil {
				t.Fatal(err)
			}
			flags := []string{"-database", dsn, "-data", data, "-manifest", manifestFile, "-vault-key-file", keyFile}
			out := runBinary(t, 0, append([]string{"backup", "-to", archive}, flags...)...)
			if !strings.Contains(out, "audit head "+want.head.String()) {
				t.Errorf("backup does not name the head %s:\n%s", want.head, out)
			}
			st, err := os.Stat(archive)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("the archive has mode %v, want 0600", st.Mode().Perm())
			}
			checkNoKeys(t, archive, keys)
			runBinary(t, 1, append([]string{"backup", "-to", archive}, flags...)...)

			// Wipe: the data folder, the manifest and the database go; the
			// keys stay where they are kept.
			if err := os.RemoveAll(data); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(manifestFile); err != nil {
				t.Fatal(err)
			}
			if d == store.Postgres {
				dsn = storetest.FreshDSN(t, d)
				flags[1] = dsn
			}

			corrupt := filepath.Join(dir, "corrupt.tar")
			raw, err := os.ReadFile(archive)
			if err != nil {
				t.Fatal(err)
			}
			raw[len(raw)/2] ^= 0xff
			if err := os.WriteFile(corrupt, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			if out := runBinary(t, 1, append([]string{"restore", "-from", corrupt}, flags...)...); !strings.Contains(out, "nothing was restored") {
				t.Errorf("restore of a damaged archive:\n%s", out)
			}
			if out := runBinary(t, 1, append([]string{"restore", "-from", manifestFile + ".none"}, flags...)...); out == "" {
				t.Error("restore of a missing file says nothing")
			}
			if _, err := os.Stat(manifestFile); err == nil {
				t.Fatal("a refused restore wrote the manifest")
			}

			runBinary(t, 0, append([]string{"restore", "-from", archive}, flags...)...)
			checkRestored(t, ctx, dsn, keys, manifestFile, data, want)
			if out := runBinary(t, 0, "audit", "verify", "-expect-head-from", archive, "-database", dsn); !strings.Contains(out, "intact") {
				t.Errorf("audit verify: %s", out)
			}
			if out := runBinary(t, 1, append([]string{"restore", "-from", archive}, flags...)...); !strings.Contains(out, "-force") {
				t.Errorf("a second restore over the restored site:\n%s", out)
			}
		})
	}
}

// runBinary runs the built binary and fails t unless it exits with code;
// it returns standard output and error together.
func runBinary(t *testing.T, code int, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "NOREN_CONFIG=")
	out, err := cmd.CombinedOutput()
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if got != code {
		t.Fatalf("noren %s: exit %d, want %d\n%s", strings.Join(args, " "), got, code, out)
	}
	return string(out)
}

// seedSite fills the database with accounts, audit entries, contact
// submissions in the vault and a published policy, and the data folder
// with a log and what a backup leaves out.
func seedSite(t *testing.T, ctx context.Context, dsn string, keys *vault.Keys, manifestFile, data string) seeded {
	t.Helper()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var s seeded
	accounts, err := account.NewStore(db, account.Options{Secrets: keys})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, email := range []string{"owner@example.jp", "staff@example.jp"} {
		role := account.Owner
		if i > 0 {
			role = account.Analyst
		}
		if _, err := accounts.Create(ctx, account.Profile{Email: email, Name: "担当者", Role: role}, "correct horse battery staple 2026", now); err != nil {
			t.Fatal(err)
		}
		s.emails = append(s.emails, email)
	}
	trail := audit.New(db)
	for i := range 5 {
		if _, err := trail.Append(ctx, audit.Entry{Actor: "owner@example.jp", Role: "owner", Action: "submission.read",
			Object: "form:contact/" + string(rune('1'+i)), Outcome: audit.OK}); err != nil {
			t.Fatal(err)
		}
	}
	if s.head, err = trail.Head(ctx); err != nil {
		t.Fatal(err)
	}
	s.entries = s.head.Seq
	v, err := vault.New(db, keys)
	if err != nil {
		t.Fatal(err)
	}
	s.records = map[string]string{}
	for _, who := range []string{"hanako@example.jp", "taro@example.jp"} {
		body := `{"email":"` + who + `","message":"問い合わせ"}`
		id, err := v.Seal(ctx, vault.Item{Kind: "submission", Form: "contact", Subject: who,
			Expires: now.AddDate(1, 0, 0), Data: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		s.records[id] = body
	}
	m, err := manifest.Load(manifestFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := policy.NewVersions(db).Record(ctx, m, now); err != nil {
		t.Fatal(err)
	}
	s.policy = m.Hash()

	s.logFile = filepath.Join("logs", "access-2026-12-07.log")
	s.logBytes = []byte("203.0.113.0/24 GET /ja/ 200\n")
	for name, content := range map[string][]byte{
		s.logFile:                        s.logBytes,
		filepath.Join("search", "index"): []byte("rebuilt on start"),
	} {
		path := filepath.Join(data, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// checkNoKeys fails t if the archive holds any of the keys' material.
func checkNoKeys(t *testing.T, archive string, keys *vault.Keys) {
	t.Helper()
	raw, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(archive, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	for _, line := range strings.Split(string(keys.Marshal()), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] == "noren-vault-key" {
			continue
		}
		secret := fields[len(fields)-1]
		key, err := base64.StdEncoding.DecodeString(secret)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, key) {
			t.Errorf("the archive holds the %s key", fields[0])
		}
	}
	if bytes.Contains(raw, []byte("noren-vault-key")) {
		t.Error("the archive holds a vault key file")
	}
	if bytes.Contains(raw, []byte("rebuilt on start")) {
		t.Error("the archive holds the search index")
	}
}

// checkRestored fails t unless everything seedSite put in is back.
func checkRestored(t *testing.T, ctx context.Context, dsn string, keys *vault.Keys, manifestFile, data string, want seeded) {
	t.Helper()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	accounts, err := account.NewStore(db, account.Options{Secrets: keys})
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range want.emails {
		if _, err := accounts.ByEmail(ctx, email); err != nil {
			t.Errorf("account %s: %v", email, err)
		}
	}
	trail := audit.New(db)
	entries, err := trail.List(ctx, audit.Filter{BeforeSeq: want.head.Seq + 1})
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(entries)) != want.entries {
		t.Errorf("%d audit entries up to the backup's head, want %d", len(entries), want.entries)
	}
	v, err := vault.New(db, keys)
	if err != nil {
		t.Fatal(err)
	}
	for id, body := range want.records {
		r, err := v.Open(ctx, id)
		if err != nil || string(r.Data) != body {
			t.Errorf("vault record %s: %q, %v", id, r.Data, err)
		}
	}
	versions, err := policy.NewVersions(db).List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 1 || versions[0].Hash != want.policy || versions[0].PolicyJA == "" || versions[0].PolicyEN == "" {
		t.Errorf("published policy versions after the restore: %d, want the one of hash %s with both languages", len(versions), want.policy)
	}
	got, err := os.ReadFile(manifestFile)
	if err != nil || !bytes.Equal(got, web.DemoManifest) {
		t.Errorf("manifest not restored: %v", err)
	}
	got, err = os.ReadFile(filepath.Join(data, want.logFile))
	if err != nil || !bytes.Equal(got, want.logBytes) {
		t.Errorf("data file %s not restored: %q, %v", want.logFile, got, err)
	}
	for _, left := range []string{"vault.keys.old", "noren.env", filepath.Join("search", "index")} {
		if _, err := os.Stat(filepath.Join(data, left)); err == nil {
			t.Errorf("%s came back from the backup", left)
		}
	}
}

// TestAuditVerifyExpectHeadFrom: the head read from a backup must be in
// the trail with exactly its hash; entries after it are fine, another hash
// at its sequence is not, and a file that is no backup is refused.
func TestAuditVerifyExpectHeadFrom(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "noren.db")
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	trail := audit.New(db)
	var heads []audit.Head
	for i := range 3 {
		e, err := trail.Append(ctx, audit.Entry{Actor: "cli", Role: "system", Action: "user.create", Object: "user:" + string(rune('1'+i)), Outcome: audit.OK})
		if err != nil {
			t.Fatal(err)
		}
		heads = append(heads, audit.Head{Seq: e.Seq, Hash: e.Hash})
	}
	db.Close()

	archiveWith := func(name, head string) string {
		path := filepath.Join(dir, name)
		var b bytes.Buffer
		w, err := backup.NewWriter(&b, backup.Metadata{Created: time.Now(), Database: "sqlite", AuditHead: head}, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	other := heads[1]
	other.Hash = heads[0].Hash
	for _, c := range []struct {
		name, file string
		code       int
	}{
		{"head in the middle", archiveWith("middle.tar", heads[1].String()), 0},
		{"head at the end", archiveWith("end.tar", heads[2].String()), 0},
		{"another hash at the sequence", archiveWith("other.tar", other.String()), 1},
		{"head beyond the trail", archiveWith("beyond.tar", "9:"+heads[2].Hash), 1},
		{"not a backup", filepath.Join(dir, "noren.db"), 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runNoren("audit", "verify", "-expect-head-from", c.file, "-database", dsn)
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s", code, c.code, stderr)
			}
		})
	}
	if code, _, _ := runNoren("audit", "verify", "-expect-head", heads[0].String(), "-expect-head-from", filepath.Join(dir, "end.tar"), "-database", dsn); code == 0 {
		t.Error("-expect-head and -expect-head-from together were accepted")
	}
}

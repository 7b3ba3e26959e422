package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/backup"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store"
)

func runBackup(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "backup", "-to FILE [flags]",
		"Writes one archive holding the database (a consistent snapshot taken while\n"+
			"Noren runs: VACUUM INTO for SQLite, pg_dump for PostgreSQL), the manifest in\n"+
			"force and the files of the data folder that cannot be rebuilt, with the audit\n"+
			"trail's head and the manifest's hash in its metadata. The search index, the\n"+
			"ACME certificates and every key file are left out: the vault's keys are never\n"+
			"in a backup, and a backup without them cannot open a vault record. See\n"+
			"docs/backup.md.")
	flags := config.RegisterFlags(fset)
	to := fset.String("to", "", "write the archive to the new `FILE` (mode 0600), gzip-compressed when it ends in .gz or .tgz")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 || *to == "" {
		fset.Usage()
		return errUsage
	}
	dest, err := filepath.Abs(*to)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("%s exists; a backup never replaces a file", dest)
	}
	cfg, err := flags.Load(env.getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	// Opened without migrating: a backup takes the database as it is.
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()

	stage, err := os.MkdirTemp(filepath.Dir(dest), ".noren-backup-")
	if err != nil {
		return fmt.Errorf("backup: staging folder: %w", err)
	}
	defer os.RemoveAll(stage)

	meta := backup.Metadata{Created: time.Now().UTC(), NorenVersion: versionString(), Database: db.Dialect().String()}
	type entry struct{ name, file string }
	var entries []entry
	var notes []string
	switch db.Dialect() {
	case store.SQLite:
		if db.Path() == "" {
			return errors.New("an in-memory database cannot be backed up")
		}
		snap := filepath.Join(stage, "noren.db")
		if err := backup.SnapshotSQLite(ctx, db, snap); err != nil {
			return err
		}
		// The head is read from the snapshot itself, so that it is exactly
		// the newest entry the backup holds.
		head, err := snapshotHead(ctx, snap)
		if err != nil {
			return err
		}
		meta.AuditHead = head.String()
		entries = append(entries, entry{backup.SQLiteName, snap})
		if file, ok := analyticsSQLiteFile(cfg, db.Path()); ok {
			if _, err := os.Stat(file); err == nil {
				asnap := filepath.Join(stage, "analytics.db")
				if err := snapshotFile(ctx, file, asnap); err != nil {
					return err
				}
				entries = append(entries, entry{backup.AnalyticsSQLiteName, asnap})
			}
		}
	case store.Postgres:
		// Read before the dump starts: the chain only grows, so the dump
		// holds this entry even if others are appended meanwhile.
		head, err := audit.New(db).Head(ctx)
		if err != nil {
			return err
		}
		meta.AuditHead = head.String()
		dump := filepath.Join(stage, "noren.pgdump")
		if err := backup.DumpPostgres(ctx, cfg.Database, dump); err != nil {
			return err
		}
		entries = append(entries, entry{backup.PostgresName, dump})
	}
	switch {
	case cfg.Analytics.Backend == "clickhouse":
		notes = append(notes, "the analytics events in ClickHouse are not in it (back them up with ClickHouse's BACKUP)")
	case cfg.Analytics.Database != "" && !isSQLiteDSN(cfg.Analytics.Database) && cfg.Analytics.Database != cfg.Database:
		notes = append(notes, "the analytics database (analytics.database) is not in it: dump it with pg_dump")
	}

	if cfg.Manifest != "" {
		data, err := os.ReadFile(cfg.Manifest)
		if err != nil {
			return fmt.Errorf("manifest: %w", err)
		}
		m, err := manifest.Parse(cfg.Manifest, data)
		if err != nil {
			return fmt.Errorf("manifest:\n%w", err)
		}
		meta.ManifestHash = m.Hash()
		meta.Manifest = backup.ManifestDir + filepath.Base(cfg.Manifest)
		copyFile := filepath.Join(stage, "manifest")
		if err := os.WriteFile(copyFile, data, 0o600); err != nil {
			return err
		}
		entries = append(entries, entry{meta.Manifest, copyFile})
	}

	data, skipped, err := dataFiles(cfg, db.Path(), dest, stage)
	if err != nil {
		return err
	}
	for _, rel := range data {
		entries = append(entries, entry{backup.DataDir + filepath.ToSlash(rel), filepath.Join(cfg.DataDir, rel)})
	}

	tmp, err := os.CreateTemp(filepath.Dir(dest), ".noren-backup-*.tmp")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	w, err := backup.NewWriter(tmp, meta, strings.HasSuffix(dest, ".gz") || strings.HasSuffix(dest, ".tgz"))
	if err == nil {
		for _, e := range entries {
			if err = w.AddFile(e.name, e.file); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return fmt.Errorf("backup: %w", err)
	}

	if _, err := audit.New(db).Append(ctx, audit.Entry{Actor: cliActor, Role: "system", Action: "backup.create",
		Object: "backup:" + filepath.Base(dest), Outcome: audit.OK, Detail: map[string]string{"file": dest, "audit_head": meta.AuditHead,
			"manifest_hash": meta.ManifestHash}}); err != nil {
		fmt.Fprintf(env.stderr, "warning: the backup is written but not recorded in the audit trail: %v\n", err)
	}
	fmt.Fprintf(env.stdout, "wrote %s: %s database, audit head %s, %d file(s) of the data folder\n", dest, meta.Database, meta.AuditHead, len(data))
	if meta.ManifestHash != "" {
		fmt.Fprintf(env.stdout, "manifest %s, hash %s\n", filepath.Base(cfg.Manifest), meta.ManifestHash)
	}
	for _, s := range skipped {
		fmt.Fprintf(env.stdout, "left out %s\n", s)
	}
	for _, n := range notes {
		fmt.Fprintf(env.stdout, "note: %s\n", n)
	}
	fmt.Fprintln(env.stdout, "The vault's keys are not in it: keep them apart (docs/backup.md).")
	return nil
}

// snapshotHead reads the audit trail's head from a database snapshot.
func snapshotHead(ctx context.Context, file string) (audit.Head, error) {
	db, err := store.Open(ctx, "sqlite:"+file)
	if err != nil {
		return audit.Head{}, err
	}
	defer db.Close()
	return audit.New(db).Head(ctx)
}

// snapshotFile snapshots the SQLite database file src into dest.
func snapshotFile(ctx context.Context, src, dest string) error {
	db, err := store.Open(ctx, "sqlite:"+src)
	if err != nil {
		return err
	}
	defer db.Close()
	return backup.SnapshotSQLite(ctx, db, dest)
}

// isSQLiteDSN reports whether dsn names a SQLite database.
func isSQLiteDSN(dsn string) bool {
	_, ok := sqliteFile(dsn)
	return ok
}

// sqliteFile returns the absolute path of the SQLite file dsn names, as
// store.Open reads it; false for PostgreSQL and in-memory databases.
func sqliteFile(dsn string) (string, bool) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "", false
	}
	path, _ := strings.CutPrefix(dsn, "sqlite:")
	path, _, _ = strings.Cut(path, "?")
	if path == "" || path == ":memory:" {
		return "", false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	return abs, true
}

// analyticsSQLiteFile is the SQLite file of the analytics events when they
// have one of their own, as openAnalyticsDB chooses it.
func analyticsSQLiteFile(cfg *config.Config, mainFile string) (string, bool) {
	if cfg.Analytics.Database != "" {
		return sqliteFile(cfg.Analytics.Database)
	}
	if mainFile == "" {
		return "", false
	}
	return analyticsFile(mainFile), true
}

// secretHeaders mark the files that must never be in a backup, wherever
// they are kept: the vault's keys (a key file, or an environment file
// holding NOREN_VAULT_KEYS, which has the same header), the audit anchors'
// signing key, and private keys in PEM.
var secretHeaders = [][]byte{[]byte("noren-vault-key v1"), []byte("noren-audit-anchor-key v1"), []byte("PRIVATE KEY-----")}

// dataFiles lists the files of the data folder a backup holds, relative to
// it, and says what it left out: the database files (snapshotted instead),
// what can be rebuilt (the search index, ACME certificates), key files by
// their configured path and by their content, earlier backups, and
// anything other than regular files.
func dataFiles(cfg *config.Config, dbFile, dest, stage string) (files, skipped []string, err error) {
	root, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	leaveOut := map[string]string{
		filepath.Join(root, searchDir):         "the search index (rebuilt on start)",
		stage:                                  "",
		dest:                                   "",
		filepath.Join(root, "demo-vault.keys"): "the demo's vault keys",
	}
	if acme, err := filepath.Abs(cfg.TLS.ACME.CacheDir); err == nil {
		leaveOut[acme] = "the ACME certificates and account key (obtained again on start)"
	}
	for _, f := range []struct{ path, what string }{
		{cfg.Vault.KeyFile, "the vault's key file"},
		{cfg.Audit.AnchorKeyFile, "the audit anchors' signing key"},
		{cfg.TLS.Key, "the TLS private key"},
	} {
		if f.path != "" {
			if abs, err := filepath.Abs(f.path); err == nil {
				leaveOut[abs] = f.what
			}
		}
	}
	dbFiles := []string{dbFile}
	if a, ok := analyticsSQLiteFile(cfg, dbFile); ok {
		dbFiles = append(dbFiles, a)
	}
	for _, f := range dbFiles {
		if f == "" {
			continue
		}
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			leaveOut[f+suffix] = ""
		}
	}
	walkErr := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root && errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipAll
			}
			return err
		}
		if what, ok := leaveOut[path]; ok {
			if what != "" {
				skipped = append(skipped, what)
			}
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			skipped = append(skipped, rel+" (not a regular file)")
			return nil
		}
		why, err := secretOrBackup(path)
		if err != nil {
			return err
		}
		if why != "" {
			skipped = append(skipped, rel+" ("+why+")")
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if walkErr != nil {
		return nil, nil, fmt.Errorf("data folder %s: %w", root, walkErr)
	}
	slices.Sort(skipped)
	return files, slices.Compact(skipped), nil
}

// secretOrBackup says why the file at path must stay out of a backup by
// its content: a key, or a backup itself; "" when it may go in.
func secretOrBackup(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	for _, h := range secretHeaders {
		if bytes.Contains(head[:n], h) {
			return "a key", nil
		}
	}
	if _, err := backup.ReadMetadata(bytes.NewReader(head[:n])); err == nil {
		return "a backup", nil
	}
	return "", nil
}

func runRestore(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "restore", "-from FILE [flags]",
		"Restores a backup written by noren backup into the configured database and data\n"+
			"folder, which must be empty: it refuses a database that holds tables, and\n"+
			"files that exist, unless -force. It checks the whole archive against its\n"+
			"checksums before it touches anything, and replaces a SQLite database by one\n"+
			"rename and loads a PostgreSQL one in one transaction, so that a failure leaves\n"+
			"the database as it was. Stop every instance of noren serve first. The vault's\n"+
			"keys are not in the backup: configure those kept apart.")
	flags := config.RegisterFlags(fset)
	from := fset.String("from", "", "the backup `FILE` to restore")
	force := fset.Bool("force", false, "replace a database that holds tables and files that exist (the command lists them)")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 || *from == "" {
		fset.Usage()
		return errUsage
	}
	cfg, err := flags.Load(env.getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	f, err := os.Open(*from)
	if err != nil {
		return err
	}
	defer f.Close()
	meta, err := backup.ReadMetadata(f)
	if err != nil {
		return fmt.Errorf("%s: %w", *from, err)
	}
	target := store.Postgres.String()
	mainFile, isSQLite := sqliteFile(cfg.Database)
	if isSQLite {
		target = store.SQLite.String()
	}
	if meta.Database != target {
		return fmt.Errorf("%s holds a %s database and the configured database is %s: restore into one of the same kind", *from, meta.Database, target)
	}

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data folder %s: %w", cfg.DataDir, err)
	}
	stage, err := os.MkdirTemp(cfg.DataDir, ".noren-restore-")
	if err != nil {
		return fmt.Errorf("restore: staging folder: %w", err)
	}
	defer os.RemoveAll(stage)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, _, err := backup.Extract(f, stage); err != nil {
		return fmt.Errorf("%s: %w (nothing was restored)", *from, err)
	}

	moves, present, err := restorePlan(ctx, cfg, meta, stage, mainFile)
	if err != nil {
		return err
	}
	if len(present) > 0 && !*force {
		return fmt.Errorf("the target is not empty; nothing was restored. It holds:\n  %s\nRestore into an empty database and data folder, or run with -force to replace these",
			strings.Join(present, "\n  "))
	}
	for _, p := range present {
		fmt.Fprintf(env.stderr, "replacing %s\n", p)
	}

	if meta.Database == store.Postgres.String() {
		if err := backup.RestorePostgres(ctx, cfg.Database, filepath.Join(stage, filepath.FromSlash(backup.PostgresName)), *force); err != nil {
			return fmt.Errorf("%w (the database is as it was)", err)
		}
	}
	for _, m := range moves {
		if err := moveFile(m); err != nil {
			return fmt.Errorf("restore %s: %w", m.to, err)
		}
	}

	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return fmt.Errorf("restored, but the database does not open: %w", err)
	}
	defer db.Close()
	head, err := audit.ParseHead(meta.AuditHead)
	if err != nil {
		return fmt.Errorf("%s: %w", *from, err)
	}
	trail := audit.New(db)
	rep, err := trail.VerifyCheckpoints(ctx, []audit.Checkpoint{{Head: head, Source: "recorded in the backup"}})
	if err != nil {
		return err
	}
	if p := rep.Problem; p != nil {
		return fmt.Errorf("restored, but the audit trail is broken at entry %d: %s (%s)", p.Seq, p.Kind, p.Message)
	}
	if _, err := trail.Append(ctx, audit.Entry{Actor: cliActor, Role: "system", Action: "backup.restore", Object: "backup:" + filepath.Base(*from),
		Outcome: audit.OK, Detail: map[string]string{"file": *from, "audit_head": meta.AuditHead,
			"created": meta.Created.Format(time.RFC3339)}}); err != nil {
		fmt.Fprintf(env.stderr, "warning: restored, but not recorded in the audit trail: %v\n", err)
	}
	fmt.Fprintf(env.stdout, "restored the %s database of %s (taken %s by noren %s); audit trail intact to head %s\n",
		meta.Database, *from, meta.Created.Format(time.RFC3339), meta.NorenVersion, meta.AuditHead)
	if meta.ManifestHash != "" {
		fmt.Fprintf(env.stdout, "manifest hash %s\n", meta.ManifestHash)
	}
	fmt.Fprintln(env.stdout, "Configure the vault's keys kept apart (vault.key_file or NOREN_VAULT_KEYS) before serving.")
	return nil
}

// move is one file a restore puts in place.
type move struct {
	from, to string
	mode     fs.FileMode
	// database marks a SQLite file, whose old journal files must go.
	database bool
}

// restorePlan lists the files a restore puts in place from the staging
// folder, and what of the target they would replace.
func restorePlan(ctx context.Context, cfg *config.Config, meta backup.Metadata, stage, mainFile string) (moves []move, present []string, err error) {
	staged := func(name string) string { return filepath.Join(stage, filepath.FromSlash(name)) }
	exists := func(name string) bool { _, err := os.Stat(staged(name)); return err == nil }

	switch meta.Database {
	case store.SQLite.String():
		if !exists(backup.SQLiteName) {
			return nil, nil, fmt.Errorf("the backup holds no %s", backup.SQLiteName)
		}
		dbs := []struct{ name, to string }{{backup.SQLiteName, mainFile}}
		if a, ok := analyticsSQLiteFile(cfg, mainFile); ok && exists(backup.AnalyticsSQLiteName) {
			dbs = append(dbs, struct{ name, to string }{backup.AnalyticsSQLiteName, a})
		}
		for _, d := range dbs {
			tables, err := sqliteTables(ctx, d.to)
			if err != nil {
				return nil, nil, err
			}
			if len(tables) > 0 {
				present = append(present, fmt.Sprintf("the database %s (%d tables)", d.to, len(tables)))
			}
			moves = append(moves, move{staged(d.name), d.to, 0o600, true})
		}
	case store.Postgres.String():
		if !exists(backup.PostgresName) {
			return nil, nil, fmt.Errorf("the backup holds no %s", backup.PostgresName)
		}
		db, err := store.Open(ctx, cfg.Database)
		if err != nil {
			return nil, nil, err
		}
		tables, err := backup.Tables(ctx, db)
		db.Close()
		if err != nil {
			return nil, nil, err
		}
		if len(tables) > 0 {
			present = append(present, fmt.Sprintf("the PostgreSQL database's %d tables (%s); those the backup also holds are dropped and loaded again, others are left", len(tables), strings.Join(tables, ", ")))
		}
	}

	if meta.Manifest != "" && cfg.Manifest != "" {
		src := staged(meta.Manifest)
		want, err := os.ReadFile(src)
		if err != nil {
			return nil, nil, err
		}
		have, err := os.ReadFile(cfg.Manifest)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			moves = append(moves, move{src, cfg.Manifest, 0o644, false})
		case err != nil:
			return nil, nil, fmt.Errorf("manifest: %w", err)
		case !bytes.Equal(have, want):
			present = append(present, "the manifest "+cfg.Manifest+" (it differs from the backup's)")
			moves = append(moves, move{src, cfg.Manifest, 0o644, false})
		}
	}

	dataRoot := staged(backup.DataDir)
	err = filepath.WalkDir(dataRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dataRoot && errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dataRoot, path)
		if err != nil {
			return err
		}
		to := filepath.Join(cfg.DataDir, rel)
		if _, err := os.Lstat(to); err == nil {
			present = append(present, "the file "+to)
		}
		moves = append(moves, move{path, to, 0o600, false})
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("restore: %w", err)
	}
	return moves, present, nil
}

// sqliteTables lists the tables of the SQLite file path, none when it does
// not exist (without creating it).
func sqliteTables(ctx context.Context, path string) ([]string, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return backup.Tables(ctx, db)
}

// moveFile puts the staged file m.from in place at m.to with one rename, so
// that no one sees it half written; across file systems it copies to a
// temporary file beside m.to first. A SQLite database's journal files are
// removed first, since SQLite would apply an old one to the new file.
func moveFile(m move) error {
	from, to, mode := m.from, m.to, m.mode
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	if err := os.Chmod(from, mode); err != nil {
		return err
	}
	if m.database {
		for _, suffix := range []string{"-wal", "-shm", "-journal"} {
			if err := os.Remove(to + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	err := os.Rename(from, to)
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(to), ".noren-restore-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	src, err := os.Open(from)
	if err != nil {
		tmp.Close()
		return err
	}
	defer src.Close()
	_, err = io.Copy(tmp, src)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), to)
}

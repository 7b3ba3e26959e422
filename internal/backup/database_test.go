package backup_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/noren-web/noren/internal/backup"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestSnapshotSQLiteUnderWrites: the snapshot taken while another
// connection writes is one consistent state. Every transaction inserts a
// pair of rows, so a snapshot that caught half of one holds an odd count.
func TestSnapshotSQLiteUnderWrites(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.FreshDSN(t, store.SQLite)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE pairs (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	// A second handle, as noren serve is another process beside the
	// backup command.
	writer, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var writeErr error
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			writeErr = writer.Tx(ctx, func(tx *store.Tx) error {
				for range 2 {
					if _, err := tx.ExecContext(ctx, "INSERT INTO pairs (n) VALUES ($1)", i); err != nil {
						return err
					}
				}
				return nil
			})
			if writeErr != nil {
				return
			}
		}
	}()

	dir := t.TempDir()
	for i := range 5 {
		snap := filepath.Join(dir, "snap"+string(rune('a'+i))+".db")
		if err := backup.SnapshotSQLite(ctx, db, snap); err != nil {
			close(stop)
			wg.Wait()
			t.Fatal(err)
		}
		s, err := store.Open(ctx, "sqlite:"+snap)
		if err != nil {
			t.Fatal(err)
		}
		var count int
		var check string
		if err := s.QueryRowContext(ctx, "SELECT count(*) FROM pairs").Scan(&count); err != nil {
			t.Fatal(err)
		}
		if err := s.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if count%2 != 0 || check != "ok" {
			t.Errorf("snapshot %d: %d rows (want an even count), integrity %q", i, count, check)
		}
	}
	close(stop)
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("the writer failed during the snapshots: %v", writeErr)
	}
	if err := backup.SnapshotSQLite(ctx, db, filepath.Join(dir, "snapa.db")); err == nil {
		t.Error("a snapshot replaced an existing file")
	}
}

// TestPostgresDumpRestore: a dump loads into an empty database; loaded
// into one that holds a table of the dump it fails and leaves nothing of
// itself behind, since it runs in one transaction; with replace it loads.
func TestPostgresDumpRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pg_dump and pg_restore")
	}
	ctx := context.Background()
	srcDSN := storetest.FreshDSN(t, store.Postgres)
	src, err := store.Open(ctx, srcDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for _, q := range []string{
		"CREATE TABLE pages (id serial PRIMARY KEY, title text NOT NULL)",
		"INSERT INTO pages (title) VALUES ('プライバシーポリシー'), ('cookies')",
		"CREATE TABLE later (id int)",
	} {
		if _, err := src.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	dump := filepath.Join(t.TempDir(), "noren.pgdump")
	if err := backup.DumpPostgres(ctx, srcDSN, dump); err != nil {
		t.Fatal(err)
	}

	dstDSN := storetest.FreshDSN(t, store.Postgres)
	dst, err := store.Open(ctx, dstDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	// The table "later" is created after "pages" in the dump: a failure
	// there must take "pages" with it.
	if _, err := dst.ExecContext(ctx, "CREATE TABLE later (other text)"); err != nil {
		t.Fatal(err)
	}
	if err := backup.RestorePostgres(ctx, dstDSN, dump, false); err == nil {
		t.Fatal("restore over a table of the dump succeeded")
	}
	tables, err := backup.Tables(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || tables[0] != "later" {
		t.Errorf("after a failed restore the database holds %v, want only its own table", tables)
	}
	if err := backup.RestorePostgres(ctx, dstDSN, dump, true); err != nil {
		t.Fatal(err)
	}
	var titles []string
	rows, err := dst.QueryContext(ctx, "SELECT title FROM pages ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		titles = append(titles, s)
	}
	if len(titles) != 2 || titles[0] != "プライバシーポリシー" {
		t.Errorf("restored pages %v", titles)
	}
}

func TestPostgresToolMissing(t *testing.T) {
	if p, err := backup.PostgresTool("no-such-pg-program"); err == nil {
		t.Fatalf("PostgresTool found %s, a program that does not exist", p)
	}
}

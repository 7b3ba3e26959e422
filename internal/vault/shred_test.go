package vault_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
)

func TestShred(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := mustVault(t, db, mustKeys(t))
		id := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Subject: "taro@example.jp", Data: []byte("secret")})
		kept := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Subject: "taro@example.jp", Data: []byte("kept")})

		if err := v.Shred(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Open(ctx, id); !errors.Is(err, vault.ErrShredded) {
			t.Errorf("Open after Shred = %v, want ErrShredded", err)
		}
		if err := v.Shred(ctx, id); !errors.Is(err, vault.ErrShredded) {
			t.Errorf("second Shred = %v, want ErrShredded", err)
		}
		for _, unknown := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaaa", "nonsense"} {
			if err := v.Shred(ctx, unknown); !errors.Is(err, vault.ErrNotFound) {
				t.Errorf("Shred(%q) = %v, want ErrNotFound", unknown, err)
			}
		}
		if metas, err := v.Find(ctx, "taro@example.jp"); err != nil || len(metas) != 1 || metas[0].ID != kept {
			t.Errorf("Find after Shred = %q, %v; want only %s", metaIDs(metas), err, kept)
		}
		if rec, err := v.Open(ctx, kept); err != nil || string(rec.Data) != "kept" {
			t.Errorf("the other record after Shred: %q, %v", rec.Data, err)
		}

		for _, r := range dump(t, db) {
			if r.id != id {
				continue
			}
			if r.kekID != nil || r.wrapped != nil || r.ciphertext != nil || r.subjectIndex != nil || r.shredded == nil {
				t.Errorf("shredded row still holds key %v, wrapped key %d bytes, ciphertext %d bytes, index %d bytes; shredded_at %v",
					r.kekID, len(r.wrapped), len(r.ciphertext), len(r.subjectIndex), r.shredded)
			}
			if r.kind != "contact" || r.form != "contact" {
				t.Errorf("shredded row lost its kind and form: %q %q", r.kind, r.form)
			}
		}
	})
}

// TestShredOverwritesSQLite checks that on SQLite the shredded record's
// wrapped key and ciphertext leave no trace in the database file once the
// write-ahead log is checkpointed.
func TestShredOverwritesSQLite(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.FreshDSN(t, store.SQLite)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	v := mustVault(t, db, mustKeys(t))
	id := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Data: bytes.Repeat([]byte("x"), 3000)})
	var stored row
	for _, r := range dump(t, db) {
		stored = r
	}
	if err := v.Shred(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(strings.TrimPrefix(dsn, "sqlite:"))
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		content, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(content, stored.wrapped) {
			t.Errorf("%s still holds the shredded record's wrapped key", f.Name())
		}
		if bytes.Contains(content, stored.ciphertext[:64]) {
			t.Errorf("%s still holds the shredded record's ciphertext", f.Name())
		}
	}
}

// TestShredAndBackups plays out what shredding does to a backup taken
// before it: the backup stays readable with the key file until the KEK is
// rotated and the old one discarded.
func TestShredAndBackups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys, keyFile := writeKeys(t, mustKeys(t))
		v := mustVault(t, db, keys)
		erased := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Subject: "taro@example.jp", Data: []byte("to be erased")})
		kept := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Data: []byte("kept")})

		backup := dump(t, db)
		openIn := func(rows []row, k *vault.Keys, id string) (vault.Record, error) {
			return mustVault(t, restore(t, db.Dialect(), rows), k).Open(ctx, id)
		}
		if rec, err := openIn(backup, keys, erased); err != nil || string(rec.Data) != "to be erased" {
			t.Fatalf("backup before shredding, with the key file: %q, %v", rec.Data, err)
		}

		if err := v.Shred(ctx, erased); err != nil {
			t.Fatal(err)
		}
		// Shredding alone leaves the backup readable: it holds the wrapped
		// key, and the KEK that unwraps it is still in the key file.
		if rec, err := openIn(backup, keys, erased); err != nil || string(rec.Data) != "to be erased" {
			t.Errorf("backup after shredding, before rotation: %q, %v; want it still readable", rec.Data, err)
		}

		next, err := keys.WithNewKEK()
		if err != nil {
			t.Fatal(err)
		}
		if err := vault.WriteKeyFile(keyFile, next); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Rotate(ctx, next, vault.RotateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := vault.WriteKeyFile(keyFile, next.ActiveOnly()); err != nil {
			t.Fatal(err)
		}
		newKeys, err := vault.LoadKeyFile(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		if got := newKeys.KEKs(); len(got) != 1 || got[0] == keys.ActiveKEK() {
			t.Fatalf("key file after rotation has KEKs %q, want only a new one", got)
		}

		if rec, err := mustVault(t, db, newKeys).Open(ctx, kept); err != nil || string(rec.Data) != "kept" {
			t.Errorf("live database with the new key file: %q, %v", rec.Data, err)
		}
		if _, err := openIn(backup, newKeys, erased); !errors.Is(err, vault.ErrUnknownKEK) {
			t.Errorf("old backup with the new key file = %v, want ErrUnknownKEK", err)
		}
		// A copy of the database made after the rotation is readable, but
		// the shredded record is gone from it.
		current := dump(t, db)
		if _, err := openIn(current, newKeys, erased); !errors.Is(err, vault.ErrShredded) {
			t.Errorf("backup after rotation, shredded record: %v, want ErrShredded", err)
		}
		if rec, err := openIn(current, newKeys, kept); err != nil || string(rec.Data) != "kept" {
			t.Errorf("backup after rotation, kept record: %q, %v", rec.Data, err)
		}
	})
}

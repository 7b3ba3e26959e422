package dsr_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
)

// TestDeletionDestroysOldCopies is the acceptance test: a deletion request
// verified by the e-mailed link destroys every record of that address;
// they are undecryptable in a copy of the database taken before, once the
// key is rotated and the old one discarded. The database files never hold
// the address or what the person wrote in plain text.
func TestDeletionDestroysOldCopies(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.FreshDSN(t, store.SQLite)
	dir := filepath.Dir(strings.TrimPrefix(dsn, "sqlite:"))
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hs := newHarness(t, db, business(t))
	const email, details = "Shiro.Tanaka@example.jp", "correct my 住所 please"
	ids := []string{
		hs.seal("contact", email, `{"message":"one"}`),
		hs.seal("event-signup", strings.ToLower(email), `{"message":"two"}`),
	}
	hs.submit("en", dsr.Correction, email, details)

	before := filepath.Join(dir, "before.db")
	if _, err := db.ExecContext(ctx, "VACUUM INTO '"+before+"'"); err != nil {
		t.Fatal(err)
	}

	hs.submit("ja", dsr.Deletion, email, "")
	_, link := hs.link(2)
	hs.confirm(link)
	list, err := hs.h.List(ctx, dsr.Filter{Kind: dsr.Deletion})
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v", list, err)
	}
	// The earlier correction request stays, to be answered: only the two
	// form records are shredded.
	if n, err := hs.h.Delete(ctx, list[0].ID); err != nil || n != 2 {
		t.Fatalf("Delete = %d, %v; want the 2 form records", n, err)
	}

	// Rotate, then keep only the new key.
	next, err := hs.keys.WithNewKEK()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hs.vault.Rotate(ctx, next, vault.RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	newKeys := next.ActiveOnly()

	old, err := store.Open(ctx, "sqlite:"+before)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	withOldKey, err := vault.New(old, hs.keys)
	if err != nil {
		t.Fatal(err)
	}
	withNewKey, err := vault.New(old, newKeys)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		// The copy holds the record, readable with the discarded key …
		if _, err := withOldKey.Open(ctx, id); err != nil {
			t.Fatalf("the copy with the old key: %v", err)
		}
		// … and with the only key that is left, not at all.
		if _, err := withNewKey.Open(ctx, id); !errors.Is(err, vault.ErrUnknownKEK) {
			t.Errorf("the copy with the new key: Open(%s) = %v, want ErrUnknownKEK", id, err)
		}
	}
	liveNew, err := vault.New(db, newKeys)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := liveNew.Open(ctx, id); !errors.Is(err, vault.ErrShredded) {
			t.Errorf("the live database: Open(%s) = %v, want ErrShredded", id, err)
		}
	}

	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.db*"))
	if len(files) < 2 {
		t.Fatalf("database files: %v", files)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{email, strings.ToLower(email), "Tanaka", "tanaka", "住所"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s holds %q in plain text", filepath.Base(file), secret)
			}
		}
	}
}

// TestRequestSealed: what a public body's form asks of the requester, the
// name, address, what identifies the information and the 趣旨及び理由, is
// in the database files only as the vault sealed it.
func TestRequestSealed(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.FreshDSN(t, store.SQLite)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hs := newHarness(t, db)
	const reasons = "電話番号の末尾を1234に訂正してください。転居により変わったためです。"
	req := hs.verified("ja", dsr.Correction, "shiro@example.jp", reasons)
	if sub, err := hs.h.Subject(ctx, req.ID); err != nil || sub.Name != requesterName || sub.Details != reasons {
		t.Fatalf("Subject = %+v, %v", sub, err)
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(strings.TrimPrefix(dsn, "sqlite:")), "*.db*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{requesterName, requesterAddress, requestTarget, reasons, "shiro"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s holds %q in plain text", filepath.Base(file), secret)
			}
		}
	}
}

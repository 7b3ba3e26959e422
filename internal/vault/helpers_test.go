package vault_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
)

// month is a retention period that outlasts every test.
const month = 30 * 24 * time.Hour

func mustKeys(t testing.TB) *vault.Keys {
	t.Helper()
	k, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustVault(t testing.TB, db *store.DB, k *vault.Keys) *vault.Vault {
	t.Helper()
	v, err := vault.New(db, k)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustSeal(t testing.TB, v *vault.Vault, item vault.Item) string {
	t.Helper()
	if item.Expires.IsZero() {
		item.Expires = time.Now().Add(month)
	}
	id, err := v.Seal(context.Background(), item)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// randomKey returns a base64 key for writing key files by hand.
func randomKey() string {
	return base64.StdEncoding.EncodeToString(randomBytes(32))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// keyText is a key file with the given lines after the header.
func keyText(lines ...string) string {
	s := "noren-vault-key v1\n"
	for _, l := range lines {
		s += l + "\n"
	}
	return s
}

// indexLine returns the index line of k's key file.
func indexLine(t testing.TB, k *vault.Keys) string {
	t.Helper()
	for line := range strings.Lines(string(k.Marshal())) {
		if strings.HasPrefix(line, "index ") {
			return strings.TrimSpace(line)
		}
	}
	t.Fatal("no index line in marshalled keys")
	return ""
}

// row is a vault_records row as a backup holds it.
type row struct {
	id, kind, form      string
	created, expires    time.Time
	subjectIndex        []byte
	kekID               *string
	wrapped, ciphertext []byte
	shredded            *time.Time
}

// dump copies every vault row, as a backup would.
func dump(t testing.TB, db *store.DB) []row {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT id, kind, form, created_at, expires_at, subject_index, kek_id, wrapped_dek, ciphertext, shredded_at FROM vault_records ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.kind, &r.form, &r.created, &r.expires, &r.subjectIndex, &r.kekID, &r.wrapped, &r.ciphertext, &r.shredded); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// restore loads rows into a fresh database on backend d.
func restore(t testing.TB, d store.Dialect, rows []row) *store.DB {
	t.Helper()
	db := storetest.Open(t, d)
	for _, r := range rows {
		_, err := db.ExecContext(context.Background(), `INSERT INTO vault_records (id, kind, form, created_at, expires_at, subject_index, kek_id, wrapped_dek, ciphertext, shredded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			r.id, r.kind, r.form, r.created, r.expires, r.subjectIndex, r.kekID, r.wrapped, r.ciphertext, r.shredded)
		if err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// writeKeys writes k to a key file in a temporary directory and loads it
// back, as a restarted process would.
func writeKeys(t testing.TB, k *vault.Keys) (*vault.Keys, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vault.key")
	if err := vault.WriteKeyFile(path, k); err != nil {
		t.Fatal(err)
	}
	loaded, err := vault.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return loaded, path
}

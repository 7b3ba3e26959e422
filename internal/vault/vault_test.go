package vault_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
)

func TestSealOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := mustVault(t, db, mustKeys(t))
		expires := time.Date(2030, 4, 1, 9, 30, 0, 123456789, time.FixedZone("JST", 9*3600))
		tests := []vault.Item{
			{Kind: "contact", Form: "contact", Subject: " Taro.Yamada@Example.JP ", Expires: expires, Data: []byte(`{"name":"山田太郎","message":"こんにちは"}`)},
			{Kind: "request", Form: "dsr-form", Expires: expires, Data: []byte("no subject")},
			{Kind: "contact", Form: "contact", Subject: "a@b", Expires: expires},
			{Kind: "contact", Form: "contact", Expires: expires, Data: bytes.Repeat([]byte{0, 1, 2, 255}, 1<<16)},
		}
		for _, item := range tests {
			before := time.Now()
			id, err := v.Seal(ctx, item)
			if err != nil {
				t.Fatal(err)
			}
			if len(id) != 26 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz234567") != "" {
				t.Errorf("id %q is not 26 characters of lower-case base32", id)
			}
			rec, err := v.Open(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if rec.ID != id || rec.Kind != item.Kind || rec.Form != item.Form {
				t.Errorf("Open = %s %s/%s, want %s %s/%s", rec.ID, rec.Kind, rec.Form, id, item.Kind, item.Form)
			}
			if rec.Subject != strings.TrimSpace(item.Subject) {
				t.Errorf("Subject = %q, want %q", rec.Subject, strings.TrimSpace(item.Subject))
			}
			if !bytes.Equal(rec.Data, item.Data) {
				t.Errorf("Data differs: %d bytes, want %d", len(rec.Data), len(item.Data))
			}
			if !rec.Expires.Equal(expires.Truncate(time.Microsecond)) || rec.Expires.Location() != time.UTC {
				t.Errorf("Expires = %v, want %v in UTC", rec.Expires, expires)
			}
			if rec.Created.Before(before.Add(-time.Second)) || rec.Created.After(time.Now().Add(time.Second)) || rec.Created.Location() != time.UTC {
				t.Errorf("Created = %v, want about now in UTC", rec.Created)
			}
		}
	})
}

func TestSealRefusesBadItems(t *testing.T) {
	db := storetest.SQLite(t)
	v := mustVault(t, db, mustKeys(t))
	future := time.Now().Add(time.Hour)
	tests := []struct {
		name string
		item vault.Item
	}{
		{"no kind", vault.Item{Form: "contact", Expires: future}},
		{"upper-case kind", vault.Item{Kind: "Contact", Form: "contact", Expires: future}},
		{"no form", vault.Item{Kind: "contact", Expires: future}},
		{"form with a space", vault.Item{Kind: "contact", Form: "contact form", Expires: future}},
		{"no expiry", vault.Item{Kind: "contact", Form: "contact"}},
		{"expired", vault.Item{Kind: "contact", Form: "contact", Expires: time.Now().Add(-time.Second)}},
		{"subject without @", vault.Item{Kind: "contact", Form: "contact", Subject: "taro", Expires: future}},
		{"subject without domain", vault.Item{Kind: "contact", Form: "contact", Subject: "taro@", Expires: future}},
		{"subject too long", vault.Item{Kind: "contact", Form: "contact", Subject: strings.Repeat("a", 320) + "@example.jp", Expires: future}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if id, err := v.Seal(context.Background(), tt.item); err == nil {
				t.Errorf("Seal = %s, want an error", id)
			}
		})
	}
	if inv, err := v.Report(context.Background(), time.Now()); err != nil || inv.Live != 0 {
		t.Errorf("after refused seals the vault holds %d records (%v)", inv.Live, err)
	}
}

func TestOpenUnknown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := mustVault(t, db, mustKeys(t))
		for _, id := range []string{"", "aaaaaaaaaaaaaaaaaaaaaaaaaa", "AAAAAAAAAAAAAAAAAAAAAAAAAA", "x' OR '1'='1"} {
			if _, err := v.Open(context.Background(), id); !errors.Is(err, vault.ErrNotFound) {
				t.Errorf("Open(%q) = %v, want ErrNotFound", id, err)
			}
		}
	})
}

// TestTampering alters stored rows the ways an attacker with write access
// to the database could, and checks that every altered record is refused.
func TestTampering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := mustKeys(t)
		v := mustVault(t, db, keys)
		item := vault.Item{Kind: "contact", Form: "contact", Subject: "taro@example.jp", Data: []byte("secret message")}
		exec := func(query string, args ...any) {
			t.Helper()
			if _, err := db.ExecContext(ctx, query, args...); err != nil {
				t.Fatal(err)
			}
		}
		column := func(name, id string) []byte {
			t.Helper()
			var b []byte
			if err := db.QueryRowContext(ctx, `SELECT `+name+` FROM vault_records WHERE id = $1`, id).Scan(&b); err != nil {
				t.Fatal(err)
			}
			return b
		}
		flip := func(b []byte, i int) []byte {
			b = bytes.Clone(b)
			b[i] ^= 0x01
			return b
		}

		tests := []struct {
			name string
			// alter changes the stored rows and returns the ids that must
			// now be refused.
			alter func(a, b string) []string
		}{
			{"flipped ciphertext byte", func(a, _ string) []string {
				exec(`UPDATE vault_records SET ciphertext = $2 WHERE id = $1`, a, flip(column("ciphertext", a), 20))
				return []string{a}
			}},
			{"flipped tag byte", func(a, _ string) []string {
				ct := column("ciphertext", a)
				exec(`UPDATE vault_records SET ciphertext = $2 WHERE id = $1`, a, flip(ct, len(ct)-1))
				return []string{a}
			}},
			{"flipped wrapped key byte", func(a, _ string) []string {
				exec(`UPDATE vault_records SET wrapped_dek = $2 WHERE id = $1`, a, flip(column("wrapped_dek", a), 30))
				return []string{a}
			}},
			{"truncated ciphertext", func(a, _ string) []string {
				exec(`UPDATE vault_records SET ciphertext = $2 WHERE id = $1`, a, column("ciphertext", a)[:5])
				return []string{a}
			}},
			{"wrapped keys swapped between rows", func(a, b string) []string {
				wa, wb := column("wrapped_dek", a), column("wrapped_dek", b)
				exec(`UPDATE vault_records SET wrapped_dek = $2 WHERE id = $1`, a, wb)
				exec(`UPDATE vault_records SET wrapped_dek = $2 WHERE id = $1`, b, wa)
				return []string{a, b}
			}},
			{"ciphertext and wrapped key moved to another row", func(a, b string) []string {
				exec(`UPDATE vault_records SET ciphertext = $2, wrapped_dek = $3 WHERE id = $1`, b, column("ciphertext", a), column("wrapped_dek", a))
				return []string{b}
			}},
			{"ciphertext alone moved to another row", func(a, b string) []string {
				exec(`UPDATE vault_records SET ciphertext = $2 WHERE id = $1`, b, column("ciphertext", a))
				return []string{b}
			}},
			{"kind changed", func(a, _ string) []string {
				exec(`UPDATE vault_records SET kind = 'request' WHERE id = $1`, a)
				return []string{a}
			}},
			{"form changed", func(a, _ string) []string {
				exec(`UPDATE vault_records SET form = 'other' WHERE id = $1`, a)
				return []string{a}
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a, b := mustSeal(t, v, item), mustSeal(t, v, item)
				for _, id := range tt.alter(a, b) {
					rec, err := v.Open(ctx, id)
					if !errors.Is(err, vault.ErrDecrypt) {
						t.Errorf("Open(%s) after tampering = %q, %v; want ErrDecrypt", id, rec.Data, err)
					}
					if err != nil && strings.Contains(err.Error(), "secret") {
						t.Errorf("error reveals the plaintext: %v", err)
					}
				}
			})
		}

		t.Run("KEK id changed", func(t *testing.T) {
			// After a rotation the vault knows two KEKs; a row claiming the
			// other one must be refused, not silently tried.
			// A database of its own: the rows tampered with above would stop
			// the rotation.
			fresh := storetest.Open(t, db.Dialect())
			rotated := mustVault(t, fresh, keys)
			next, err := keys.WithNewKEK()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rotated.Rotate(ctx, next, vault.RotateOptions{}); err != nil {
				t.Fatal(err)
			}
			a := mustSeal(t, rotated, item)
			if _, err := fresh.ExecContext(ctx, `UPDATE vault_records SET kek_id = $2 WHERE id = $1`, a, keys.ActiveKEK()); err != nil {
				t.Fatal(err)
			}
			if _, err := rotated.Open(ctx, a); !errors.Is(err, vault.ErrDecrypt) {
				t.Errorf("Open(%s) = %v, want ErrDecrypt", a, err)
			}
		})
	})
}

func TestWrongKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := mustKeys(t)
		id := mustSeal(t, mustVault(t, db, keys), vault.Item{Kind: "contact", Form: "contact", Data: []byte("secret")})

		t.Run("other keys altogether", func(t *testing.T) {
			_, err := mustVault(t, db, mustKeys(t)).Open(ctx, id)
			if !errors.Is(err, vault.ErrUnknownKEK) {
				t.Fatalf("Open = %v, want ErrUnknownKEK", err)
			}
			if !strings.Contains(err.Error(), keys.ActiveKEK()) {
				t.Errorf("error %q does not name the KEK the record needs, %s", err, keys.ActiveKEK())
			}
		})
		t.Run("same KEK id, different key", func(t *testing.T) {
			wrong, err := vault.ParseKeys([]byte(keyText("kek "+keys.ActiveKEK()+" "+randomKey(), indexLine(t, keys))))
			if err != nil {
				t.Fatal(err)
			}
			_, err = mustVault(t, db, wrong).Open(ctx, id)
			if !errors.Is(err, vault.ErrDecrypt) {
				t.Fatalf("Open = %v, want ErrDecrypt", err)
			}
			if !strings.Contains(err.Error(), "wrong key") {
				t.Errorf("error %q does not say the key may be wrong", err)
			}
		})
	})
}

func TestVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := mustKeys(t)
		v := mustVault(t, db, keys)
		if err := v.Verify(ctx); err != nil {
			t.Errorf("Verify on an empty vault: %v", err)
		}
		mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Subject: "taro@example.jp"})
		if err := v.Verify(ctx); err != nil {
			t.Errorf("Verify with the right keys: %v", err)
		}

		otherIndex := mustKeys(t)
		var kekLine string
		for line := range strings.Lines(string(keys.Marshal())) {
			if strings.HasPrefix(line, "kek ") {
				kekLine = strings.TrimSpace(line)
			}
		}
		wrongIndex, err := vault.ParseKeys([]byte(keyText(kekLine, indexLine(t, otherIndex))))
		if err != nil {
			t.Fatal(err)
		}
		if err := mustVault(t, db, wrongIndex).Verify(ctx); err == nil || !strings.Contains(err.Error(), "index key") {
			t.Errorf("Verify with another index key = %v, want an error about the index key", err)
		}
		if err := mustVault(t, db, mustKeys(t)).Verify(ctx); !errors.Is(err, vault.ErrUnknownKEK) {
			t.Errorf("Verify with other keys = %v, want ErrUnknownKEK", err)
		}
	})
}

// TestNoPlaintextStored seals personal data and looks for it, in every
// encoding that matters, in the stored rows and, on SQLite, in the files.
func TestNoPlaintextStored(t *testing.T) {
	secrets := []string{"Hanako.Suzuki@example.jp", "hanako.suzuki@example.jp", "鈴木花子", "Suzuki Hanako", "090-1234-5678"}
	seal := func(t *testing.T, db *store.DB) {
		v := mustVault(t, db, mustKeys(t))
		for range 3 {
			mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Subject: secrets[0],
				Data: []byte(`{"name":"` + secrets[2] + `","romaji":"` + secrets[3] + `","tel":"` + secrets[4] + `"}`)})
		}
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seal(t, db)
		for _, r := range dump(t, db) {
			for _, col := range [][]byte{[]byte(r.id), []byte(r.kind), []byte(r.form), r.subjectIndex, r.wrapped, r.ciphertext} {
				for _, s := range secrets {
					if bytes.Contains(col, []byte(s)) {
						t.Errorf("row %s holds %q in the clear", r.id, s)
					}
				}
			}
		}
	})

	t.Run("sqlite files", func(t *testing.T) {
		dsn := storetest.FreshDSN(t, store.SQLite)
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		seal(t, db)
		dir := filepath.Dir(strings.TrimPrefix(dsn, "sqlite:"))
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var read int
		for _, f := range files {
			content, err := os.ReadFile(filepath.Join(dir, f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			read += len(content)
			for _, s := range secrets {
				if bytes.Contains(content, []byte(s)) {
					t.Errorf("%s holds %q in the clear", f.Name(), s)
				}
			}
		}
		if read == 0 {
			t.Fatal("found no database files to search")
		}
	})
}

func TestFind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := mustVault(t, db, mustKeys(t))
		hanako1 := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Subject: "Hanako@Example.JP"})
		hanako2 := mustSeal(t, v, vault.Item{Kind: "request", Form: "dsr", Subject: "  hanako@example.jp\n"})
		other := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Subject: "hanako@example.com"})
		mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact"})
		shredded := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Subject: "hanako@example.jp"})
		if err := v.Shred(ctx, shredded); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			subject string
			want    []string
		}{
			{"hanako@example.jp", []string{hanako1, hanako2}},
			{"HANAKO@EXAMPLE.JP", []string{hanako1, hanako2}},
			{"hanako@Example.jp ", []string{hanako1, hanako2}},
			{"hanako@example.com", []string{other}},
			{"hanako@example.org", nil},
			{"h.anako@example.jp", nil},
		}
		for _, tt := range tests {
			metas, err := v.Find(ctx, tt.subject)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range metas {
				got = append(got, m.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Find(%q) = %q, want %q", tt.subject, got, tt.want)
			}
		}
		if metas, _ := v.Find(ctx, "hanako@example.jp"); len(metas) == 2 && (metas[1].Kind != "request" || metas[1].Form != "dsr") {
			t.Errorf("Find returned %+v, want the request's kind and form", metas[1])
		}
		for _, bad := range []string{"", "hanako", "@example.jp"} {
			if _, err := v.Find(ctx, bad); err == nil {
				t.Errorf("Find(%q) succeeded, want an error", bad)
			}
		}
	})
}

func TestNormalizeSubject(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"taro@example.jp", "taro@example.jp", true},
		{" Taro.Yamada+news@Example.JP\t", "taro.yamada+news@example.jp", true},
		{"\"odd@local\"@example.jp", "\"odd@local\"@example.jp", true},
		{"ÉLODIE@EXAMPLE.FR", "élodie@example.fr", true},
		{"", "", false},
		{"taro", "", false},
		{"@example.jp", "", false},
		{"taro@", "", false},
	}
	for _, tt := range tests {
		got, err := vault.NormalizeSubject(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeSubject(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := mustVault(t, db, mustKeys(t))
		now := time.Now().UTC().Truncate(time.Microsecond)
		var ids []string
		for i := range 4 {
			ids = append(ids, mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Expires: now.Add(time.Duration(4-i) * time.Hour)}))
		}
		// ids[3] expires first, ids[0] last.
		expired, err := v.Expired(ctx, now.Add(90*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if got := metaIDs(expired); !slices.Equal(got, []string{ids[3]}) {
			t.Errorf("Expired after 90 minutes = %q, want %q", got, ids[3:])
		}
		if expired, _ := v.Expired(ctx, now.Add(2*time.Hour)); len(expired) != 2 {
			t.Errorf("Expired exactly at the second expiry: %d records, want 2 (expiry is inclusive)", len(expired))
		}

		later := now.Add(150 * time.Minute)
		shredded, err := v.ShredExpired(ctx, later)
		if err != nil {
			t.Fatal(err)
		}
		if got := metaIDs(shredded); !slices.Equal(got, []string{ids[3], ids[2]}) {
			t.Errorf("ShredExpired = %q, want %q", got, []string{ids[3], ids[2]})
		}
		if len(shredded) > 0 && !shredded[0].Expires.Equal(now.Add(time.Hour)) {
			t.Errorf("ShredExpired reports expiry %v, want %v", shredded[0].Expires, now.Add(time.Hour))
		}
		for _, id := range ids[2:] {
			if _, err := v.Open(ctx, id); !errors.Is(err, vault.ErrShredded) {
				t.Errorf("Open(%s) after ShredExpired = %v, want ErrShredded", id, err)
			}
		}
		for _, id := range ids[:2] {
			if _, err := v.Open(ctx, id); err != nil {
				t.Errorf("Open(%s), not yet expired: %v", id, err)
			}
		}
		if again, err := v.ShredExpired(ctx, later); err != nil || len(again) != 0 {
			t.Errorf("second ShredExpired = %q, %v; want nothing", metaIDs(again), err)
		}
		if expired, err := v.Expired(ctx, later); err != nil || len(expired) != 0 {
			t.Errorf("Expired after ShredExpired = %q, %v; want nothing", metaIDs(expired), err)
		}
	})
}

func metaIDs(metas []vault.Meta) []string {
	var ids []string
	for _, m := range metas {
		ids = append(ids, m.ID)
	}
	return ids
}

func TestReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := mustKeys(t)
		v := mustVault(t, db, keys)
		now := time.Now()

		empty, err := v.Report(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if empty.Live != 0 || empty.Oldest.ID != "" || len(empty.Groups) != 0 || len(empty.KEKs) != 0 {
			t.Errorf("report of an empty vault: %+v", empty)
		}

		oldest := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Expires: now.Add(time.Hour)})
		mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Expires: now.Add(3 * time.Hour)})
		gone := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact"})
		mustSeal(t, v, vault.Item{Kind: "request", Form: "contact"})
		mustSeal(t, v, vault.Item{Kind: "request", Form: "dsr"})
		if err := v.Shred(ctx, gone); err != nil {
			t.Fatal(err)
		}

		inv, err := v.Report(ctx, now.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		wantGroups := []vault.InventoryGroup{
			{Form: "contact", Kind: "contact", Live: 2, Shredded: 1, PastExpiry: 1},
			{Form: "contact", Kind: "request", Live: 1},
			{Form: "dsr", Kind: "request", Live: 1},
		}
		if !slices.Equal(inv.Groups, wantGroups) {
			t.Errorf("Groups = %+v, want %+v", inv.Groups, wantGroups)
		}
		if inv.Live != 4 || inv.Shredded != 1 || inv.PastExpiry != 1 {
			t.Errorf("totals live %d, shredded %d, past expiry %d; want 4, 1, 1", inv.Live, inv.Shredded, inv.PastExpiry)
		}
		if inv.Oldest.ID != oldest || inv.Oldest.Kind != "contact" {
			t.Errorf("Oldest = %+v, want %s", inv.Oldest, oldest)
		}
		if want := map[string]int{keys.ActiveKEK(): 4}; len(inv.KEKs) != 1 || inv.KEKs[keys.ActiveKEK()] != 4 {
			t.Errorf("KEKs = %v, want %v", inv.KEKs, want)
		}
	})
}

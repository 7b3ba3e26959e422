package account_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestCeremonies checks that a ceremony is taken once, expires, replaces
// its key's earlier one, that the limit holds, and that expired ceremonies
// make room.
func TestCeremonies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		put := func(key string, c account.Ceremony, now time.Time) error {
			t.Helper()
			return s.PutCeremony(ctx, key, c, 2, now)
		}

		want := account.Ceremony{UserID: u.ID, Name: "YubiKey", Next: "/admin/account", Data: []byte(`{"challenge":"abc"}`), Expires: t0.Add(time.Minute)}
		if err := put("add:a", want, t0); err != nil {
			t.Fatal(err)
		}
		if err := put("sign-in:b", account.Ceremony{Data: []byte(`{}`), Expires: t0.Add(time.Hour)}, t0); err != nil {
			t.Fatal(err)
		}
		if err := put("sign-in:c", account.Ceremony{Data: []byte(`{}`), Expires: t0.Add(time.Minute)}, t0); !errors.Is(err, account.ErrTooManyCeremonies) {
			t.Errorf("a third ceremony over the limit: %v, want ErrTooManyCeremonies", err)
		}
		want.Name = "again"
		if err := put("add:a", want, t0); err != nil {
			t.Errorf("a new ceremony under a key in use was refused: %v", err)
		}
		got, err := s.TakeCeremony(ctx, "add:a", t0)
		if err != nil || got.UserID != want.UserID || got.Name != "again" || got.Next != want.Next ||
			string(got.Data) != string(want.Data) || !got.Expires.Equal(want.Expires) {
			t.Errorf("TakeCeremony = %+v, %v; want the latest ceremony of the key, %+v", got, err, want)
		}
		if _, err := s.TakeCeremony(ctx, "add:a", t0); !errors.Is(err, account.ErrNoCeremony) {
			t.Errorf("a ceremony taken twice: %v", err)
		}
		if got, err := s.TakeCeremony(ctx, "sign-in:b", t0); err != nil || got.UserID != 0 {
			t.Errorf("passwordless ceremony: %+v, %v; want one with no account", got, err)
		}

		if err := put("d", account.Ceremony{Data: []byte(`{}`), Expires: t0.Add(time.Minute)}, t0); err != nil {
			t.Fatal(err)
		}
		if err := put("e", account.Ceremony{Data: []byte(`{}`), Expires: t0.Add(time.Minute)}, t0); err != nil {
			t.Fatal(err)
		}
		later := t0.Add(2 * time.Minute)
		if err := put("f", account.Ceremony{Data: []byte(`{}`), Expires: later.Add(time.Minute)}, later); err != nil {
			t.Errorf("expired ceremonies did not make room: %v", err)
		}
		if _, err := s.TakeCeremony(ctx, "d", t0.Add(time.Minute)); !errors.Is(err, account.ErrNoCeremony) {
			t.Errorf("an expired ceremony was handed out: %v", err)
		}
		if n := countRows(t, db, "admin_passkey_ceremonies"); n != 1 {
			t.Errorf("%d ceremonies stored, want only the one in progress", n)
		}
	})
}

// TestCeremonyKeysAreHashed checks that what binds a ceremony to a browser
// is not stored.
func TestCeremonyKeysAreHashed(t *testing.T) {
	db := storetest.SQLite(t)
	s := newStore(t, db)
	const key = "sign-in:the-login-cookie-value"
	if err := s.PutCeremony(t.Context(), key, account.Ceremony{Data: []byte(`{}`), Expires: t0.Add(time.Minute)}, 10, t0); err != nil {
		t.Fatal(err)
	}
	for _, v := range tableText(t, db, "admin_passkey_ceremonies") {
		if strings.Contains(v, "the-login-cookie-value") {
			t.Errorf("the ceremony's key is stored: %q", v)
		}
	}
}

// TestCeremonyTakenOnceAcrossInstances races two stores, each on its own
// connections to one database as two instances are, to take the same
// ceremony: exactly one gets it.
func TestCeremonyTakenOnceAcrossInstances(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			dsn := storetest.FreshDSN(t, d)
			a, b := openInstance(t, dsn), openInstance(t, dsn)
			for round := range 20 {
				key := "verify:" + strings.Repeat("x", round)
				if err := a.PutCeremony(t.Context(), key, account.Ceremony{Data: []byte(`{}`), Expires: t0.Add(time.Minute)}, 10, t0); err != nil {
					t.Fatal(err)
				}
				var wg sync.WaitGroup
				taken := make([]bool, 2)
				for i, s := range []*account.Store{a, b} {
					wg.Go(func() {
						_, err := s.TakeCeremony(context.Background(), key, t0)
						if err != nil && !errors.Is(err, account.ErrNoCeremony) {
							t.Error(err)
						}
						taken[i] = err == nil
					})
				}
				wg.Wait()
				if taken[0] == taken[1] {
					t.Fatalf("round %d: taken by A %v, by B %v; want exactly one", round, taken[0], taken[1])
				}
			}
		})
	}
}

// openInstance opens the database at dsn as an instance of its own would,
// migrating it.
func openInstance(t *testing.T, dsn string) *account.Store {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return newStore(t, db)
}

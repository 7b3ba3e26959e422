package account_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store"
)

// cheapHash keeps argon2id fast in tests; the default costs 64 MiB a hash.
var cheapHash = account.Options{Hash: account.HashParams{Memory: 64, Time: 1, Threads: 1}}

// password is strong enough for every account the tests create.
const password = "plum blossoms in february"

// t0 is the tests' "now": a whole second, so that it survives the
// microsecond precision of both backends unchanged.
var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func newStore(t *testing.T, db *store.DB) *account.Store {
	t.Helper()
	s, err := account.NewStore(db, cheapHash)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	return s
}

// profile returns a valid profile for the role at t0: handlers and
// contractors get a form, contractors an expiry a month away.
func profile(email string, role account.Role) account.Profile {
	p := account.Profile{Email: email, Name: strings.ToUpper(email[:1]) + " Example", Role: role}
	if role.FormScoped() {
		p.Forms = []string{"contact"}
	}
	if role == account.Contractor {
		p.ExpiresAt = t0.Add(30 * 24 * time.Hour)
	}
	return p
}

func mustCreate(t *testing.T, s *account.Store, email string, role account.Role) account.User {
	t.Helper()
	u, err := s.Create(t.Context(), profile(email, role), password, t0)
	if err != nil {
		t.Fatalf("Create %s %s: %v", role, email, err)
	}
	return u
}

func mustByID(t *testing.T, s *account.Store, id int64) account.User {
	t.Helper()
	u, err := s.ByID(t.Context(), id)
	if err != nil {
		t.Fatalf("ByID(%d): %v", id, err)
	}
	return u
}

// tableText returns every value of every row of table, each formatted as
// text, so a test can check that a secret was never written to it.
func tableText(t *testing.T, db *store.DB, table string) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			out = append(out, fmt.Sprint(v))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s: %v", table, err)
	}
	return out
}

// countRows returns how many rows table has.
func countRows(t *testing.T, db *store.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

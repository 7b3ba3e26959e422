package audit_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/store"
)

// base is the time of the first test entry; the others follow a second
// apart.
var base = time.Date(2026, 11, 29, 9, 30, 0, 123456000, time.UTC)

// sample returns the i-th of a set of entries (from 1) that covers every
// field and a few actions, actors and outcomes to filter on.
func sample(i int) audit.Entry {
	actors := []string{"owner@example.jp", "analyst@example.jp", "cli"}
	roles := []string{"owner", "analyst", "system"}
	actions := []string{"login", "login.failed", "submission.read", "user.role", "audit.export"}
	outcomes := []audit.Outcome{audit.OK, audit.Failed, audit.OK, audit.Denied}
	e := audit.Entry{
		At:      base.Add(time.Duration(i-1) * time.Second),
		Actor:   actors[(i-1)%len(actors)],
		Role:    roles[(i-1)%len(roles)],
		Action:  actions[(i-1)%len(actions)],
		Object:  fmt.Sprintf("form:contact/%d", i),
		Outcome: outcomes[(i-1)%len(outcomes)],
		Address: "203.0.113.0/24",
	}
	if i%2 == 1 {
		e.Purpose = "contact-reply"
		e.Detail = map[string]string{"reason": "review", "count": fmt.Sprint(i)}
	}
	return e
}

// appendSamples appends sample(1) … sample(n) and returns them as stored.
func appendSamples(t testing.TB, trail *audit.Trail, n int) []audit.Entry {
	t.Helper()
	out := make([]audit.Entry, n)
	for i := range n {
		e, err := trail.Append(context.Background(), sample(i+1))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = e
	}
	return out
}

// unprotect drops the triggers that make the table append-only, as someone
// with full rights over the database could.
func unprotect(t *testing.T, db *store.DB) {
	t.Helper()
	statements := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if db.Dialect() == store.Postgres {
		statements = []string{`ALTER TABLE audit_log DISABLE TRIGGER USER`}
	}
	for _, s := range statements {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// exec runs a statement as the attacker, failing the test if it errs.
func exec(t *testing.T, db *store.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// textColumn reads one text column of entry seq.
func textColumn(t *testing.T, db *store.DB, seq int64, column string) string {
	t.Helper()
	var s string
	if err := db.QueryRowContext(context.Background(), `SELECT `+column+` FROM audit_log WHERE seq = $1`, seq).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// flipByte changes one byte of s to another character of the same class,
// so the result still passes the table's CHECK constraints.
func flipByte(s string, i int) string {
	b := []byte(s)
	switch c := b[i]; {
	case c == 'f':
		b[i] = 'e'
	case c == '9':
		b[i] = '8'
	case c >= '0' && c <= '8', c >= 'a' && c <= 'e':
		b[i] = c + 1
	default:
		b[i] = 'x'
		if c == 'x' {
			b[i] = 'y'
		}
	}
	return string(b)
}

// outsideHash computes an entry's hash the way an auditor's own tool
// would, from the package documentation: plain JSON of the array. It holds
// for text without '<', '>', '&', U+2028 and U+2029, which encoding/json
// escapes and RFC 8785 does not.
func outsideHash(t testing.TB, e audit.Entry) string {
	t.Helper()
	detail := e.Detail
	if detail == nil {
		detail = map[string]string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode([]any{"noren-audit-1", e.Seq, e.At.UTC().Format("2006-01-02T15:04:05.000000Z"),
		e.Actor, e.Role, e.Action, e.Object, e.Purpose, string(e.Outcome), e.Address, detail, e.PrevHash})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return hex.EncodeToString(sum[:])
}

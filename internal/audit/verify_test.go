package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

func TestVerifyIntact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		trail := audit.New(db)
		empty, err := trail.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if empty.Problem != nil || empty.Entries != 0 || empty.Head.String() != "0:"+strings.Repeat("0", 64) {
			t.Errorf("empty trail: %+v", empty)
		}
		got := appendSamples(t, trail, 5)
		rep, err := trail.Verify(ctx, &audit.Head{Seq: 3, Hash: got[2].Hash})
		if err != nil {
			t.Fatal(err)
		}
		want := audit.Head{Seq: 5, Hash: got[4].Hash}
		if rep.Problem != nil || rep.Entries != 5 || rep.First != 1 || rep.Head != want {
			t.Errorf("Verify = %+v, problem %v; want 5 entries, head %s", rep, rep.Problem, want)
		}
	})
}

// tampering is one thing an attacker with full rights over the database
// does to entry 3 (or thereabouts) of a five-entry trail, after dropping
// the triggers.
type tampering struct {
	name     string
	do       func(t *testing.T, db *store.DB, entries []audit.Entry)
	wantSeq  int64
	wantKind string
}

// oneByte returns a tampering that changes one byte of column in entry 3.
func oneByte(column string, at int) tampering {
	return tampering{
		name: "one byte of " + column,
		do: func(t *testing.T, db *store.DB, _ []audit.Entry) {
			old := textColumn(t, db, 3, column)
			exec(t, db, `UPDATE audit_log SET `+column+` = $1 WHERE seq = 3`, flipByte(old, at))
		},
		wantSeq: 3, wantKind: audit.KindAltered,
	}
}

// swap exchanges everything but the sequence numbers of entries a and b.
func swap(t *testing.T, db *store.DB, entries []audit.Entry, a, b int64) {
	const set = `UPDATE audit_log SET at = $2, actor = $3, role = $4, action = $5, object = $6, purpose = $7,
		outcome = $8, address = $9, detail = $10, prev_hash = $11, hash = $12 WHERE seq = $1`
	for _, pair := range [][2]int64{{a, b}, {b, a}} {
		e := entries[pair[1]-1]
		exec(t, db, set, pair[0], e.At, e.Actor, e.Role, e.Action, e.Object, e.Purpose, string(e.Outcome), e.Address,
			textColumn(t, db, pair[1], "detail"), e.PrevHash, e.Hash)
	}
}

func tamperings() []tampering {
	return []tampering{
		oneByte("actor", 0),
		oneByte("role", 1),
		oneByte("action", 2),
		oneByte("object", 5),
		oneByte("purpose", 0),
		{
			name: "outcome changed",
			do: func(t *testing.T, db *store.DB, _ []audit.Entry) {
				exec(t, db, `UPDATE audit_log SET outcome = 'denied' WHERE seq = 3`)
			},
			wantSeq: 3, wantKind: audit.KindAltered,
		},
		oneByte("address", 0),
		oneByte("detail", 3),
		oneByte("prev_hash", 10),
		oneByte("hash", 63),
		{
			name: "time moved by a microsecond",
			do: func(t *testing.T, db *store.DB, entries []audit.Entry) {
				exec(t, db, `UPDATE audit_log SET at = $1 WHERE seq = 3`, entries[2].At.Add(1000))
			},
			wantSeq: 3, wantKind: audit.KindAltered,
		},
		{
			name: "detail respelt with the same meaning",
			do: func(t *testing.T, db *store.DB, _ []audit.Entry) {
				old := textColumn(t, db, 3, "detail")
				exec(t, db, `UPDATE audit_log SET detail = $1 WHERE seq = 3`, strings.Replace(old, `"review"`, `"revi\u0065w"`, 1))
			},
			wantSeq: 3, wantKind: audit.KindAltered,
		},
		{
			name: "entry deleted",
			do: func(t *testing.T, db *store.DB, _ []audit.Entry) {
				exec(t, db, `DELETE FROM audit_log WHERE seq = 3`)
			},
			wantSeq: 3, wantKind: audit.KindRemoved,
		},
		{
			name: "first entry deleted",
			do: func(t *testing.T, db *store.DB, _ []audit.Entry) {
				exec(t, db, `DELETE FROM audit_log WHERE seq = 1`)
			},
			wantSeq: 1, wantKind: audit.KindRemoved,
		},
		{
			name: "two entries deleted",
			do: func(t *testing.T, db *store.DB, _ []audit.Entry) {
				exec(t, db, `DELETE FROM audit_log WHERE seq IN (3, 4)`)
			},
			wantSeq: 3, wantKind: audit.KindRemoved,
		},
		{
			name:     "neighbours swapped",
			do:       func(t *testing.T, db *store.DB, e []audit.Entry) { swap(t, db, e, 3, 4) },
			wantSeq:  3,
			wantKind: audit.KindReordered,
		},
		{
			name:     "distant entries swapped",
			do:       func(t *testing.T, db *store.DB, e []audit.Entry) { swap(t, db, e, 3, 5) },
			wantSeq:  3,
			wantKind: audit.KindReordered,
		},
		{
			name: "entry rewritten with a fresh hash",
			do: func(t *testing.T, db *store.DB, entries []audit.Entry) {
				e := entries[2]
				e.Object = "form:contact/999"
				exec(t, db, `UPDATE audit_log SET object = $1, hash = $2 WHERE seq = 3`, e.Object, outsideHash(t, e))
			},
			wantSeq: 3, wantKind: audit.KindAltered,
		},
		{
			name: "entry forged at the end",
			do: func(t *testing.T, db *store.DB, entries []audit.Entry) {
				exec(t, db, `INSERT INTO audit_log (seq, at, actor, role, action, object, purpose, outcome, address, detail, prev_hash, hash)
					VALUES (6, $1, 'cli', 'system', 'login', '', '', 'ok', '', '{}', $2, $2)`, entries[4].At, entries[4].Hash)
			},
			wantSeq: 6, wantKind: audit.KindAltered,
		},
	}
}

// TestVerifyNamesTamperedEntry is the acceptance check: whatever an
// attacker does to one stored entry, Verify fails and names it.
func TestVerifyNamesTamperedEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tt := range tamperings() {
			t.Run(tt.name, func(t *testing.T) {
				// Each case needs a trail of its own.
				db := storetest.Open(t, db.Dialect())
				trail := audit.New(db)
				entries := appendSamples(t, trail, 5)
				unprotect(t, db)
				tt.do(t, db, entries)
				rep, err := trail.Verify(context.Background(), nil)
				if err != nil {
					t.Fatal(err)
				}
				p := rep.Problem
				if p == nil {
					t.Fatalf("Verify found nothing wrong: %+v", rep)
				}
				if p.Seq != tt.wantSeq || p.Kind != tt.wantKind {
					t.Errorf("Verify = %v, want entry %d %s", p, tt.wantSeq, tt.wantKind)
				}
				if rep.Entries != tt.wantSeq-1 {
					t.Errorf("Report counts %d sound entries, want %d", rep.Entries, tt.wantSeq-1)
				}
				t.Log(p)
			})
		}
	})
}

// TestVerifyRespeltTime edits the stored text of a time on SQLite so that
// it still means the same instant; that byte counts too.
func TestVerifyRespeltTime(t *testing.T) {
	db := storetest.SQLite(t)
	trail := audit.New(db)
	appendSamples(t, trail, 4)
	unprotect(t, db)
	// The CHECK constraint insists on the 'T'; an attacker can switch
	// constraints off.
	exec(t, db, `PRAGMA ignore_check_constraints = ON`)
	exec(t, db, `UPDATE audit_log SET at = replace(at, 'T', ' ') WHERE seq = 2`)
	exec(t, db, `PRAGMA ignore_check_constraints = OFF`)
	rep, err := trail.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := rep.Problem; p == nil || p.Seq != 2 || p.Kind != audit.KindAltered {
		t.Errorf("Verify = %v, want entry 2 altered", p)
	}
}

func TestVerifyExpectedHead(t *testing.T) {
	tests := []struct {
		name     string
		do       func(t *testing.T, db *store.DB, entries []audit.Entry)
		wantSeq  int64
		wantKind string
	}{
		{
			name: "last entry deleted",
			do: func(t *testing.T, db *store.DB, _ []audit.Entry) {
				exec(t, db, `DELETE FROM audit_log WHERE seq = 5`)
			},
			wantSeq: 5, wantKind: audit.KindTruncated,
		},
		{
			name: "everything deleted",
			do: func(t *testing.T, db *store.DB, _ []audit.Entry) {
				exec(t, db, `DELETE FROM audit_log`)
			},
			wantSeq: 1, wantKind: audit.KindTruncated,
		},
		{
			name: "last entry rewritten with a fresh hash",
			do: func(t *testing.T, db *store.DB, entries []audit.Entry) {
				e := entries[4]
				e.Outcome = audit.Denied
				exec(t, db, `UPDATE audit_log SET outcome = $1, hash = $2 WHERE seq = 5`, string(e.Outcome), outsideHash(t, e))
			},
			wantSeq: 5, wantKind: audit.KindAltered,
		},
		{
			name: "tail deleted and appended anew",
			do: func(t *testing.T, db *store.DB, _ []audit.Entry) {
				exec(t, db, `DELETE FROM audit_log WHERE seq >= 4`)
				if _, err := audit.New(db).Append(context.Background(), sample(9)); err != nil {
					t.Fatal(err)
				}
				if _, err := audit.New(db).Append(context.Background(), sample(10)); err != nil {
					t.Fatal(err)
				}
			},
			wantSeq: 5, wantKind: audit.KindAltered,
		},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db := storetest.Open(t, db.Dialect())
				trail := audit.New(db)
				entries := appendSamples(t, trail, 5)
				head := audit.Head{Seq: 5, Hash: entries[4].Hash}
				unprotect(t, db)
				tt.do(t, db, entries)
				if rep, err := trail.Verify(context.Background(), nil); err != nil || rep.Problem != nil {
					t.Fatalf("without the head the change is invisible, as documented; got %v, %v", rep.Problem, err)
				}
				rep, err := trail.Verify(context.Background(), &head)
				if err != nil {
					t.Fatal(err)
				}
				if p := rep.Problem; p == nil || p.Seq != tt.wantSeq || p.Kind != tt.wantKind {
					t.Errorf("Verify = %v, want entry %d %s", p, tt.wantSeq, tt.wantKind)
				}
			})
		}
	})
}

func TestVerifyRefusesBadHead(t *testing.T) {
	trail := audit.New(storetest.SQLite(t))
	for _, h := range []audit.Head{{Seq: -1, Hash: strings.Repeat("0", 64)}, {Seq: 1, Hash: "abc"}, {Seq: 0, Hash: strings.Repeat("1", 64)}} {
		if _, err := trail.Verify(context.Background(), &h); err == nil {
			t.Errorf("Verify accepted the head %s", h)
		}
	}
}

func TestParseHead(t *testing.T) {
	hash := strings.Repeat("ab", 32)
	tests := []struct {
		in   string
		want audit.Head
		ok   bool
	}{
		{"42:" + hash, audit.Head{Seq: 42, Hash: hash}, true},
		{" 42:" + strings.ToUpper(hash) + "\n", audit.Head{Seq: 42, Hash: hash}, true},
		{"0:" + strings.Repeat("0", 64), audit.Head{Seq: 0, Hash: strings.Repeat("0", 64)}, true},
		{"0:" + hash, audit.Head{}, false},
		{"42" + hash, audit.Head{}, false},
		{"-1:" + hash, audit.Head{}, false},
		{"+1:" + hash, audit.Head{}, false},
		{":" + hash, audit.Head{}, false},
		{"1:" + hash[:63], audit.Head{}, false},
		{"1:" + hash[:63] + "g", audit.Head{}, false},
		{"99999999999999999999:" + hash, audit.Head{}, false},
	}
	for _, tt := range tests {
		got, err := audit.ParseHead(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseHead(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err == nil && got.String() != strings.TrimSpace(strings.ToLower(tt.in)) {
			t.Errorf("ParseHead(%q).String() = %q", tt.in, got.String())
		}
	}
}

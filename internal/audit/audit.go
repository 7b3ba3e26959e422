// Package audit keeps Noren's audit trail: an append-only record of who did
// what in the administration console and on the command line, the role they
// held, when, to what, for which stated purpose, and with what outcome.
//
// Each entry is chained to the one before it by a SHA-256 hash, so that
// Verify (and noren audit verify) detects an entry that was altered, removed
// or moved, and names the first one. The table also refuses UPDATE and
// DELETE by triggers; the chain is what still holds against someone who can
// drop them.
//
// # Canonical form
//
// An entry's hash is the lower-case hex SHA-256 of the UTF-8 bytes of this
// JSON array, serialised as RFC 8785 (the JSON Canonicalization Scheme)
// serialises it:
//
//	["noren-audit-1", seq, at, actor, role, action, object, purpose,
//	 outcome, address, detail, prev_hash]
//
// seq is an integer; at is the time in UTC written 2006-01-02T15:04:05.000000Z,
// always with six fractional digits; detail is an object of strings, {} when
// empty; prev_hash is the previous entry's hash, or 64 zeros for entry 1;
// every other element is a string, "" when empty. There is no whitespace.
// Strings escape only '"', '\' and the control characters below U+0020 (as
// \b, \t, \n, \f and \r, the rest as \u00xx in lower-case hex); everything
// else is literal UTF-8. Detail keys are ASCII letters, digits, '_', '.' and
// '-', sorted by byte, which for them is also RFC 8785's order.
//
// Append replaces invalid UTF-8 and NUL characters in every string with
// U+FFFD, as PostgreSQL can store neither, so what is hashed is what is
// stored on both backends.
//
// # Checking an export without Noren
//
// An export (Export, noren audit export) has one JSON object per line, oldest
// first, with the keys seq, at, actor, role, action, object, purpose,
// outcome, address, detail, prev_hash and hash. An auditor can re-verify it
// with their own tool: rebuild the array above from each line, hash it and
// compare with hash; check that each line's prev_hash is the hash of the
// line before and that seq counts up by one. In Python, whose json.dumps
// with these options writes the same bytes as RFC 8785 for these values:
//
//	import hashlib, json
//	prev = None
//	for line in open("audit.jsonl", encoding="utf-8"):
//	    e = json.loads(line)
//	    a = ["noren-audit-1", e["seq"], e["at"], e["actor"], e["role"],
//	         e["action"], e["object"], e["purpose"], e["outcome"],
//	         e["address"], e["detail"], e["prev_hash"]]
//	    c = json.dumps(a, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
//	    assert hashlib.sha256(c.encode("utf-8")).hexdigest() == e["hash"], e["seq"]
//	    assert prev is None or (e["seq"] == prev["seq"] + 1 and e["prev_hash"] == prev["hash"]), e["seq"]
//	    prev = e
//
// # What the chain proves
//
// A chain proves that nothing changed since its head was known. Someone who
// can rewrite the table and recompute every hash after the entry they
// changed is caught only against a head recorded elsewhere beforehand, which
// Verify takes as its expect argument (noren audit verify --expect-head).
// Keeping the head that each verification prints somewhere outside the
// database, such as a ticket or a mail to the data protection officer, is
// what makes the trail tamper-evident against the database's own owner.
// Anchors do that continuously.
//
// # Anchors
//
// An anchor is the trail's head (sequence number and hash) and the time,
// signed with an Ed25519 key that is kept outside the database (AnchorKey).
// Written to a file or mailed away from the database as the trail grows,
// anchors let VerifyCheckpoints catch a trail whose tail was rewritten with
// correctly recomputed hashes: the rewritten entries no longer have the
// hashes the anchors signed, and without the private key no one can sign
// anchors to match.
//
// An anchor file holds one anchor a line, as JSON:
//
//	{"seq":1234,"hash":"5f3a…","at":"2026-12-07T09:00:00.000000Z","key":"a1b2c3d4e5f60718","sig":"…"}
//
// key is the signing key's id, the first 16 hex digits of the SHA-256 of
// the raw 32-byte public key, and sig the standard base64 of the Ed25519
// signature of the UTF-8 bytes of the JSON array
//
//	["noren-audit-anchor-1",seq,at,hash,key]
//
// without white space, its strings written as in the entries' canonical
// form (none of them needs escaping). A public key is written
// "ed25519:" and the standard base64 of its 32 bytes. Anyone with it can
// check an anchor with any Ed25519 implementation; in Python, with the
// cryptography package:
//
//	from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
//	key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public[len("ed25519:"):]))
//	a = json.loads(line)
//	signed = '["noren-audit-anchor-1",%d,"%s","%s","%s"]' % (a["seq"], a["at"], a["hash"], a["key"])
//	key.verify(base64.b64decode(a["sig"]), signed.encode())  # raises InvalidSignature
package audit

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/store"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// Outcome of an audited action.
type Outcome string

// The outcomes an entry can record.
const (
	OK     Outcome = "ok"
	Denied Outcome = "denied"
	Failed Outcome = "failed"
)

// valid reports whether o is one of the defined outcomes.
func (o Outcome) valid() bool { return o == OK || o == Denied || o == Failed }

// Entry is one audited event.
type Entry struct {
	// Seq is assigned by Append: 1, 2, 3 … with no gaps.
	Seq int64
	// At is set by Append when zero; stored in UTC with microsecond
	// precision.
	At time.Time
	// Actor is who acted: an account e-mail, "cli", "system" or
	// "token:<id>".
	Actor string
	// Role is the actor's role at the time ("owner", "analyst", …,
	// "system").
	Role string
	// Action is a dotted verb such as "login", "login.failed",
	// "account.locked", "user.role", "audit.export" or "submission.read".
	Action string
	// Object is what was acted on, such as "user:3" or "form:contact/17";
	// it may be empty.
	Object string
	// Purpose is the purpose the actor stated (a manifest purpose id); it
	// may be empty.
	Purpose string
	// Outcome is how the action ended.
	Outcome Outcome
	// Address is the client address, already masked by the caller (such as
	// "203.0.113.0/24"); it may be empty.
	Address string
	// Detail holds small extra facts, never personal data of visitors.
	Detail map[string]string
	// PrevHash is the hex SHA-256 of the previous entry, 64 zeros for the
	// first.
	PrevHash string
	// Hash is the hex SHA-256 of this entry's canonical form, which
	// includes PrevHash.
	Hash string
}

// maxCanonical bounds an entry's canonical form, so that one runaway
// caller cannot bloat the trail and every export line stays readable with a
// bounded buffer.
const maxCanonical = 64 << 10

// appendLockKey names the PostgreSQL advisory lock that serialises appends
// ("norenaud" in ASCII).
const appendLockKey int64 = 0x6e6f72656e617564

// Trail is the audit trail kept in a database. It is safe for concurrent
// use, also by several processes sharing the database.
type Trail struct {
	db *store.DB
	q  queries
}

// queries are the trail's SQL statements for the database's dialect.
type queries struct {
	last, insert, entries, count, actions, chain, maxSeq string
}

// New returns the trail kept in db, which must be migrated.
func New(db *store.DB) *Trail {
	q, err := loadQueries(db.Dialect())
	if err != nil {
		// The queries are embedded in the binary: a missing one is a
		// build defect, not a condition to handle.
		panic(err)
	}
	return &Trail{db: db, q: q}
}

func loadQueries(d store.Dialect) (queries, error) {
	var q queries
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"last", &q.last}, {"insert", &q.insert}, {"entries", &q.entries}, {"count", &q.count},
		{"actions", &q.actions}, {"chain", &q.chain}, {"max-seq", &q.maxSeq},
	} {
		text, err := d.ReadQuery(queryFiles, "queries/"+f.name)
		if err != nil {
			return queries{}, fmt.Errorf("audit: %w", err)
		}
		*f.dst = text
	}
	return q, nil
}

// Append records e in a transaction of its own and returns it as stored,
// with Seq, At (when it was zero), PrevHash and Hash filled in.
func (t *Trail) Append(ctx context.Context, e Entry) (Entry, error) {
	var out Entry
	err := t.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = t.AppendTx(ctx, tx, e)
		return err
	})
	return out, err
}

// AppendTx records e inside the caller's transaction, so that an action and
// its record commit together or not at all. Until tx ends, other appends
// wait: on PostgreSQL for an advisory lock, on SQLite for the writer.
func (t *Trail) AppendTx(ctx context.Context, tx *store.Tx, e Entry) (Entry, error) {
	e, err := normalise(e)
	if err != nil {
		return Entry{}, err
	}
	if tx.Dialect() == store.Postgres {
		// The lock is taken before the last entry is read, so two appends
		// can never chain to the same predecessor.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, appendLockKey); err != nil {
			return Entry{}, fmt.Errorf("audit: append %s: lock: %w", e.Action, err)
		}
	}
	var lastSeq int64
	lastHash := zeroHash
	switch err := tx.QueryRowContext(ctx, t.q.last).Scan(&lastSeq, &lastHash); {
	case err == nil, errors.Is(err, store.ErrNotFound):
	default:
		return Entry{}, fmt.Errorf("audit: append %s: read last entry: %w", e.Action, err)
	}
	e.Seq = lastSeq + 1
	e.PrevHash = lastHash
	if e.At.IsZero() {
		// Taken under the lock, so that times follow the sequence.
		e.At = time.Now().UTC().Truncate(time.Microsecond)
	}
	e.Hash = computeHash(e)
	_, err = tx.ExecContext(ctx, t.q.insert, e.Seq, e.At, e.Actor, e.Role, e.Action, e.Object, e.Purpose,
		string(e.Outcome), e.Address, canonicalDetail(e.Detail), e.PrevHash, e.Hash)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append %s: %w", e.Action, err)
	}
	return e, nil
}

// normalise cleans e's strings, checks what Append requires, and drops
// any Seq, PrevHash or Hash the caller set.
func normalise(e Entry) (Entry, error) {
	e.Seq, e.PrevHash, e.Hash = 0, "", ""
	for _, s := range []*string{&e.Actor, &e.Role, &e.Action, &e.Object, &e.Purpose, &e.Address} {
		*s = clean(*s)
	}
	if len(e.Detail) > 0 {
		d := make(map[string]string, len(e.Detail))
		for k, v := range e.Detail {
			if !validDetailKey(k) {
				return Entry{}, fmt.Errorf("audit: append %s: detail key %q: want ASCII letters, digits, '_', '.' or '-'", e.Action, k)
			}
			d[k] = clean(v)
		}
		e.Detail = d
	} else {
		e.Detail = nil
	}
	switch {
	case e.Actor == "":
		return Entry{}, fmt.Errorf("audit: append %s: no actor", e.Action)
	case !validAction(e.Action):
		return Entry{}, fmt.Errorf("audit: append: action %q: want dotted lower-case words such as login.failed", e.Action)
	case !e.Outcome.valid():
		return Entry{}, fmt.Errorf("audit: append %s: outcome %q: want ok, denied or failed", e.Action, e.Outcome)
	}
	if !e.At.IsZero() {
		e.At = e.At.UTC().Truncate(time.Microsecond)
		if y := e.At.Year(); y < 1 || y > 9999 {
			return Entry{}, fmt.Errorf("audit: append %s: time %v out of range", e.Action, e.At)
		}
	}
	if n := len(canonical(e)); n > maxCanonical {
		return Entry{}, fmt.Errorf("audit: append %s: entry of %d bytes exceeds %d", e.Action, n, maxCanonical)
	}
	return e, nil
}

// clean replaces invalid UTF-8 and NUL, which PostgreSQL text cannot hold,
// with U+FFFD.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// validAction reports whether s is a dotted verb: words of lower-case
// letters, digits, '_' and '-', joined by single dots.
func validAction(s string) bool {
	if s == "" {
		return false
	}
	for word := range strings.SplitSeq(s, ".") {
		if word == "" {
			return false
		}
		for _, c := range []byte(word) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validDetailKey reports whether k is a non-empty run of ASCII letters,
// digits, '_', '.' and '-'.
func validDetailKey(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range []byte(k) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

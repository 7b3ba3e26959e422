package audit

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Head identifies the newest entry of a chain: anyone holding it can later
// check that the trail still contains it unchanged.
type Head struct {
	Seq  int64
	Hash string
}

// String returns the head as "SEQ:HASH", the form ParseHead reads.
func (h Head) String() string { return strconv.FormatInt(h.Seq, 10) + ":" + h.Hash }

// ParseHead reads a head written as "SEQ:HASH". The empty trail's head is
// 0 with 64 zeros.
func ParseHead(s string) (Head, error) {
	seqText, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Head{}, fmt.Errorf("audit: head %q: want SEQ:HASH", s)
	}
	if seqText == "" || strings.Trim(seqText, "0123456789") != "" {
		return Head{}, fmt.Errorf("audit: head %q: the sequence number must be a whole number", s)
	}
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if err != nil {
		return Head{}, fmt.Errorf("audit: head %q: %w", s, err)
	}
	h := Head{Seq: seq, Hash: strings.ToLower(hash)}
	if err := h.check(); err != nil {
		return Head{}, fmt.Errorf("audit: head %q: %w", s, err)
	}
	return h, nil
}

// check reports whether h could be the head of a trail.
func (h Head) check() error {
	switch {
	case h.Seq < 0:
		return errors.New("negative sequence number")
	case !isHash(h.Hash):
		return errors.New("the hash must be 64 lower-case hex digits")
	case h.Seq == 0 && h.Hash != zeroHash:
		return errors.New("the empty trail's head is 0 with 64 zeros")
	}
	return nil
}

func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// The kinds of Problem.
const (
	// KindAltered: the entry's contents, hash or link differ from what
	// was appended.
	KindAltered = "altered"
	// KindRemoved: the entry is missing.
	KindRemoved = "removed"
	// KindReordered: the entry's place holds another entry, intact.
	KindReordered = "reordered"
	// KindTruncated: the trail ends before a head recorded earlier.
	KindTruncated = "truncated"
)

// Problem is the first fault Verify finds in a chain.
type Problem struct {
	// Seq is the entry at fault.
	Seq int64
	// Kind is one of "altered", "removed", "reordered" and "truncated".
	Kind string
	// Message says what was found, in words.
	Message string
}

// String describes the problem, as "entry 17: altered (…)".
func (p *Problem) String() string {
	return fmt.Sprintf("entry %d: %s (%s)", p.Seq, p.Kind, p.Message)
}

// Report is the result of a verification.
type Report struct {
	// Entries is how many entries were found sound: all of them when the
	// chain is intact, else those before the problem.
	Entries int64
	// First is the sequence number of the first entry checked: 1 for the
	// database, the first line's for an export; 0 when there was none.
	First int64
	// Head is the last sound entry; 0 with 64 zeros when there was none.
	Head Head
	// Problem is nil when the chain is intact.
	Problem *Problem
}

// Checkpoint is a head recorded outside the database, which the trail
// must still hold unchanged: one an operator kept from an earlier
// verification, or one signed in an anchor.
type Checkpoint struct {
	Head
	// Source says where the head was recorded, completing "entry 12 was
	// …" in messages; empty means "recorded earlier as the head".
	Source string
}

// source returns cp.Source or its default.
func (cp Checkpoint) source() string {
	if cp.Source == "" {
		return "recorded earlier as the head"
	}
	return cp.Source
}

// chain checks entries one at a time, in order, keeping only what the next
// check needs, so that a trail of any length verifies in constant memory.
type chain struct {
	checkpoints []Checkpoint // by Seq
	nextCP      int          // the first checkpoint not yet reached
	matched     int64        // the last entry a checkpoint vouched for, 0 for none
	rep         Report
	before      Head   // the sound entry before rep.Head, should that turn out bad
	prev        string // the hash the next entry must name as its predecessor
}

func newChain(checkpoints []Checkpoint) *chain {
	none := Head{Hash: zeroHash}
	sorted := slices.Clone(checkpoints)
	slices.SortStableFunc(sorted, func(a, b Checkpoint) int { return cmp.Compare(a.Seq, b.Seq) })
	return &chain{checkpoints: sorted, rep: Report{Head: none}, before: none, prev: zeroHash}
}

// expected returns the chain for a single head recorded earlier, or none.
func expected(expect *Head) []Checkpoint {
	if expect == nil {
		return nil
	}
	return []Checkpoint{{Head: *expect}}
}

// check checks e at its place in the chain; defect, when not empty, says
// why its stored form is not one Append writes. It returns nil when e is
// sound and becomes the new head.
func (c *chain) check(e Entry, defect string) *Problem {
	if defect != "" {
		return &Problem{Seq: e.Seq, Kind: KindAltered, Message: defect}
	}
	if computeHash(e) != e.Hash {
		return &Problem{Seq: e.Seq, Kind: KindAltered, Message: "its contents no longer match its hash"}
	}
	if e.PrevHash != c.prev {
		if c.rep.Entries == 0 {
			return &Problem{Seq: e.Seq, Kind: KindAltered, Message: "the first entry must chain to 64 zeros"}
		}
		// Either the previous entry was rewritten with a fresh hash, or
		// this one's link was; the earlier is named, as the first suspect.
		p := &Problem{Seq: c.rep.Head.Seq, Kind: KindAltered, Message: fmt.Sprintf(
			"entry %d names %.12s… as the hash of entry %d, which has %.12s…: entry %d was rewritten, or the link of entry %d was",
			e.Seq, e.PrevHash, c.rep.Head.Seq, c.prev, c.rep.Head.Seq, e.Seq)}
		c.rep.Entries--
		c.rep.Head = c.before
		if c.rep.Entries == 0 {
			c.rep.First = 0
		}
		return p
	}
	// Checkpoints before the first entry checked (an export of a later
	// stretch) cannot be checked here.
	for c.nextCP < len(c.checkpoints) && c.checkpoints[c.nextCP].Seq < e.Seq {
		c.nextCP++
	}
	for ; c.nextCP < len(c.checkpoints) && c.checkpoints[c.nextCP].Seq == e.Seq; c.nextCP++ {
		cp := c.checkpoints[c.nextCP]
		if e.Hash == cp.Hash {
			continue
		}
		// Every entry up to one a checkpoint vouched for is sound: its
		// hash covers all those before it.
		where := "at or before this entry"
		if c.matched > 0 {
			where = fmt.Sprintf("after entry %d, which an earlier checkpoint vouches for, and at or before this one", c.matched)
		}
		return &Problem{Seq: e.Seq, Kind: KindAltered, Message: fmt.Sprintf(
			"its hash %.12s… differs from %.12s…, %s: the trail was rewritten %s",
			e.Hash, cp.Hash, cp.source(), where)}
	}
	if c.nextCP > 0 && c.checkpoints[c.nextCP-1].Seq == e.Seq {
		c.matched = e.Seq
	}
	if c.rep.Entries == 0 {
		c.rep.First = e.Seq
	}
	c.rep.Entries++
	c.before, c.rep.Head = c.rep.Head, Head{Seq: e.Seq, Hash: e.Hash}
	c.prev = e.Hash
	return nil
}

// end checks, after the last entry, that the chain reached every
// checkpoint.
func (c *chain) end() *Problem {
	if len(c.checkpoints) == 0 {
		return nil
	}
	cp := c.checkpoints[len(c.checkpoints)-1]
	if cp.Seq <= c.rep.Head.Seq {
		return nil
	}
	last := c.rep.Head.Seq
	return &Problem{Seq: last + 1, Kind: KindTruncated, Message: fmt.Sprintf(
		"the trail ends at entry %d, but entry %d was %s", last, cp.Seq, cp.source())}
}

// gap describes entries from up to (not including) next as missing.
func gap(from, next int64) string {
	if next == from+1 {
		return fmt.Sprintf("entry %d is missing; the next entry is %d", from, next)
	}
	return fmt.Sprintf("entries %d to %d are missing", from, next-1)
}

// Verify checks the whole trail, streaming it in order, and reports the
// first entry that was altered, removed or moved. expect, when not nil, is
// a head recorded earlier: the trail must still hold that entry with that
// hash, which catches a trail cut short or rewritten along with its hashes.
// The error is for failures to read; a broken chain is a Report with a
// Problem.
func (t *Trail) Verify(ctx context.Context, expect *Head) (Report, error) {
	return t.VerifyCheckpoints(ctx, expected(expect))
}

// VerifyCheckpoints is Verify against any number of heads recorded
// earlier, such as the heads of signed anchors (ReadAnchors): the trail
// must still hold every one of them, and a Problem names the first entry
// whose hash differs from a checkpoint's, with the range of entries in
// which the rewriting happened.
func (t *Trail) VerifyCheckpoints(ctx context.Context, checkpoints []Checkpoint) (Report, error) {
	for _, cp := range checkpoints {
		if err := cp.check(); err != nil {
			return Report{}, fmt.Errorf("audit: verify: expected head %s: %w", cp.Head, err)
		}
	}
	c := newChain(checkpoints)
	problem, misplaced, err := t.walk(ctx, c)
	if err != nil {
		return Report{}, fmt.Errorf("audit: verify: %w", err)
	}
	if misplaced != nil {
		// Only now, with the scan closed, may another query run: on an
		// in-memory database there is a single connection.
		seq, err := t.findPlace(ctx, *misplaced)
		if err != nil {
			return Report{}, fmt.Errorf("audit: verify: %w", err)
		}
		if seq != 0 {
			problem = &Problem{Seq: misplaced.Seq, Kind: KindReordered, Message: fmt.Sprintf(
				"its place holds entry %d, intact", seq)}
		}
	}
	if problem == nil {
		problem = c.end()
	}
	c.rep.Problem = problem
	return c.rep, nil
}

// walk runs c over the stored chain until the first problem. misplaced is
// set when that problem is an entry whose contents do not match its hash,
// which may be a sound entry moved from elsewhere.
func (t *Trail) walk(ctx context.Context, c *chain) (problem *Problem, misplaced *Entry, err error) {
	rows, err := t.db.QueryContext(ctx, t.q.chain)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	next := int64(1)
	for rows.Next() {
		e, defect, err := scanChainRow(rows)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case e.Seq > next:
			return &Problem{Seq: next, Kind: KindRemoved, Message: gap(next, e.Seq)}, nil, nil
		case e.Seq < next:
			return &Problem{Seq: e.Seq, Kind: KindAltered, Message: "its sequence number is not positive"}, nil, nil
		}
		if p := c.check(e, defect); p != nil {
			if defect == "" && computeHash(e) != e.Hash {
				return p, &e, nil
			}
			return p, nil, nil
		}
		next++
	}
	return nil, nil, rows.Err()
}

// findPlace returns the sequence number, other than its own, at which e's
// contents match its stored hash, or 0 when there is none: it tells an
// entry moved intact from an entry edited.
func (t *Trail) findPlace(ctx context.Context, e Entry) (int64, error) {
	want, err := hex.DecodeString(e.Hash)
	if err != nil || len(want) != sha256.Size {
		return 0, nil
	}
	var last int64
	if err := t.db.QueryRowContext(ctx, t.q.maxSeq).Scan(&last); err != nil {
		return 0, err
	}
	head, tail := canonicalParts(e)
	buf := make([]byte, 0, len(head)+len(tail)+20)
	for seq := int64(1); seq <= last; seq++ {
		if seq%(1<<14) == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		if seq == e.Seq {
			continue
		}
		buf = append(buf[:0], head...)
		buf = strconv.AppendInt(buf, seq, 10)
		buf = append(buf, tail...)
		if sum := sha256.Sum256(buf); bytes.Equal(sum[:], want) {
			return seq, nil
		}
	}
	return 0, nil
}

// scanChainRow reads one row of the chain query. Values Append could not
// have written are not errors but a defect: the entry was altered.
func scanChainRow(rows *sql.Rows) (e Entry, defect string, err error) {
	var (
		at   any
		text [10]sql.NullString
	)
	dest := []any{&e.Seq, &at}
	for i := range text {
		dest = append(dest, &text[i])
	}
	if err := rows.Scan(dest...); err != nil {
		return Entry{}, "", err
	}
	names := [...]string{"actor", "role", "action", "object", "purpose", "outcome", "address", "detail", "prev_hash", "hash"}
	for i, s := range text {
		switch {
		case !s.Valid:
			defect = names[i] + " is NULL"
		case !utf8.ValidString(s.String) || strings.ContainsRune(s.String, 0):
			defect = names[i] + " holds bytes that are not text"
		}
		if defect != "" {
			break
		}
	}
	e.Actor, e.Role, e.Action, e.Object, e.Purpose = text[0].String, text[1].String, text[2].String, text[3].String, text[4].String
	e.Outcome, e.Address, e.PrevHash, e.Hash = Outcome(text[5].String), text[6].String, text[8].String, text[9].String
	detail := text[7].String

	var ok bool
	switch v := at.(type) {
	case time.Time:
		e.At, ok = v.UTC(), v.Equal(v.Truncate(time.Microsecond))
	case string:
		e.At, ok = parseTime(v)
	case []byte:
		e.At, ok = parseTime(string(v))
	}
	if !ok && defect == "" {
		defect = fmt.Sprintf("its time %v is not written as Append writes times", at)
	}
	if defect != "" {
		return e, defect, nil
	}
	d, err := parseDetail(detail)
	if err != nil || canonicalDetail(d) != detail {
		return e, "its detail is not the canonical JSON object Append writes", nil
	}
	for k := range d {
		if !validDetailKey(k) {
			return e, fmt.Sprintf("its detail has the key %q, which Append refuses", k), nil
		}
	}
	e.Detail = d
	return e, "", nil
}

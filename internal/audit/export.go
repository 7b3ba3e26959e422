package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// exportLine is an entry as one line of an export.
type exportLine struct {
	Seq      int64             `json:"seq"`
	At       string            `json:"at"`
	Actor    string            `json:"actor"`
	Role     string            `json:"role"`
	Action   string            `json:"action"`
	Object   string            `json:"object"`
	Purpose  string            `json:"purpose"`
	Outcome  string            `json:"outcome"`
	Address  string            `json:"address"`
	Detail   map[string]string `json:"detail"`
	PrevHash string            `json:"prev_hash"`
	Hash     string            `json:"hash"`
}

// exportKeys returns the keys of an export line, each required once.
func exportKeys() []string {
	return []string{"seq", "at", "actor", "role", "action", "object", "purpose", "outcome", "address", "detail", "prev_hash", "hash"}
}

// maxLine bounds a line VerifyExport reads; Append keeps entries far
// smaller.
const maxLine = 1 << 20

// Export writes the entries f selects as JSON Lines, oldest first, every
// field with its hashes, so that the export can be verified on its own
// (VerifyExport, or the recipe in the package documentation). f.Limit is
// ignored. It returns the number of entries written.
//
// Only an export of a run of consecutive entries verifies as a chain: one
// filtered by actor, action, object or outcome leaves gaps.
func (t *Trail) Export(ctx context.Context, w io.Writer, f Filter) (int64, error) {
	where, args := f.where()
	rows, err := t.db.QueryContext(ctx, t.q.entries+where+"\nORDER BY seq", args...)
	if err != nil {
		return 0, fmt.Errorf("audit: export: %w", err)
	}
	defer rows.Close()
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var n int64
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return n, fmt.Errorf("audit: export: %w", err)
		}
		line := exportLine{
			Seq: e.Seq, At: formatTime(e.At), Actor: e.Actor, Role: e.Role, Action: e.Action, Object: e.Object,
			Purpose: e.Purpose, Outcome: string(e.Outcome), Address: e.Address, Detail: e.Detail,
			PrevHash: e.PrevHash, Hash: e.Hash,
		}
		if line.Detail == nil {
			line.Detail = map[string]string{}
		}
		if err := enc.Encode(line); err != nil {
			return n, fmt.Errorf("audit: export: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("audit: export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("audit: export: %w", err)
	}
	return n, nil
}

// VerifyExport verifies a JSON Lines export without the database: every
// line's hash, and that each line follows the one before. The first line
// anchors the chain, so an export of a later stretch of the trail verifies
// too; the Report's First says where it starts. The error is for failures
// to read; a broken chain, or a line that is not an entry, is a Report
// with a Problem.
func VerifyExport(r io.Reader) (Report, error) {
	return VerifyExportHead(r, nil)
}

// VerifyExportHead is VerifyExport that also checks, as Verify does, that
// the export holds the head expect, recorded earlier, unchanged.
func VerifyExportHead(r io.Reader, expect *Head) (Report, error) {
	if expect != nil {
		if err := expect.check(); err != nil {
			return Report{}, fmt.Errorf("audit: verify export: expected head %s: %w", expect, err)
		}
	}
	lines := newLineReader(r)
	c := newChain(expected(expect))
	next := int64(0) // the sequence number the next line must have; 0 before the first
	for {
		line, err := lines.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, bufio.ErrTooLong) {
			c.rep.Problem = &Problem{Seq: next, Kind: KindAltered, Message: fmt.Sprintf(
				"line %d is longer than %d bytes, far more than any entry", lines.num+1, maxLine)}
			return c.rep, nil
		}
		if err != nil {
			return Report{}, fmt.Errorf("audit: verify export: %w", err)
		}
		e, err := parseLine(line)
		if err != nil {
			seq := next
			if seq == 0 {
				seq = e.Seq
			}
			c.rep.Problem = &Problem{Seq: seq, Kind: KindAltered, Message: fmt.Sprintf(
				"line %d is not an audit entry: %v", lines.num, err)}
			return c.rep, nil
		}
		if next == 0 {
			if expect != nil && expect.Seq > 0 && e.Seq > expect.Seq {
				return Report{}, fmt.Errorf("audit: verify export: it starts at entry %d, after the expected head %d, so it cannot show that entry", e.Seq, expect.Seq)
			}
			if e.Seq > 1 {
				c.prev = e.PrevHash
			}
			next = e.Seq
		}
		if e.Seq != next {
			p, err := misplaced(lines, e, next)
			if err != nil {
				return Report{}, fmt.Errorf("audit: verify export: %w", err)
			}
			c.rep.Problem = p
			return c.rep, nil
		}
		if p := c.check(e, ""); p != nil {
			c.rep.Problem = p
			return c.rep, nil
		}
		next++
	}
	c.rep.Problem = c.end()
	return c.rep, nil
}

// misplaced explains why the line just read holds entry e where entry
// want belongs, reading on to see whether want comes later.
func misplaced(lines *lineReader, e Entry, want int64) (*Problem, error) {
	at := lines.num
	if computeHash(e) != e.Hash {
		return &Problem{Seq: want, Kind: KindAltered, Message: fmt.Sprintf(
			"line %d should hold entry %d, but holds a damaged entry numbered %d", at, want, e.Seq)}, nil
	}
	later, err := lines.find(want)
	if err != nil {
		return nil, err
	}
	switch {
	case later > 0:
		return &Problem{Seq: want, Kind: KindReordered, Message: fmt.Sprintf(
			"line %d holds entry %d, and entry %d comes later, on line %d", at, e.Seq, want, later)}, nil
	case e.Seq < want:
		return &Problem{Seq: want, Kind: KindReordered, Message: fmt.Sprintf(
			"line %d holds entry %d again, out of order", at, e.Seq)}, nil
	}
	return &Problem{Seq: want, Kind: KindRemoved, Message: gap(want, e.Seq)}, nil
}

// lineReader reads the non-blank lines of an export, counting every line.
type lineReader struct {
	sc  *bufio.Scanner
	num int // the number of the line last read, from 1
}

func newLineReader(r io.Reader) *lineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	return &lineReader{sc: sc}
}

// next returns the next non-blank line, io.EOF at the end, or
// bufio.ErrTooLong.
func (l *lineReader) next() ([]byte, error) {
	for l.sc.Scan() {
		l.num++
		if line := l.sc.Bytes(); len(bytes.TrimSpace(line)) > 0 {
			return line, nil
		}
	}
	if err := l.sc.Err(); err != nil {
		return nil, err
	}
	return nil, io.EOF
}

// find reads on and returns the number of the first line whose entry is
// numbered seq, or 0 when none is. Lines that are not entries are passed
// over: only where seq is matters here.
func (l *lineReader) find(seq int64) (int, error) {
	for {
		line, err := l.next()
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, bufio.ErrTooLong):
			return 0, nil
		case err != nil:
			return 0, err
		}
		if e, err := parseLine(line); err == nil && e.Seq == seq {
			return l.num, nil
		}
	}
}

// parseLine reads one export line strictly: a JSON object with each of the
// export's keys exactly once and nothing else, so that no two readers can
// take a line to mean different things. On error, Seq is set if it was
// read.
func parseLine(line []byte) (Entry, error) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return e, err
	}
	seen := make(map[string]bool, 12)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return e, err
		}
		key, _ := tok.(string)
		if seen[key] {
			return e, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		switch key {
		case "seq":
			e.Seq, err = readSeq(dec)
		case "at":
			var s string
			if s, err = readString(dec); err == nil {
				var ok bool
				if e.At, ok = parseTime(s); !ok {
					err = fmt.Errorf("at %q is not written %s", s, timeLayout)
				}
			}
		case "detail":
			e.Detail, err = readDetail(dec)
		case "actor":
			e.Actor, err = readString(dec)
		case "role":
			e.Role, err = readString(dec)
		case "action":
			e.Action, err = readString(dec)
		case "object":
			e.Object, err = readString(dec)
		case "purpose":
			e.Purpose, err = readString(dec)
		case "outcome":
			var s string
			s, err = readString(dec)
			e.Outcome = Outcome(s)
		case "address":
			e.Address, err = readString(dec)
		case "prev_hash":
			e.PrevHash, err = readString(dec)
		case "hash":
			e.Hash, err = readString(dec)
		default:
			return e, fmt.Errorf("unknown key %q", key)
		}
		if err != nil {
			return e, fmt.Errorf("%s: %w", key, err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return e, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return e, errors.New("more than one JSON value on the line")
	}
	var missing []string
	for _, k := range exportKeys() {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return e, fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return e, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, found %v", want, tok)
	}
	return nil
}

func readString(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("want a string, found %v", tok)
	}
	return s, nil
}

func readSeq(dec *json.Decoder) (int64, error) {
	tok, err := dec.Token()
	if err != nil {
		return 0, err
	}
	n, ok := tok.(json.Number)
	if !ok {
		return 0, fmt.Errorf("want a number, found %v", tok)
	}
	seq, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || seq < 1 {
		return 0, fmt.Errorf("want a whole number from 1, found %s", n)
	}
	return seq, nil
}

// readDetail reads a detail object as Append writes it: string values under
// keys it accepts, each once.
func readDetail(dec *json.Decoder) (map[string]string, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	d := map[string]string{}
	for dec.More() {
		key, err := readString(dec)
		if err != nil {
			return nil, err
		}
		if !validDetailKey(key) {
			return nil, fmt.Errorf("key %q is not one Append writes", key)
		}
		if _, dup := d[key]; dup {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		if d[key], err = readString(dec); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if len(d) == 0 {
		return nil, nil
	}
	return d, nil
}

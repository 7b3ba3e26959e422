package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Filter selects entries. Zero fields do not filter.
type Filter struct {
	// Actor matches exactly.
	Actor string
	// Action matches exactly or as a dotted prefix: "login" matches
	// "login" and "login.failed", not "logins".
	Action string
	// Object matches exactly.
	Object string
	// Outcome matches exactly.
	Outcome Outcome
	// Since keeps entries at or after it.
	Since time.Time
	// Until keeps entries before it.
	Until time.Time
	// BeforeSeq keeps entries numbered below it, for paging back from the
	// oldest entry shown.
	BeforeSeq int64
	// Limit caps how many entries List returns; 0 means 100. Export
	// ignores it.
	Limit int
}

const defaultLimit = 100

// where returns f as a WHERE clause with its arguments, numbered from $1;
// "" when f selects everything. Only fixed SQL text is joined: every value
// travels as an argument.
func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Actor != "" {
		conds = append(conds, "actor = "+arg(clean(f.Actor)))
	}
	if f.Action != "" {
		action := clean(f.Action)
		prefix := action + "."
		conds = append(conds, fmt.Sprintf("(action = %s OR substr(action, 1, %s) = %s)",
			arg(action), arg(int64(utf8.RuneCountInString(prefix))), arg(prefix)))
	}
	if f.Object != "" {
		conds = append(conds, "object = "+arg(clean(f.Object)))
	}
	if f.Outcome != "" {
		conds = append(conds, "outcome = "+arg(clean(string(f.Outcome))))
	}
	if !f.Since.IsZero() {
		conds = append(conds, "at >= "+arg(f.Since))
	}
	if !f.Until.IsZero() {
		conds = append(conds, "at < "+arg(f.Until))
	}
	if f.BeforeSeq != 0 {
		conds = append(conds, "seq < "+arg(f.BeforeSeq))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return "\nWHERE " + strings.Join(conds, "\n  AND "), args
}

// List returns the entries f selects, newest first.
func (t *Trail) List(ctx context.Context, f Filter) ([]Entry, error) {
	where, args := f.where()
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	args = append(args, limit)
	query := t.q.entries + where + "\nORDER BY seq DESC\nLIMIT $" + strconv.Itoa(len(args))
	rows, err := t.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}

// Count returns how many entries f selects, ignoring its Limit.
func (t *Trail) Count(ctx context.Context, f Filter) (int64, error) {
	where, args := f.where()
	var n int64
	if err := t.db.QueryRowContext(ctx, t.q.count+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("audit: count: %w", err)
	}
	return n, nil
}

// Actions returns the distinct actions in the trail, sorted, for a filter's
// choices.
func (t *Trail) Actions(ctx context.Context) ([]string, error) {
	rows, err := t.db.QueryContext(ctx, t.q.actions)
	if err != nil {
		return nil, fmt.Errorf("audit: actions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("audit: actions: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: actions: %w", err)
	}
	return out, nil
}

// scanEntry reads one row of the entries query.
func scanEntry(rows *sql.Rows) (Entry, error) {
	var (
		e       Entry
		outcome string
		detail  string
	)
	err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Role, &e.Action, &e.Object, &e.Purpose,
		&outcome, &e.Address, &detail, &e.PrevHash, &e.Hash)
	if err != nil {
		return Entry{}, err
	}
	e.Outcome = Outcome(outcome)
	if e.Detail, err = parseDetail(detail); err != nil {
		return Entry{}, fmt.Errorf("entry %d: detail: %w", e.Seq, err)
	}
	return e, nil
}

// parseDetail reads a stored detail object; nil when it is empty.
func parseDetail(text string) (map[string]string, error) {
	var d map[string]string
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		return nil, err
	}
	if d == nil {
		return nil, fmt.Errorf("not a JSON object: %.40q", text)
	}
	if len(d) == 0 {
		return nil, nil
	}
	return d, nil
}

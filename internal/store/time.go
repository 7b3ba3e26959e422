package store

import (
	"database/sql"
	"time"
)

// sqliteTimeLayout is how times are stored on SQLite: UTC, fixed width, with
// microseconds, so that text order is time order and the value matches what
// a PostgreSQL timestamptz keeps. The driver reads it back into time.Time
// from columns declared TIMESTAMP.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// convertArgs normalises time arguments: UTC, truncated to the microsecond
// both backends keep, and formatted as text on SQLite. Other arguments pass
// through. args is copied only when something changes.
func (d Dialect) convertArgs(args []any) []any {
	var out []any
	for i, a := range args {
		v, ok := d.convertTime(a)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = v
	}
	if out == nil {
		return args
	}
	return out
}

func (d Dialect) convertTime(a any) (any, bool) {
	switch t := a.(type) {
	case time.Time:
		return d.timeValue(t), true
	case *time.Time:
		if t == nil {
			return nil, true
		}
		return d.timeValue(*t), true
	case sql.NullTime:
		if !t.Valid {
			return nil, true
		}
		return d.timeValue(t.Time), true
	}
	return nil, false
}

func (d Dialect) timeValue(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d == SQLite {
		return t.Format(sqliteTimeLayout)
	}
	return t
}

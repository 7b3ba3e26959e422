package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/noren-web/noren/internal/analytics"
)

// timeFrom and timeTo bound the times the events table holds: its time
// column is a ClickHouse DateTime, seconds from 1970 in 32 unsigned bits.
var timeFrom, timeTo = time.Unix(0, 0), time.Unix(math.MaxUint32, 0)

// WriteEvents stores a batch of events as one INSERT. An error means none
// of it was stored, with one exception the server does not prevent: a
// batch spanning two calendar months is written as one part per month,
// and a server failing between the two keeps the first.
func (s *Store) WriteEvents(ctx context.Context, events []analytics.Event) error {
	if len(events) == 0 {
		return nil
	}
	for i := range events {
		e := &events[i]
		if e.Site == "" {
			return fmt.Errorf("clickhouse: write events: event %d has no site", i)
		}
		if e.Time.Before(timeFrom) || !e.Time.Before(timeTo) {
			return fmt.Errorf("clickhouse: write events: %s event %d at %s is outside the years ClickHouse stores", e.Site, i, e.Time.Format(time.RFC3339))
		}
		if e.Results < math.MinInt32 || e.Results > math.MaxInt32 {
			return fmt.Errorf("clickhouse: write events: %s event %d has %d results", e.Site, i, e.Results)
		}
	}
	// As on the SQL store, an event from before the retention cut-off is
	// refused: its day's raw events are gone, so its figures could not
	// be counted right.
	var cut int64
	if err := s.conn.QueryRow(ctx, s.q["retention"]).Scan(&cut); err != nil {
		return fmt.Errorf("clickhouse: write %d events: read the retention cut-off: %w", len(events), err)
	}
	for i := range events {
		if t := events[i].Time; cut > 0 && t.Unix() < cut {
			return fmt.Errorf("%w: %s event of %s, raw events kept from %s", analytics.ErrTooOld, events[i].Site,
				t.UTC().Format(time.RFC3339), time.Unix(cut, 0).UTC().Format(time.DateOnly))
		}
	}
	batch, err := s.conn.PrepareBatch(ctx, s.q["write-events"])
	if err != nil {
		return fmt.Errorf("clickhouse: write %d events: %w", len(events), err)
	}
	for i := range events {
		e := &events[i]
		keys := make([]string, 0, len(e.Props))
		for k := range e.Props {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		values := make([]string, len(keys))
		for j, k := range keys {
			values[j] = validUTF8(e.Props[k])
			keys[j] = validUTF8(k)
		}
		t := e.Time.UTC().Truncate(time.Microsecond)
		err := batch.Append(
			validUTF8(e.Site), t.Truncate(time.Second), t.UnixMicro(), validUTF8(e.Name), e.Visitor,
			validUTF8(e.Path), validUTF8(e.Hostname), validUTF8(e.Referrer), validUTF8(e.Source), validUTF8(e.Medium),
			validUTF8(e.Campaign), validUTF8(e.Browser), validUTF8(e.BrowserVersion), validUTF8(e.OS), validUTF8(e.Device),
			validUTF8(e.Screen), validUTF8(e.Language), validUTF8(e.Country), validUTF8(e.Network), keys, values,
			validUTF8(e.Search), int32(e.Results), validUTF8(e.Link),
		)
		if err != nil {
			abortErr := batch.Abort()
			return fmt.Errorf("clickhouse: write %d events: %s event %d of %s: %w", len(events), e.Site, i,
				t.Format(time.DateOnly), errors.Join(err, abortErr))
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("clickhouse: write %d events: %w", len(events), err)
	}
	return nil
}

// validUTF8 replaces each byte of v that is not valid UTF-8 with U+FFFD,
// as the SQL store's JSON encoding does, so that both backends count the
// same values.
func validUTF8(v string) string {
	if utf8.ValidString(v) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 8)
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(v[i : i+size])
		}
		i += size
	}
	return b.String()
}

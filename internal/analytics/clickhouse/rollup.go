package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/noren-web/noren/internal/analytics"
)

// Rollup computes the hourly and daily rollups of every complete UTC day,
// of every site, that has none yet or has received events since its last
// one, so that queries read raw events only for the days under way and
// those late events touched. A day is complete once analytics.RollupGrace
// has passed after its end; days before the latest retention cut-off are
// never rolled up again. It is one step of a periodic job: a failed day
// is tried again by the next run.
func (s *Store) Rollup(ctx context.Context, now time.Time) error {
	before := analytics.UTCDay(now.Add(-analytics.RollupGrace))
	var cut int64
	if err := s.conn.QueryRow(ctx, s.q["retention"]).Scan(&cut); err != nil {
		return fmt.Errorf("clickhouse: roll up: read the retention cut-off: %w", err)
	}
	until := analytics.UTCDay(analytics.Later(before, timeFrom)).Format(time.DateOnly)
	rows, err := s.conn.Query(ctx, s.q["pending-days"], ch.Named("before", until))
	if err != nil {
		return fmt.Errorf("clickhouse: roll up: find the days before %s to roll up: %w", until, err)
	}
	type siteDay struct {
		site string
		day  time.Time
	}
	var pending []siteDay
	for rows.Next() {
		var d siteDay
		if err := rows.Scan(&d.site, &d.day); err != nil {
			rows.Close()
			return fmt.Errorf("clickhouse: roll up: find the days before %s to roll up: %w", until, err)
		}
		if d.day.Unix() >= cut {
			pending = append(pending, d)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("clickhouse: roll up: find the days before %s to roll up: %w", until, err)
	}
	for _, d := range pending {
		day := time.Date(d.day.Year(), d.day.Month(), d.day.Day(), 0, 0, 0, 0, time.UTC)
		if err := s.rollupDay(ctx, d.site, day); err != nil {
			return fmt.Errorf("clickhouse: roll up %s %s: %w", d.site, day.Format(time.DateOnly), err)
		}
	}
	return nil
}

// rollupDay computes one UTC day's rollups from its raw events, writes
// them under a new version, and then names that version with the number
// of events it counted.
func (s *Store) rollupDay(ctx context.Context, site string, day time.Time) error {
	events, err := s.dayEvents(ctx, site, day)
	if err != nil {
		return fmt.Errorf("read the events: %w", err)
	}
	hourly := analytics.CountHours(events)
	daily := analytics.DailyCells(hourly, day)

	version := uint64(time.Now().UnixNano())
	batch, err := s.conn.PrepareBatch(ctx, s.q["write-rollups"])
	if err != nil {
		return fmt.Errorf("write the rollups: %w", err)
	}
	for isHourly, cells := range []map[analytics.CellKey]*analytics.Counts{daily, hourly} {
		for k, c := range cells {
			err := batch.Append(site, day, version, uint8(isHourly), uint8(k.Dim), time.Unix(k.Bucket*3600, 0).UTC(), k.Value,
				c.Visitors, c.Visits, c.Pageviews, c.Events, c.Bounces, c.DurationMS)
			if err != nil {
				return fmt.Errorf("write the rollups: %w", errors.Join(err, batch.Abort()))
			}
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("write the rollups: %w", err)
	}
	mark, err := s.conn.PrepareBatch(ctx, s.q["write-rollup-day"])
	if err != nil {
		return fmt.Errorf("mark the day rolled up: %w", err)
	}
	if err := mark.Append(site, day, version, uint64(len(events))); err != nil {
		return fmt.Errorf("mark the day rolled up: %w", errors.Join(err, mark.Abort()))
	}
	if err := mark.Send(); err != nil {
		return fmt.Errorf("mark the day rolled up: %w", err)
	}
	return nil
}

// dayEvents reads one UTC day's events of site in time order, with the
// fields the rollups count.
func (s *Store) dayEvents(ctx context.Context, site string, day time.Time) ([]analytics.Event, error) {
	rows, err := s.conn.Query(ctx, s.q["day-events"],
		ch.Named("site", site),
		ch.Named("day_from", day.Unix()),
		ch.Named("day_to", day.AddDate(0, 0, 1).Unix()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var events []analytics.Event
	for rows.Next() {
		var e analytics.Event
		var us int64
		var results int32
		err := rows.Scan(&us, &e.Name, &e.Visitor, &e.Path, &e.Referrer, &e.Source, &e.Campaign,
			&e.Browser, &e.OS, &e.Device, &e.Screen, &e.Language, &e.Country, &e.Search, &results, &e.Link)
		if err != nil {
			return nil, err
		}
		e.Time = time.UnixMicro(us).UTC()
		e.Results = int(results)
		events = append(events, e)
	}
	return events, rows.Err()
}

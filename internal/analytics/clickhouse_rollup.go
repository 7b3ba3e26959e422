package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Rollup computes the hourly and daily rollups of every complete UTC day,
// of every site, that has none yet or has received events since its last
// one, so that queries read raw events only for the days under way and
// those late events touched. A day is complete once rollupGrace has passed
// after its end; days before the latest retention cut-off are never
// rolled up again.
func (s *ClickHouseStore) Rollup(ctx context.Context, now time.Time) error {
	before := rollupDayOf(now.Add(-rollupGrace))
	var cut int64
	if err := s.conn.QueryRow(ctx, s.q["retention"]).Scan(&cut); err != nil {
		return fmt.Errorf("analytics: rollup: read the retention cut-off: %w", err)
	}
	rows, err := s.conn.Query(ctx, s.q["pending-days"], clickhouse.Named("before", rollupDayOf(laterTime(before, clickHouseTimeFrom)).Format(time.DateOnly)))
	if err != nil {
		return fmt.Errorf("analytics: rollup: find the days to roll up: %w", err)
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
			return fmt.Errorf("analytics: rollup: find the days to roll up: %w", err)
		}
		if d.day.Unix() >= cut {
			pending = append(pending, d)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("analytics: rollup: find the days to roll up: %w", err)
	}
	for _, d := range pending {
		day := time.Date(d.day.Year(), d.day.Month(), d.day.Day(), 0, 0, 0, 0, time.UTC)
		if err := s.rollupDay(ctx, d.site, day); err != nil {
			return fmt.Errorf("analytics: rollup %s day %s: %w", d.site, day.Format(time.DateOnly), err)
		}
	}
	return nil
}

// rollupDay computes one UTC day's rollups from its raw events, writes
// them under a new version, and then names that version with the number
// of events it counted.
func (s *ClickHouseStore) rollupDay(ctx context.Context, site string, day time.Time) error {
	end := day.AddDate(0, 0, 1)
	rows, err := s.conn.Query(ctx, s.q["day-events"],
		clickhouse.Named("site", site),
		clickhouse.Named("day_from", day.Unix()),
		clickhouse.Named("day_to", end.Unix()))
	if err != nil {
		return err
	}
	var events []rollupEvent
	for rows.Next() {
		var e rollupEvent
		var us int64
		var results int32
		err := rows.Scan(&us, &e.name, &e.visitor, &e.session, &e.path, &e.referrer, &e.source, &e.campaign,
			&e.browser, &e.os, &e.device, &e.screen, &e.language, &e.country, &e.search, &results, &e.link)
		if err != nil {
			rows.Close()
			return err
		}
		// Rows come in time order: their position breaks ties in time
		// as SQLStore's insertion order does.
		e.id = int64(len(events))
		e.time = time.UnixMicro(us).UTC()
		e.day = e.time.Unix() / 86400
		e.results = int(results)
		events = append(events, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	counted := uint64(len(events))

	agg := newAggregator(allDimensions(), func(t time.Time) (int64, bool) { return t.Unix() / 3600, true })
	agg.add(events)
	daily := make(map[rollupKey]*rollupCounts)
	for k, c := range agg.cells {
		k.bucket = day.Unix() / 3600
		d := daily[k]
		if d == nil {
			d = &rollupCounts{}
			daily[k] = d
		}
		d.add(c)
	}

	version := uint64(time.Now().UnixNano())
	batch, err := s.conn.PrepareBatch(ctx, s.q["write-rollups"])
	if err != nil {
		return err
	}
	for hourly, cells := range []map[rollupKey]*rollupCounts{daily, agg.cells} {
		for k, c := range cells {
			err := batch.Append(site, day, version, uint8(hourly), uint8(k.dim), time.Unix(k.bucket*3600, 0).UTC(), k.value,
				c.visitors, c.visits, c.pageviews, c.events, c.bounces, c.durationMS)
			if err != nil {
				return errors.Join(err, batch.Abort())
			}
		}
	}
	if err := batch.Send(); err != nil {
		return err
	}
	mark, err := s.conn.PrepareBatch(ctx, s.q["write-rollup-day"])
	if err != nil {
		return err
	}
	if err := mark.Append(site, day, version, counted); err != nil {
		return errors.Join(err, mark.Abort())
	}
	return mark.Send()
}

// Maintain runs Rollup every interval until ctx is done, logging
// failures, which the next run retries.
func (s *ClickHouseStore) Maintain(ctx context.Context, interval time.Duration, log *slog.Logger) {
	rollupEvery(ctx, interval, log, s.Rollup)
}

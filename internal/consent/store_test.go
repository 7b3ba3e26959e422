package consent_test

import (
	"context"
	"encoding/csv"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// sampleRecord is a record made at the given time, of the given kind.
func sampleRecord(receipt string, given time.Time, kind string, gpc bool) consent.Record {
	cats := map[string]bool{"analytics": kind != consent.KindRejectAll, "advertising": kind == consent.KindAcceptAll}
	return consent.Record{
		Receipt:    receipt,
		Given:      given,
		PolicyHash: strings.Repeat("ab", 32),
		Version:    "0123456789ab",
		Categories: cats,
		Tools:      map[string]bool{"google-analytics": cats["analytics"]},
		Method:     consent.MethodBanner,
		GPC:        gpc,
		Kind:       kind,
		Lang:       "ja",
	}
}

func TestRecordsAddGet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		recs, err := consent.NewRecords(db)
		if err != nil {
			t.Fatal(err)
		}
		first := sampleRecord("AAAAAAAAAAAAAAAAAAAAAA", clock.Add(123456*time.Microsecond), consent.KindCustom, true)
		second := sampleRecord("BBBBBBBBBBBBBBBBBBBBBA", clock.Add(time.Hour), consent.KindAcceptAll, false)
		second.PrevReceipt = first.Receipt
		second.Method = consent.MethodNoJS
		second.Lang = "en"
		empty := sampleRecord("CCCCCCCCCCCCCCCCCCCCCA", clock, consent.KindRejectAll, false)
		empty.Categories, empty.Tools = nil, nil
		for _, rec := range []consent.Record{first, second, empty} {
			if err := recs.Add(ctx, rec); err != nil {
				t.Fatal(err)
			}
			got := mustGet(t, recs, rec.Receipt)
			if rec.Categories == nil {
				rec.Categories, rec.Tools = map[string]bool{}, map[string]bool{}
			}
			if !sameRecord(got, rec) {
				t.Errorf("Get(%s) = %+v, want %+v", rec.Receipt, got, rec)
			}
		}
		if err := recs.Add(ctx, first); err == nil || !store.IsUniqueViolation(err) {
			t.Errorf("adding a receipt twice: %v, want a unique violation", err)
		}
		if _, err := recs.Get(ctx, "DDDDDDDDDDDDDDDDDDDDDA"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get of an unknown receipt: %v, want ErrNotFound", err)
		}
	})
}

func TestRecordsRefuseBadValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		recs, err := consent.NewRecords(db)
		if err != nil {
			t.Fatal(err)
		}
		good := sampleRecord("AAAAAAAAAAAAAAAAAAAAAA", clock, consent.KindCustom, false)
		tests := []struct {
			name   string
			change func(*consent.Record)
		}{
			{"short receipt", func(r *consent.Record) { r.Receipt = "abc" }},
			{"receipt with a dot", func(r *consent.Record) { r.Receipt = "AAAAAAAAAAAAAAAAAAAAA." }},
			{"bad previous receipt", func(r *consent.Record) { r.PrevReceipt = "x" }},
			{"short policy hash", func(r *consent.Record) { r.PolicyHash = "abc" }},
			{"bad version", func(r *consent.Record) { r.Version = "XYZ" }},
			{"unknown method", func(r *consent.Record) { r.Method = "cli" }},
			{"unknown kind", func(r *consent.Record) { r.Kind = "some" }},
		}
		for _, tt := range tests {
			rec := good
			tt.change(&rec)
			if err := recs.Add(context.Background(), rec); err == nil {
				t.Errorf("%s: Add accepted %+v", tt.name, rec)
			}
		}
	})
}

// TestRecordsAppendOnly checks that stored choices cannot be changed or
// removed, even with SQL.
func TestRecordsAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		recs, err := consent.NewRecords(db)
		if err != nil {
			t.Fatal(err)
		}
		if err := recs.Add(ctx, sampleRecord("AAAAAAAAAAAAAAAAAAAAAA", clock, consent.KindCustom, false)); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			`UPDATE consent_records SET kind = 'accept_all'`,
			`DELETE FROM consent_records`,
		} {
			if _, err := db.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want refused as append-only", stmt, err)
			}
		}
		if got := mustGet(t, recs, "AAAAAAAAAAAAAAAAAAAAAA"); got.Kind != consent.KindCustom {
			t.Errorf("kind = %s after refused changes", got.Kind)
		}
	})
}

func TestRecordsDaily(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		recs, err := consent.NewRecords(db)
		if err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for i, r := range []consent.Record{
			sampleRecord("AAAAAAAAAAAAAAAAAAAAAA", day.Add(-time.Microsecond), consent.KindAcceptAll, false), // before the range
			sampleRecord("BAAAAAAAAAAAAAAAAAAAAA", day, consent.KindAcceptAll, false),
			sampleRecord("CAAAAAAAAAAAAAAAAAAAAA", day.Add(23*time.Hour+59*time.Minute), consent.KindRejectAll, true),
			sampleRecord("DAAAAAAAAAAAAAAAAAAAAA", day.Add(24*time.Hour), consent.KindCustom, true),
			// 2 November 23:30 in Tokyo is still 2 November in UTC.
			sampleRecord("EAAAAAAAAAAAAAAAAAAAAA", time.Date(2026, 11, 3, 8, 30, 0, 0, time.FixedZone("JST", 9*3600)), consent.KindCustom, false),
			sampleRecord("FAAAAAAAAAAAAAAAAAAAAA", day.AddDate(0, 0, 3), consent.KindRejectAll, false),
			sampleRecord("GAAAAAAAAAAAAAAAAAAAAA", day.AddDate(0, 0, 4), consent.KindAcceptAll, false), // at the end, excluded
		} {
			if err := recs.Add(ctx, r); err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
		}
		got, err := recs.Daily(ctx, day, day.AddDate(0, 0, 4), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []consent.DayCount{
			{Day: "2026-11-01", AcceptAll: 1, RejectAll: 1, GPC: 1},
			{Day: "2026-11-02", Custom: 2, GPC: 1},
			{Day: "2026-11-03"},
			{Day: "2026-11-04", RejectAll: 1},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Daily = %+v\nwant    %+v", got, want)
		}

		// A range that starts within a day still lists that day.
		got, err = recs.Daily(ctx, day.Add(12*time.Hour), day.Add(36*time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		want = []consent.DayCount{{Day: "2026-11-01", RejectAll: 1, GPC: 1}, {Day: "2026-11-02", Custom: 1, GPC: 1}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Daily from noon = %+v\nwant %+v", got, want)
		}
		if got, err := recs.Daily(ctx, day, day, nil); err != nil || len(got) != 0 {
			t.Errorf("empty range: %+v, %v", got, err)
		}
		if _, err := recs.Daily(ctx, day, day.AddDate(20, 0, 0), nil); err == nil {
			t.Error("Daily accepted a range of twenty years")
		}

		// In the site's zone, the days are that zone's.
		tokyo := time.FixedZone("JST", 9*3600)
		first := time.Date(2026, 11, 1, 0, 0, 0, 0, tokyo)
		got, err = recs.Daily(ctx, first, first.AddDate(0, 0, 4), tokyo)
		if err != nil {
			t.Fatal(err)
		}
		want = []consent.DayCount{
			{Day: "2026-11-01", AcceptAll: 2},
			{Day: "2026-11-02", RejectAll: 1, Custom: 1, GPC: 2},
			{Day: "2026-11-03", Custom: 1},
			{Day: "2026-11-04", RejectAll: 1},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Daily in Tokyo = %+v\nwant            %+v", got, want)
		}

		// A zone half an hour off the hour splits at its own midnight.
		for i, r := range []consent.Record{
			sampleRecord("HAAAAAAAAAAAAAAAAAAAAA", time.Date(2026, 11, 1, 18, 29, 59, 0, time.UTC), consent.KindCustom, false),
			sampleRecord("IAAAAAAAAAAAAAAAAAAAAA", time.Date(2026, 11, 1, 18, 30, 0, 0, time.UTC), consent.KindAcceptAll, false),
		} {
			if err := recs.Add(ctx, r); err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
		}
		india := time.FixedZone("IST", 5*3600+1800)
		first = time.Date(2026, 11, 1, 0, 0, 0, 0, india)
		got, err = recs.Daily(ctx, first, first.AddDate(0, 0, 2), india)
		if err != nil {
			t.Fatal(err)
		}
		want = []consent.DayCount{
			{Day: "2026-11-01", AcceptAll: 2, Custom: 1},
			{Day: "2026-11-02", AcceptAll: 1, RejectAll: 1, Custom: 1, GPC: 2},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Daily in India = %+v\nwant            %+v", got, want)
		}
	})
}

func TestRecordsWriteCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		recs, err := consent.NewRecords(db)
		if err != nil {
			t.Fatal(err)
		}
		later := sampleRecord("BAAAAAAAAAAAAAAAAAAAAA", clock.Add(time.Minute), consent.KindAcceptAll, true)
		earlier := sampleRecord("AAAAAAAAAAAAAAAAAAAAAA", clock.Add(1500*time.Microsecond), consent.KindCustom, false)
		outside := sampleRecord("CAAAAAAAAAAAAAAAAAAAAA", clock.Add(time.Hour), consent.KindCustom, false)
		for _, r := range []consent.Record{later, earlier, outside} {
			if err := recs.Add(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		var b strings.Builder
		n, err := recs.WriteCSV(ctx, &b, clock, clock.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("wrote %d records, want 2", n)
		}
		rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
		if err != nil {
			t.Fatalf("%v\n%s", err, b.String())
		}
		want := [][]string{
			{"receipt", "given_at", "policy_hash", "consent_version", "method", "kind", "gpc", "lang", "categories", "tools"},
			{"AAAAAAAAAAAAAAAAAAAAAA", "2026-11-29T09:30:00.0015Z", strings.Repeat("ab", 32), "0123456789ab", "banner", "custom", "0", "ja",
				`{"advertising":false,"analytics":true}`, `{"google-analytics":true}`},
			{"BAAAAAAAAAAAAAAAAAAAAA", "2026-11-29T09:31:00Z", strings.Repeat("ab", 32), "0123456789ab", "banner", "accept_all", "1", "ja",
				`{"advertising":true,"analytics":true}`, `{"google-analytics":true}`},
		}
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("CSV =\n%q\nwant\n%q", rows, want)
		}
	})
}

// TestReceiptsAreNotFormulas checks that fresh receipts never start with a
// character a spreadsheet reads as the start of a formula.
func TestReceiptsAreNotFormulas(t *testing.T) {
	hs := sqliteHarness(t)
	for range 300 {
		c := choiceOf(t, hs.do(t, apiRequest(`{"method":"banner","categories":{"analytics":true}}`)))
		if strings.ContainsAny(c.Receipt[:1], "=+-@") {
			t.Fatalf("receipt %s starts with a formula character", c.Receipt)
		}
	}
}

func sameRecord(a, b consent.Record) bool {
	return a.Receipt == b.Receipt && a.PrevReceipt == b.PrevReceipt && a.Given.Equal(b.Given) &&
		a.PolicyHash == b.PolicyHash && a.Version == b.Version && maps.Equal(a.Categories, b.Categories) &&
		maps.Equal(a.Tools, b.Tools) && a.Method == b.Method && a.GPC == b.GPC && a.Kind == b.Kind && a.Lang == b.Lang
}

package consent

import (
	"context"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"time"

	"github.com/noren-web/noren/internal/store"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// How a choice was made: on the banner, in its preference centre (or a
// click-to-load placeholder), or on the choices page without JavaScript.
const (
	MethodBanner      = "banner"
	MethodPreferences = "preferences"
	MethodNoJS        = "nojs"
)

// What a choice amounts to: everything needing consent accepted, all of it
// refused, or anything in between.
const (
	KindAcceptAll = "accept_all"
	KindRejectAll = "reject_all"
	KindCustom    = "custom"
)

// maxDays bounds the range Daily counts over, about ten years.
const maxDays = 3660

// Record is one choice as kept in storage. It holds no IP address, no user
// agent and no identifier other than the receipts.
type Record struct {
	// Receipt identifies the choice; PrevReceipt is the receipt of the
	// choice it replaced, from the cookie the request carried, or "".
	Receipt, PrevReceipt string
	// Given is when the choice was made, in UTC.
	Given time.Time
	// PolicyHash is the manifest's full hash and Version the consent
	// version the choice was made under.
	PolicyHash, Version string
	// Categories and Tools hold the decision on every category and tool
	// that needed consent.
	Categories, Tools map[string]bool
	// Method is MethodBanner, MethodPreferences or MethodNoJS.
	Method string
	// GPC is set when the visitor's browser sent a Global Privacy Control
	// signal.
	GPC bool
	// Kind is KindAcceptAll, KindRejectAll or KindCustom.
	Kind string
	// Lang is the language of the page the choice was made on.
	Lang string
}

// DayCount is the number of choices of each kind made on one day of the
// site's time zone.
type DayCount struct {
	// Day is YYYY-MM-DD, in the zone Daily was given.
	Day                          string
	AcceptAll, RejectAll, Custom int
	// GPC counts the choices made with a Global Privacy Control signal,
	// whatever their kind.
	GPC int
}

// Records keeps visitors' choices in the consent_records table. It is safe
// for concurrent use.
type Records struct {
	db *store.DB
	q  map[string]string
}

// NewRecords returns the records kept in db, which must be migrated.
func NewRecords(db *store.DB) (*Records, error) {
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, fmt.Errorf("consent: queries: %w", err)
	}
	q, err := db.Dialect().ReadQueries(sub)
	if err != nil {
		return nil, fmt.Errorf("consent: %w", err)
	}
	for _, name := range []string{"add", "get", "list", "daily"} {
		if q[name] == "" {
			return nil, fmt.Errorf("consent: no query %s", name)
		}
	}
	return &Records{db: db, q: q}, nil
}

// Add stores rec. A receipt already stored is refused.
func (r *Records) Add(ctx context.Context, rec Record) error {
	_, err := r.db.ExecContext(ctx, r.q["add"],
		rec.Receipt, rec.PrevReceipt, rec.Given, rec.PolicyHash, rec.Version,
		decisionsJSON(rec.Categories), decisionsJSON(rec.Tools), rec.Method, boolInt(rec.GPC), rec.Kind, rec.Lang)
	if err != nil {
		return fmt.Errorf("consent: add record %s: %w", rec.Receipt, err)
	}
	return nil
}

// Get returns the record of a receipt; an unknown receipt yields an error
// matching store.ErrNotFound.
func (r *Records) Get(ctx context.Context, receipt string) (Record, error) {
	rec, err := scanRecord(r.db.QueryRowContext(ctx, r.q["get"], receipt))
	if err != nil {
		return Record{}, fmt.Errorf("consent: get record %s: %w", receipt, err)
	}
	return rec, nil
}

// Daily counts the choices made in [from, to) per day in loc (nil means
// UTC), with one entry, possibly of zeros, for every day from the day of
// from to the day of the last instant before to.
func (r *Records) Daily(ctx context.Context, from, to time.Time, loc *time.Location) ([]DayCount, error) {
	if loc == nil {
		loc = time.UTC
	}
	from, to = from.In(loc), to.In(loc)
	if !to.After(from) {
		return nil, nil
	}
	first := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	if to.Sub(first) > maxDays*24*time.Hour {
		return nil, fmt.Errorf("consent: daily counts: range %s to %s is longer than %d days", from.Format(time.DateOnly), to.Format(time.DateOnly), maxDays)
	}
	rows, err := r.db.QueryContext(ctx, r.q["daily"], from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("consent: daily counts: %w", err)
	}
	defer rows.Close()
	found := map[string]DayCount{}
	for rows.Next() {
		var slot string
		var n DayCount
		if err := rows.Scan(&slot, &n.AcceptAll, &n.RejectAll, &n.Custom, &n.GPC); err != nil {
			return nil, fmt.Errorf("consent: daily counts: %w", err)
		}
		start, err := time.ParseInLocation("2006-01-02T15:04", slot, time.UTC)
		if err != nil {
			return nil, fmt.Errorf("consent: daily counts: quarter %q: %w", slot, err)
		}
		day := start.In(loc).Format(time.DateOnly)
		d := found[day]
		d.AcceptAll += n.AcceptAll
		d.RejectAll += n.RejectAll
		d.Custom += n.Custom
		d.GPC += n.GPC
		found[day] = d
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("consent: daily counts: %w", err)
	}
	var out []DayCount
	for day := first; day.Before(to); day = day.AddDate(0, 0, 1) {
		key := day.Format(time.DateOnly)
		d := found[key]
		d.Day = key
		out = append(out, d)
	}
	return out, nil
}

// csvHeader names the columns of WriteCSV.
var csvHeader = []string{"receipt", "given_at", "policy_hash", "consent_version", "method", "kind", "gpc", "lang", "categories", "tools"}

// WriteCSV writes the choices made in [from, to) to w as CSV with a header
// line, oldest first, and returns how many it wrote. given_at is RFC 3339
// in UTC, gpc is 0 or 1, and categories and tools are JSON objects.
// Receipts never start with '-', and no other column starts with a
// character a spreadsheet reads as a formula.
func (r *Records) WriteCSV(ctx context.Context, w io.Writer, from, to time.Time) (int, error) {
	rows, err := r.db.QueryContext(ctx, r.q["list"], from, to)
	if err != nil {
		return 0, fmt.Errorf("consent: export: %w", err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return 0, fmt.Errorf("consent: export: %w", err)
	}
	n := 0
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return n, fmt.Errorf("consent: export: %w", err)
		}
		err = cw.Write([]string{
			rec.Receipt, rec.Given.UTC().Format(time.RFC3339Nano), rec.PolicyHash, rec.Version,
			rec.Method, rec.Kind, strconv.Itoa(boolInt(rec.GPC)), rec.Lang,
			decisionsJSON(rec.Categories), decisionsJSON(rec.Tools),
		})
		if err != nil {
			return n, fmt.Errorf("consent: export: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("consent: export: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, fmt.Errorf("consent: export: %w", err)
	}
	return n, nil
}

// scanner is what *store.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

func scanRecord(s scanner) (Record, error) {
	var (
		rec         Record
		cats, tools string
		gpc         int
	)
	err := s.Scan(&rec.Receipt, &rec.PrevReceipt, &rec.Given, &rec.PolicyHash, &rec.Version,
		&cats, &tools, &rec.Method, &gpc, &rec.Kind, &rec.Lang)
	if err != nil {
		return Record{}, err
	}
	rec.GPC = gpc == 1
	if err := json.Unmarshal([]byte(cats), &rec.Categories); err != nil {
		return Record{}, fmt.Errorf("categories of %s: %w", rec.Receipt, err)
	}
	if err := json.Unmarshal([]byte(tools), &rec.Tools); err != nil {
		return Record{}, fmt.Errorf("tools of %s: %w", rec.Receipt, err)
	}
	return rec, nil
}

// decisionsJSON writes decisions as a JSON object with sorted keys, "{}"
// for none.
func decisionsJSON(d map[string]bool) string {
	if len(d) == 0 {
		return "{}"
	}
	// A map of strings to booleans always marshals.
	b, _ := json.Marshal(d)
	return string(b)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

package dsr

import (
	"math"
	"time"

	"github.com/noren-web/noren/internal/manifest"
)

// day is a calendar day without a clock change in it.
const day = 24 * time.Hour

// deadlineOf is the time m's operator gives itself to decide on a
// request: requests.deadline, or the regime's default when a manifest
// built without Parse leaves it out.
func deadlineOf(m *manifest.Manifest) manifest.Duration {
	switch {
	case !m.Requests.Deadline.IsZero():
		return m.Requests.Deadline
	case m.Operator.PublicBody():
		return manifest.DefaultPublicDeadline
	}
	return manifest.DefaultBusinessDeadline
}

// extensionOf is how far a public body may extend a deadline.
func extensionOf(m *manifest.Manifest) manifest.Duration {
	if m.Requests.Extension.IsZero() {
		return manifest.DefaultPublicDeadline
	}
	return m.Requests.Extension
}

// deadline is the time to decide on a request made at t: the manifest's
// requests.deadline, or Options.Deadline in whole days when that ends
// sooner.
func (h *Handler) deadline(m *manifest.Manifest, t time.Time) manifest.Duration {
	d := deadlineOf(m)
	if h.opt.Deadline > 0 {
		capped := manifest.Duration{N: int(h.opt.Deadline / day), Unit: "d"}
		if after(t, capped, h.opt.Location).Before(after(t, d, h.opt.Location)) {
			return capped
		}
	}
	return d
}

// dueDate is when a request verified at t is to be decided: the end of
// the day, in the site's calendar, that lies the deadline after the day of
// t. The day of the request itself is not counted, as periods in days are
// not under the Civil Code (Art. 140).
func (h *Handler) dueDate(m *manifest.Manifest, t time.Time) time.Time {
	return after(t, h.deadline(m, t), h.opt.Location)
}

// after is the end of the calendar day, in loc, that lies d after the day
// of t; a d in hours or minutes counts from t itself.
func after(t time.Time, d manifest.Duration, loc *time.Location) time.Time {
	switch d.Unit {
	case "d", "w", "mo", "y":
		return endOfDay(d.From(startOfDay(t, loc)))
	}
	return d.From(t)
}

// extensionDays is how many calendar days, at most, the deadline due may
// be extended by under m.
func extensionDays(m *manifest.Manifest, due time.Time, loc *time.Location) int {
	first := startOfDay(due, loc)
	last := startOfDay(after(due, extensionOf(m), loc), loc)
	// Rounding absorbs the hour a change of clock adds or takes.
	return int(math.Round(last.Sub(first).Hours() / 24))
}

// extend is the end of the day days calendar days after that of due.
func extend(due time.Time, days int, loc *time.Location) time.Time {
	return endOfDay(startOfDay(due, loc).AddDate(0, 0, days))
}

func startOfDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// endOfDay is the last second of t's day in t's zone: a due date is met
// all day long.
func endOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, t.Location())
}

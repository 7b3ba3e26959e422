// Package timefmt writes moments and dates for people the same way on
// every page Noren shows, in the site's time zone and with the zone named,
// so that a time read in the console, the inbox or the policy history
// means the same thing everywhere:
//
//	en: 2026-12-07 21:30 JST
//	ja: 2026年12月7日 21:30（日本時間）
//
// The layouts and the names of zones are texts of the message catalogue
// (internal/i18n), so that a language brings its own with its files.
//
// Machine-readable forms (datetime attributes, exports) stay RFC 3339 in
// UTC and are not this package's business.
package timefmt

import (
	"fmt"
	"time"

	"github.com/noren-web/noren/internal/i18n"
)

// None is what Instant and Date write for the zero time.
const None = "—"

// Instant writes t to the minute in loc, with the zone named, for readers
// of lang. A nil loc means UTC.
func Instant(lang string, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return None
	}
	t = t.In(orUTC(loc))
	l := i18n.Lang(lang)
	return i18n.T(l, "timefmt.with_zone", t.Format(i18n.T(l, "timefmt.instant_layout")), zoneName(lang, t))
}

// Date writes the day of t in loc for readers of lang. A nil loc means
// UTC.
func Date(lang string, t time.Time, loc *time.Location) string {
	return day(lang, "timefmt.date_layout", t, loc)
}

// LongDate writes the day of t in loc for readers of lang as prose
// writes it, with the month named where the language names months: what
// a policy or a letter says rather than a table. A nil loc means UTC.
func LongDate(lang string, t time.Time, loc *time.Location) string {
	return day(lang, "timefmt.long_date_layout", t, loc)
}

func day(lang, layoutKey string, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return None
	}
	return t.In(orUTC(loc)).Format(i18n.T(i18n.Lang(lang), layoutKey))
}

// Zone names loc as it stands at t for readers of lang: "JST" or "日本時間",
// and the offset from UTC ("UTC+05:30") where the zone has no name of its
// own. It is what a page says when it tells in which zone its days begin.
func Zone(lang string, loc *time.Location, t time.Time) string {
	return zoneName(lang, t.In(orUTC(loc)))
}

// zoneName names t's zone in lang where the catalogue has a name for it
// (timefmt.zone.<abbreviation>), and as the zone calls itself otherwise.
func zoneName(lang string, t time.Time) string {
	name, offset := t.Zone()
	if name == "" || name[0] == '+' || name[0] == '-' {
		name = utcOffset(offset)
	}
	if key := "timefmt.zone." + name; i18n.Default().Has(key) {
		return i18n.T(i18n.Lang(lang), key)
	}
	return name
}

// utcOffset writes an offset east of UTC in seconds as "UTC+05:30"; zero is
// "UTC".
func utcOffset(offset int) string {
	if offset == 0 {
		return "UTC"
	}
	sign := '+'
	if offset < 0 {
		sign, offset = '-', -offset
	}
	return fmt.Sprintf("UTC%c%02d:%02d", sign, offset/3600, offset%3600/60)
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// Package timefmt writes moments and dates for people the same way on
// every page Noren shows, in the site's time zone and with the zone named,
// so that a time read in the console, the inbox or the policy history
// means the same thing everywhere:
//
//	en: 2026-12-07 21:30 JST
//	ja: 2026年12月7日 21:30（日本時間）
//
// Machine-readable forms (datetime attributes, exports) stay RFC 3339 in
// UTC and are not this package's business.
package timefmt

import (
	"fmt"
	"strconv"
	"time"
)

// None is what Instant and Date write for the zero time.
const None = "—"

// Instant writes t to the minute in loc, with the zone named, for readers
// of lang ("ja", else English). A nil loc means UTC.
func Instant(lang string, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return None
	}
	t = t.In(orUTC(loc))
	if lang == "ja" {
		return japaneseDate(t) + " " + t.Format("15:04") + "（" + zoneName(lang, t) + "）"
	}
	return t.Format("2006-01-02 15:04") + " " + zoneName(lang, t)
}

// Date writes the day of t in loc for readers of lang. A nil loc means
// UTC.
func Date(lang string, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return None
	}
	t = t.In(orUTC(loc))
	if lang == "ja" {
		return japaneseDate(t)
	}
	return t.Format(time.DateOnly)
}

// Zone names loc as it stands at t for readers of lang: "JST" or "日本時間",
// and the offset from UTC ("UTC+05:30") where the zone has no name of its
// own. It is what a page says when it tells in which zone its days begin.
func Zone(lang string, loc *time.Location, t time.Time) string {
	return zoneName(lang, t.In(orUTC(loc)))
}

// zoneNamesJA are the Japanese names of the zones a Japanese reader knows
// by name; any other is named as in English.
var zoneNamesJA = map[string]string{
	"JST": "日本時間",
	"UTC": "協定世界時",
}

func zoneName(lang string, t time.Time) string {
	name, offset := t.Zone()
	if name == "" || name[0] == '+' || name[0] == '-' {
		name = utcOffset(offset)
	}
	if lang == "ja" {
		if ja, ok := zoneNamesJA[name]; ok {
			return ja
		}
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

func japaneseDate(t time.Time) string {
	return strconv.Itoa(t.Year()) + "年" + strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日"
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

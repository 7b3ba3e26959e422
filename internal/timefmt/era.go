package timefmt

import (
	"fmt"
	"time"
)

// era is a Japanese era (元号) and the first day of its first year.
type era struct {
	name  string
	start time.Time // midnight of the first day, as a calendar date in UTC
}

// eras lists the eras from 明治 on, newest first. 明治 starts on the day
// the era name was proclaimed (1868-10-23); Japan kept the lunisolar
// calendar until 1873, so the months and days EraDate writes for 1868-1872
// are those of the Gregorian calendar, not the ones then in use.
var eras = []era{
	{"令和", time.Date(2019, time.May, 1, 0, 0, 0, 0, time.UTC)},
	{"平成", time.Date(1989, time.January, 8, 0, 0, 0, 0, time.UTC)},
	{"昭和", time.Date(1926, time.December, 25, 0, 0, 0, 0, time.UTC)},
	{"大正", time.Date(1912, time.July, 30, 0, 0, 0, 0, time.UTC)},
	{"明治", time.Date(1868, time.October, 23, 0, 0, 0, 0, time.UTC)},
}

// EraDate writes the day of t in loc with the Japanese era, as Japanese
// public documents date themselves: "令和8年4月1日", and "令和元年5月1日"
// for the first year of an era. ok is false for a day before 明治. A nil
// loc means UTC.
//
// The era calendar is Japanese by nature, so unlike the other formats of
// this package its layout is not a text of the catalogue: no other
// language writes it.
func EraDate(t time.Time, loc *time.Location) (s string, ok bool) {
	t = t.In(orUTC(loc))
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for _, e := range eras {
		if day.Before(e.start) {
			continue
		}
		year := "元"
		if n := t.Year() - e.start.Year() + 1; n > 1 {
			year = fmt.Sprint(n)
		}
		return fmt.Sprintf("%s%s年%d月%d日", e.name, year, t.Month(), t.Day()), true
	}
	return "", false
}

package report

import (
	"regexp"
	"strconv"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
)

// lifetime writes how long a cookie lives, to the unit a person would
// name it in: "session" for none, then minutes, hours, days, and months or
// years rounded, as a policy states retention.
func lifetime(lang i18n.Lang, d time.Duration, session bool) string {
	if session {
		return i18n.T(lang, "scan.report.session")
	}
	const day = 24 * time.Hour
	switch {
	case d < time.Hour:
		return count(lang, "scan.report.minutes", int((d+time.Minute/2)/time.Minute))
	case d < 2*day:
		return count(lang, "scan.report.hours", int((d+time.Hour/2)/time.Hour))
	case d < 60*day:
		return count(lang, "scan.report.days", int((d+day/2)/day))
	case d < 730*day:
		// A month is a twelfth of the average Gregorian year.
		const month = 365.2425 / 12 * float64(day)
		return count(lang, "scan.report.months", int(float64(d)/month+0.5))
	default:
		const year = 365.2425 * float64(day)
		return count(lang, "scan.report.years", int(float64(d)/year+0.5))
	}
}

// count formats n with the key's text, or its _one text when n is 1, for
// languages that say "1 day" but "2 days".
func count(lang i18n.Lang, key string, n int) string {
	if n == 1 {
		key += "_one"
	}
	return i18n.T(lang, key, n)
}

// spanPattern is a lifetime as the verdict writes it in English: "30
// days", "1 year".
var spanPattern = regexp.MustCompile(`^(\d+) (minute|hour|day|week|month|year)s?$`)

// spanUnits are the manifest's units of duration by their English names.
var spanUnits = map[string]string{"minute": "min", "hour": "h", "day": "d", "week": "w", "month": "mo", "year": "y"}

// span translates a lifetime the verdict wrote in English, such as a
// declared "6 months", into lang as the manifest's durations are written;
// what it does not recognise it keeps.
func span(lang i18n.Lang, s string) string {
	if s == "session" {
		return i18n.T(lang, "scan.report.session")
	}
	m := spanPattern.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return s
	}
	return manifest.Duration{N: n, Unit: spanUnits[m[2]]}.Human(string(lang))
}

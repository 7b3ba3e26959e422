package manifest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/i18n"
)

// Duration is a retention period or cookie lifetime as written in a
// manifest: "session", or a whole number with a unit (min, h, d, w, mo, y),
// such as "30d", "13mo" or "2y". Months and years are calendar units, so a
// Duration is kept as written rather than as a time.Duration.
type Duration struct {
	Session bool
	N       int
	Unit    string // min, h, d, w, mo, y
}

// durationUnits are the units a manifest may write; each has its texts in
// the catalogue as manifest.duration.<unit>.one and .many.
var durationUnits = []string{"min", "h", "d", "w", "mo", "y"}

// ParseDuration reads a manifest duration.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "session" {
		return Duration{Session: true}, nil
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return Duration{}, fmt.Errorf("bad duration %q: want \"session\" or a number with a unit (min, h, d, w, mo, y), e.g. \"30d\"", s)
	}
	n, err := strconv.Atoi(s[:i])
	if err != nil || n <= 0 || n > 100000 {
		return Duration{}, fmt.Errorf("bad duration %q: the number must be between 1 and 100000", s)
	}
	unit := s[i:]
	if unit == "m" {
		return Duration{}, fmt.Errorf("bad duration %q: \"m\" is ambiguous, write \"min\" for minutes or \"mo\" for months", s)
	}
	if !slices.Contains(durationUnits, unit) {
		return Duration{}, fmt.Errorf("bad duration %q: unknown unit %q (want min, h, d, w, mo or y)", s, unit)
	}
	return Duration{N: n, Unit: unit}, nil
}

// IsZero reports whether no duration was given.
func (d Duration) IsZero() bool { return !d.Session && d.N == 0 }

// String formats d as it is written in a manifest.
func (d Duration) String() string {
	switch {
	case d.Session:
		return "session"
	case d.N == 0:
		return ""
	}
	return strconv.Itoa(d.N) + d.Unit
}

// Human formats d for a reader in lang.
func (d Duration) Human(lang string) string {
	l := i18n.Lang(lang)
	switch {
	case d.Session:
		return i18n.T(l, "manifest.duration.session")
	case d.N == 0:
		return ""
	case d.N == 1:
		return i18n.T(l, "manifest.duration."+d.Unit+".one", d.N)
	}
	return i18n.T(l, "manifest.duration."+d.Unit+".many", d.N)
}

// From returns the instant d after t; a session duration yields t itself.
func (d Duration) From(t time.Time) time.Time {
	switch d.Unit {
	case "min":
		return t.Add(time.Duration(d.N) * time.Minute)
	case "h":
		return t.Add(time.Duration(d.N) * time.Hour)
	case "d":
		return t.AddDate(0, 0, d.N)
	case "w":
		return t.AddDate(0, 0, 7*d.N)
	case "mo":
		return t.AddDate(0, d.N, 0)
	case "y":
		return t.AddDate(d.N, 0, 0)
	}
	return t
}

// Days is d as a whole number of days, for periods counted in days such as
// the deadline of a request; ok is false for a session, and for units whose
// length in days varies (mo, y) or that are shorter than a day.
func (d Duration) Days() (days int, ok bool) {
	switch {
	case d.Session:
		return 0, false
	case d.Unit == "d":
		return d.N, true
	case d.Unit == "w":
		return 7 * d.N, true
	}
	return 0, false
}

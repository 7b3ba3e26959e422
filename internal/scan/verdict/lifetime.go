package verdict

import (
	"fmt"
	"time"

	"github.com/noren-web/noren/internal/manifest"
)

// longerThanDeclared reports a declared cookie that lives longer than its
// declared duration, beyond a slack of an hour or 1 %, whichever is more,
// for clocks and rounding; a "session" cookie that persists counts too.
func (j *judge) longerThanDeclared(s *subject, d *declaration) {
	dur := d.cookie.Duration
	if dur.IsZero() {
		return
	}
	var over []sighting
	var longest time.Duration
	for _, sg := range s.sightings {
		if sg.ev.Expires.IsZero() || sg.seen.IsZero() {
			continue
		}
		life := sg.ev.Expires.Sub(sg.seen)
		if !dur.Session {
			allowed := dur.From(sg.seen).Sub(sg.seen)
			if life <= allowed+max(time.Hour, allowed/100) {
				continue
			}
		}
		over = append(over, sg)
		longest = max(longest, life)
	}
	if len(over) == 0 {
		return
	}
	f := j.finding(LongerThanDeclared, Violation, s, over)
	f.Tool, f.Category = d.tool.ID, categoryOf(d)
	f.Declared, f.Seen = declaredText(dur), lifetimeText(longest)
	f.Database = j.lookup(s)
	j.findings = append(j.findings, f)
}

// declaredText writes a declared duration in English, as the report's
// other data are: "session", "6 months", "2 years".
func declaredText(d manifest.Duration) string {
	if d.Session {
		return "session"
	}
	return d.Human("en")
}

// lifetimeText writes a lifetime in English in the largest unit that
// keeps it readable: minutes under an hour, hours under two days, days
// beyond, each rounded up.
func lifetimeText(d time.Duration) string {
	switch {
	case d <= 0:
		return "session"
	case d < time.Hour:
		return plural(int((d+time.Minute-1)/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int((d+time.Hour-1)/time.Hour), "hour")
	}
	day := 24 * time.Hour
	return plural(int((d+day-1)/day), "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

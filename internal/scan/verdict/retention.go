package verdict

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/manifest"
)

// retentionPart is one "number unit" of a retention period as the cookie
// database writes it: "2 years", "90 Days", "30 mins".
var retentionPart = regexp.MustCompile(`(\d+)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|yrs?)\b`)

// parseRetention reads a cookie database's retention period into the
// manifest's duration syntax: "session" and its variants, or the longest
// "number unit" the text gives ("30 seconds till 1 year" is a year).
// Seconds round up to a minute, the shortest unit a manifest writes. ok is
// false for text without a period, such as "Unknown" or "forever".
func parseRetention(s string) (d manifest.Duration, ok bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(s, "session") || strings.Contains(s, "end of session") || s == "browser session" {
		return manifest.Duration{Session: true}, true
	}
	var best time.Duration
	ref := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range retentionPart.FindAllStringSubmatch(s, -1) {
		n, err := strconv.Atoi(m[1])
		if err != nil || n <= 0 || n > 100000 {
			continue
		}
		c := manifest.Duration{N: n}
		switch u := strings.TrimSuffix(m[2], "s"); u {
		case "second", "sec":
			c = manifest.Duration{N: (n + 59) / 60, Unit: "min"}
		case "minute", "min":
			c.Unit = "min"
		case "hour", "hr":
			c.Unit = "h"
		case "day":
			c.Unit = "d"
		case "week":
			c.Unit = "w"
		case "month":
			c.Unit = "mo"
		case "year", "yr":
			c.Unit = "y"
		}
		if span := c.From(ref).Sub(ref); span > best {
			best, d, ok = span, c, true
		}
	}
	return d, ok
}

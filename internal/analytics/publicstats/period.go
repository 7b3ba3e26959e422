package publicstats

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// period is one of the fixed ranges the page offers. There are only two,
// and no custom ranges, so that a reader cannot difference overlapping
// ranges of their choosing to isolate a small group.
type period string

const (
	last30Days   period = "30d"
	last12Months period = "12m"
)

// periods lists the periods in the order the page offers them; the first
// is the default.
var periods = [...]period{last30Days, last12Months}

// errBadQuery is wrapped by every parseQuery error.
var errBadQuery = errors.New("publicstats: bad query")

// parseQuery returns the period a page's raw query string asks for: the
// default when it names none, an error when it names an unknown one or
// names one more than once. Other parameters, such as the campaign tags of
// a shared link, are ignored.
func parseQuery(raw string) (period, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errBadQuery, err)
	}
	values := q["period"]
	switch len(values) {
	case 0:
		return periods[0], nil
	case 1:
		for _, p := range periods {
			if values[0] == string(p) {
				return p, nil
			}
		}
		return "", fmt.Errorf("%w: unknown period %q (want 30d or 12m)", errBadQuery, values[0])
	}
	return "", fmt.Errorf("%w: period given %d times", errBadQuery, len(values))
}

// settle is how long after midnight a day still counts as incomplete, so
// that the collector's buffered and retried batches for its last minutes
// have been written before its figures are computed.
const settle = 10 * time.Minute

// bounds returns the range [from, to) of p at now in loc, made of
// complete days (or months) only, and the series interval of its chart.
func (p period) bounds(now time.Time, loc *time.Location) (from, to time.Time, interval string) {
	t := now.Add(-settle).In(loc)
	today := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	if p == last12Months {
		to = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
		return to.AddDate(0, -12, 0), to, "month"
	}
	return today.AddDate(0, 0, -30), today, "day"
}

// lastShown returns the end of the last range of p that holds the day (or
// month) beginning at start: the range that begins with it.
func (p period) lastShown(start time.Time) time.Time {
	if p == last12Months {
		return start.AddDate(0, 12, 0)
	}
	return start.AddDate(0, 0, 30)
}

// previous returns the end of the range of p before the one ending at to.
func (p period) previous(to time.Time) time.Time {
	if p == last12Months {
		return to.AddDate(0, -1, 0)
	}
	return to.AddDate(0, 0, -1)
}

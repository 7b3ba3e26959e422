package extract

import (
	"strings"
	"time"
)

// dateLayouts are the forms of dates pages write in <time datetime> and
// <meta> tags: RFC 3339, HTML's valid date strings (without seconds, with a
// space for the T, or with no zone), and a date alone. A time without a
// zone is read as UTC, as is a date alone.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04Z07:00",
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseDate reads a date as pages write it, or returns false.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// primaryLang reduces a language tag ("ja-JP", "en_GB") to its primary
// subtag in lower case, or "" when the tag is not one.
func primaryLang(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 8 {
		return ""
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i] | 0x20
		if c < 'a' || c > 'z' {
			return ""
		}
	}
	return strings.ToLower(tag)
}

// robotsNoIndex reports whether the content of a robots meta tag forbids
// indexing: "noindex" or "none" among its comma-separated directives.
func robotsNoIndex(content string) bool {
	for _, d := range strings.FieldsFunc(content, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
	}) {
		if strings.EqualFold(d, "noindex") || strings.EqualFold(d, "none") {
			return true
		}
	}
	return false
}

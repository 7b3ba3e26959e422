package enrich

import "strings"

// Screen classes, by the viewport width breakpoints common CSS frameworks
// use.
const (
	ScreenSmall  = "small"  // narrower than 576 px: phones
	ScreenMedium = "medium" // narrower than 992 px: tablets, small windows
	ScreenLarge  = "large"  // narrower than 1440 px: laptops
	ScreenXLarge = "xlarge" // desktops
)

// ScreenClass returns the class of a screen width in CSS pixels, or "" when
// the width is unknown (zero or negative).
func ScreenClass(width int) string {
	switch {
	case width <= 0:
		return ""
	case width < 576:
		return ScreenSmall
	case width < 992:
		return ScreenMedium
	case width < 1440:
		return ScreenLarge
	}
	return ScreenXLarge
}

// Language returns the primary language subtag of tag in lower case ("ja"
// for "ja-JP"), or "" when there is none of two or three letters. tag is a
// page's lang attribute or an Accept-Language header, of which only the
// first range counts.
func Language(tag string) string {
	tag, _, _ = strings.Cut(tag, ",")
	tag, _, _ = strings.Cut(tag, ";")
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	for i := 0; i < len(tag); i++ {
		if c := tag[i] | 0x20; c < 'a' || c > 'z' {
			return ""
		}
	}
	return strings.ToLower(tag)
}

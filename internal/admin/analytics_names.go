package admin

import "github.com/noren-web/noren/internal/analytics/enrich"

// valueLabel is how the dashboard shows a value of a dimension: countries
// and languages by name in the page's language, devices and screen sizes
// in words, an empty value as what it means.
func valueLabel(dim, value, lang string) string {
	switch {
	case value == "" && dim == "source":
		return translate(lang, "analytics.direct")
	case value == "":
		return translate(lang, "analytics.none")
	case dim == "country":
		return enrich.CountryName(value, lang)
	case dim == "language":
		return enrich.LanguageName(value, lang)
	case dim == "device" || dim == "screen":
		if key := "analytics." + dim + "." + value; hasMessage(key) {
			return translate(lang, key)
		}
	}
	return value
}

package dashboard

import "github.com/noren-web/noren/internal/i18n"

// valueLabel is how the dashboard shows a value of a dimension: countries
// and languages by name in the page's language, devices and screen sizes
// in words, an empty value as what it means. A code the catalogue does
// not name is shown as it is.
func valueLabel(dim, value string, lang i18n.Lang) string {
	var key string
	switch {
	case value == "" && dim == "source":
		return i18n.T(lang, "analytics.direct")
	case value == "":
		return i18n.T(lang, "analytics.none")
	case dim == "country":
		key = "country." + value
	case dim == "language":
		key = "language." + value
	case dim == "device" || dim == "screen":
		key = "analytics." + dim + "." + value
	}
	if key != "" && i18n.Default().Has(key) {
		return i18n.T(lang, key)
	}
	return value
}

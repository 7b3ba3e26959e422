package enrich

import "testing"

func TestNames(t *testing.T) {
	tests := []struct {
		name func(code, lang string) string
		code string
		lang string
		want string
	}{
		{CountryName, "JP", "ja", "日本"},
		{CountryName, "JP", "en", "Japan"},
		{CountryName, "ZZ", "ja", "ZZ"},
		{LanguageName, "ko", "ja", "韓国語"},
		{LanguageName, "ko", "en", "Korean"},
		{LanguageName, "xx", "en", "xx"},
	}
	for _, tt := range tests {
		if got := tt.name(tt.code, tt.lang); got != tt.want {
			t.Errorf("%s in %s: %q, want %q", tt.code, tt.lang, got, tt.want)
		}
	}
}

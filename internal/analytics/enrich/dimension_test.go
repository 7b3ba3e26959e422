package enrich

import "testing"

func TestScreenClass(t *testing.T) {
	for _, tt := range []struct {
		width int
		want  string
	}{
		{-1, ""}, {0, ""},
		{1, "small"}, {390, "small"}, {575, "small"},
		{576, "medium"}, {768, "medium"}, {991, "medium"},
		{992, "large"}, {1366, "large"}, {1439, "large"},
		{1440, "xlarge"}, {1920, "xlarge"}, {7680, "xlarge"},
	} {
		if got := ScreenClass(tt.width); got != tt.want {
			t.Errorf("ScreenClass(%d) = %q, want %q", tt.width, got, tt.want)
		}
	}
}

func TestLanguage(t *testing.T) {
	for _, tt := range []struct{ tag, want string }{
		{"ja", "ja"},
		{"ja-JP", "ja"},
		{"EN-gb", "en"},
		{"en_US", "en"},
		{"zh-Hant-TW", "zh"},
		{"fil-PH", "fil"},
		{" ja ", "ja"},
		{"en-US,en;q=0.9,ja;q=0.8", "en"},
		{"ja;q=0.8", "ja"},
		{"ja,en-US;q=0.9", "ja"},
		{"", ""},
		{"*", ""},
		{"x", ""},
		{"i-klingon", ""},
		{"english", ""},
		{"1a", ""},
		{"j@", ""},
		{"日本語", ""},
		{"\xff\xfe", ""},
	} {
		if got := Language(tt.tag); got != tt.want {
			t.Errorf("Language(%q) = %q, want %q", tt.tag, got, tt.want)
		}
	}
}

func FuzzLanguage(f *testing.F) {
	f.Fuzz(func(t *testing.T, tag string) {
		got := Language(tag)
		if got == "" {
			return
		}
		if len(got) < 2 || len(got) > 3 {
			t.Fatalf("Language(%q) = %q, not two or three letters", tag, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] < 'a' || got[i] > 'z' {
				t.Fatalf("Language(%q) = %q, not lower-case letters", tag, got)
			}
		}
	})
}

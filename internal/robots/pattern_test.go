package robots

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"/a", "/a/b", true},
		{"/a$", "/a/b", false},
		{"/a$", "/a", true},
		{"/a/*$", "/a/b", true},
		{"*$", "", true},
		{"/*.html$", "/a.html.bak", false},
		{"/*.html", "/a.html.bak", true},
		{"/a$$", "/a$", true}, // only the last "$" anchors
		{"/b", "/a/b", false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.path); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		anchored   bool
		want       bool
	}{
		{"/a", "/a/b", false, true},
		{"/a", "/a/b", true, false},
		{"/a/*", "/a/b", true, true},
		{"*", "", true, true},
		{"/*b*", "/ab/c", true, true},
		{"/*.html", "/a.html.bak", true, false},
		{"/*.html", "/a.html.bak", false, true},
		{"/a*a", "/a", true, false},
		{"/a*a", "/aa", true, true},
		{"**", "x", true, true},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.s, tt.anchored); got != tt.want {
			t.Errorf("globMatch(%q, %q, %v) = %v, want %v", tt.pattern, tt.s, tt.anchored, got, tt.want)
		}
	}
}

func TestNormalisePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/a b", "/a%20b"},
		{"/%e3%81%8a", "/%E3%81%8A"},
		{"/お", "/%E3%81%8A"},
		{"/100%", "/100%"},
		{"/%zz", "/%zz"},
	}
	for _, tt := range tests {
		if got := normalisePath(tt.in); got != tt.want {
			t.Errorf("normalisePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

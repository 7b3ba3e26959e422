package entitytag

import (
	"slices"
	"testing"
)

func TestParseETagList(t *testing.T) {
	tests := []struct {
		in   string
		want []Tag
		ok   bool
	}{
		{`"abc"`, []Tag{{Opaque: "abc"}}, true},
		{`W/"abc"`, []Tag{{Weak: true, Opaque: "abc"}}, true},
		{`"a", W/"b" ,"c,d"`, []Tag{{Opaque: "a"}, {Weak: true, Opaque: "b"}, {Opaque: "c,d"}}, true},
		{`""`, []Tag{{Opaque: ""}}, true},
		{`*`, nil, false},
		{`abc`, nil, false},
		{`"abc`, nil, false},
		{`"a" "b"`, nil, false},
		{``, nil, false},
		{` , `, nil, false},
	}
	for _, tt := range tests {
		got, ok := ParseList(tt.in)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("ParseList(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestWeakMatch(t *testing.T) {
	tests := []struct {
		header, etag string
		want         bool
	}{
		{`"a"`, `"a"`, true},
		{`W/"a"`, `"a"`, true},
		{`"a"`, `W/"a"`, true},
		{`"b", "a"`, `"a"`, true},
		{`*`, `"a"`, true},
		{`"b"`, `"a"`, false},
		{`a`, `"a"`, false},
	}
	for _, tt := range tests {
		if got := WeakMatch(tt.header, tt.etag); got != tt.want {
			t.Errorf("WeakMatch(%q, %q) = %v, want %v", tt.header, tt.etag, got, tt.want)
		}
	}
}

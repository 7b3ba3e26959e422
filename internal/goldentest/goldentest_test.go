package goldentest

import "testing"

func TestFirstDifference(t *testing.T) {
	tests := []struct{ want, got, diff string }{
		{"a\nb\n", "a\nb\n", ""},
		{"a\nb\n", "a\nc\n", "line 2:\nwant: b\n got: c"},
		{"a\n", "a\nb\n", "line 2:\nwant: \n got: b"},
	}
	for _, tt := range tests {
		if d := FirstDifference([]byte(tt.want), []byte(tt.got)); d != tt.diff {
			t.Errorf("FirstDifference(%q, %q) = %q, want %q", tt.want, tt.got, d, tt.diff)
		}
	}
}

package publicstats

import (
	"errors"
	"slices"
	"testing"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		raw  string
		want period
		ok   bool
	}{
		{"", last30Days, true},
		{"period=30d", last30Days, true},
		{"period=12m", last12Months, true},
		{"utm_source=x&period=12m", last12Months, true},
		{"period=12M", "", false},
		{"period=7d", "", false},
		{"period=30d&period=30d", "", false},
		{"period=%", "", false},
		{"period", "", false},
	}
	for _, tt := range tests {
		got, err := parseQuery(tt.raw)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseQuery(%q) = %q, %v; want %q, ok %t", tt.raw, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, errBadQuery) {
			t.Errorf("parseQuery(%q): error %v does not wrap errBadQuery", tt.raw, err)
		}
	}
}

// FuzzParseQuery checks that any query string yields one of the two
// periods or an error, never anything else.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{"", "period=30d", "period=12m", "period=1d&x=%zz", "period=12m&period=30d", "a=b;c=d"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := parseQuery(raw)
		if err != nil {
			if p != "" || !errors.Is(err, errBadQuery) {
				t.Fatalf("parseQuery(%q) = %q, %v", raw, p, err)
			}
			return
		}
		if !slices.Contains(periods[:], p) {
			t.Fatalf("parseQuery(%q) = unknown period %q", raw, p)
		}
	})
}

package config

import (
	"strings"
	"testing"

	// The time zones checked here, the default Asia/Tokyo among them, must
	// not depend on the zone database of the machine running the tests.
	_ "time/tzdata"
)

func TestTimezone(t *testing.T) {
	tests := []struct {
		zone string
		ok   bool
	}{
		{"Asia/Tokyo", true},
		{"Europe/London", true},
		{"UTC", true},
		{"Asia/Atlantis", false},
		{"Tokyo", false},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			c, err := parse("noren.yaml", []byte("analytics:\n  timezone: "+tt.zone+"\n"), nil, nil)
			if tt.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if c.Analytics.Timezone != tt.zone {
					t.Errorf("analytics.timezone = %q, want %q", c.Analytics.Timezone, tt.zone)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			want := `analytics.timezone: "` + tt.zone + `": want a time zone name`
			if p := problemsOf(t, err); len(p) != 1 || !strings.HasPrefix(p[0], want) {
				t.Errorf("problems:\n%s\nwant one starting %q", strings.Join(p, "\n"), want)
			}
		})
	}
}

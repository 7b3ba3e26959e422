package timefmt

import (
	"testing"
	"time"
)

func TestEraDate(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		t      time.Time
		want   string
		wantOK bool
	}{
		{"a day of 令和", day(2026, time.April, 1), "令和8年4月1日", true},
		{"the last day of 平成", day(2019, time.April, 30), "平成31年4月30日", true},
		{"the first day of 令和", day(2019, time.May, 1), "令和元年5月1日", true},
		{"the end of 令和元年", day(2019, time.December, 31), "令和元年12月31日", true},
		{"令和2年", day(2020, time.January, 1), "令和2年1月1日", true},
		{"the last day of 昭和", day(1989, time.January, 7), "昭和64年1月7日", true},
		{"the first day of 平成", day(1989, time.January, 8), "平成元年1月8日", true},
		{"the last day of 大正", day(1926, time.December, 24), "大正15年12月24日", true},
		{"the first day of 昭和", day(1926, time.December, 25), "昭和元年12月25日", true},
		{"the last day of 明治", day(1912, time.July, 29), "明治45年7月29日", true},
		{"the first day of 大正", day(1912, time.July, 30), "大正元年7月30日", true},
		{"the first day of 明治", day(1868, time.October, 23), "明治元年10月23日", true},
		{"before 明治", day(1868, time.October, 22), "", false},
		{"the zero time", time.Time{}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := EraDate(tc.t, nil)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("EraDate(%v) = %q, %v, want %q, %v", tc.t, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestEraDateInZone checks that the era is that of the day in the given
// zone, not in UTC: 2019-04-30 15:00 UTC is already 令和 in Tokyo.
func TestEraDateInZone(t *testing.T) {
	tokyo := mustLoad(t, "Asia/Tokyo")
	at := time.Date(2019, time.April, 30, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		loc  *time.Location
		want string
	}{
		{tokyo, "令和元年5月1日"},
		{nil, "平成31年4月30日"},
	} {
		if got, _ := EraDate(at, tc.loc); got != tc.want {
			t.Errorf("EraDate(%v, %v) = %q, want %q", at, tc.loc, got, tc.want)
		}
	}
}

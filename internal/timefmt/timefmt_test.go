package timefmt

import (
	"testing"
	"time"
	// Built-in zone data, so that every zone loads on any machine.
	_ "time/tzdata"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

func TestInstant(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 30, 0, 0, time.UTC)
	summer := time.Date(2026, 7, 1, 12, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		lang string
		t    time.Time
		loc  string
		want string
	}{
		{"Tokyo in English", "en", at, "Asia/Tokyo", "2026-12-07 21:30 JST"},
		{"Tokyo in Japanese", "ja", at, "Asia/Tokyo", "2026年12月7日 21:30（日本時間）"},
		{"next day in Tokyo", "ja", time.Date(2026, 12, 7, 15, 5, 0, 0, time.UTC), "Asia/Tokyo", "2026年12月8日 00:05（日本時間）"},
		{"UTC in English", "en", at, "UTC", "2026-12-07 12:30 UTC"},
		{"UTC in Japanese", "ja", at, "UTC", "2026年12月7日 12:30（協定世界時）"},
		{"Berlin in winter", "en", at, "Europe/Berlin", "2026-12-07 13:30 CET"},
		{"Berlin in summer", "ja", summer, "Europe/Berlin", "2026年7月1日 14:30（CEST）"},
		{"a zone named by its offset", "en", at, "Asia/Kolkata", "2026-12-07 18:00 IST"},
		{"a zone without a name", "en", at, "America/Sao_Paulo", "2026-12-07 09:30 UTC-03:00"},
		{"the zero time", "ja", time.Time{}, "Asia/Tokyo", None},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Instant(tc.lang, tc.t, mustLoad(t, tc.loc)); got != tc.want {
				t.Errorf("Instant(%s, %v, %s) = %q, want %q", tc.lang, tc.t, tc.loc, got, tc.want)
			}
		})
	}
}

func TestInstantNilLocationIsUTC(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 30, 0, 0, time.FixedZone("X", 3600))
	if got, want := Instant("en", at, nil), "2026-12-07 11:30 UTC"; got != want {
		t.Errorf("Instant without a zone = %q, want %q", got, want)
	}
}

func TestDate(t *testing.T) {
	tokyo := mustLoad(t, "Asia/Tokyo")
	late := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC) // 8 December in Tokyo
	tests := []struct {
		lang string
		t    time.Time
		want string
	}{
		{"en", late, "2026-12-08"},
		{"ja", late, "2026年12月8日"},
		{"en", time.Time{}, None},
	}
	for _, tc := range tests {
		if got := Date(tc.lang, tc.t, tokyo); got != tc.want {
			t.Errorf("Date(%s, %v) = %q, want %q", tc.lang, tc.t, got, tc.want)
		}
	}
}

func TestLongDate(t *testing.T) {
	tokyo := mustLoad(t, "Asia/Tokyo")
	late := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC) // 8 December in Tokyo
	tests := []struct {
		lang string
		t    time.Time
		want string
	}{
		{"en", late, "8 December 2026"},
		{"ja", late, "2026年12月8日"},
		{"fr", late, "8 December 2026"},
		{"ja", time.Time{}, None},
	}
	for _, tc := range tests {
		if got := LongDate(tc.lang, tc.t, tokyo); got != tc.want {
			t.Errorf("LongDate(%s, %v) = %q, want %q", tc.lang, tc.t, got, tc.want)
		}
	}
}

func TestZone(t *testing.T) {
	tokyo := mustLoad(t, "Asia/Tokyo")
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for lang, want := range map[string]string{"en": "JST", "ja": "日本時間"} {
		if got := Zone(lang, tokyo, at); got != want {
			t.Errorf("Zone(%s) = %q, want %q", lang, got, want)
		}
	}
}

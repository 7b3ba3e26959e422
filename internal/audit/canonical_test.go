package audit

import (
	"strings"
	"testing"
	"time"
)

// TestCanonicalForm pins the canonical form byte for byte, against text
// written out by hand from the package documentation and RFC 8785.
func TestCanonicalForm(t *testing.T) {
	at := time.Date(2026, 11, 29, 0, 0, 0, 5000, time.FixedZone("JST", 9*3600))
	zeros := strings.Repeat("0", 64)
	tests := []struct {
		name string
		e    Entry
		want string
	}{
		{
			name: "empty fields and detail",
			e:    Entry{Seq: 1, At: at, Actor: "cli", Action: "login", Outcome: OK, PrevHash: zeros},
			want: `["noren-audit-1",1,"2026-11-28T15:00:00.000005Z","cli","","login","","","ok","",{},"` + zeros + `"]`,
		},
		{
			name: "escapes only what RFC 8785 escapes",
			e: Entry{Seq: 1234567, At: at, Actor: "a\"b\\c", Role: "\b\f\n\r\t", Action: "x", Object: "\x00\x01\x1f\x7f",
				Purpose: "<>&/", Outcome: Denied, Address: "\u2028\u2029é🍣", PrevHash: "p"},
			want: `["noren-audit-1",1234567,"2026-11-28T15:00:00.000005Z","a\"b\\c","\b\f\n\r\t","x","\u0000\u0001\u001f` + "\x7f" +
				`","<>&/","denied","` + "\u2028\u2029é🍣" + `",{},"p"]`,
		},
		{
			name: "detail keys sorted by byte",
			e: Entry{Seq: 2, At: at, Actor: "a", Action: "b", Outcome: Failed, PrevHash: "p",
				Detail: map[string]string{"b": "2", "B": "1", "a.b": "3", "a": "\"", "_": "", "-": "x"}},
			want: `["noren-audit-1",2,"2026-11-28T15:00:00.000005Z","a","","b","","","failed","",{"-":"x","B":"1","_":"","a":"\"","a.b":"3","b":"2"},"p"]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(canonical(tt.e)); got != tt.want {
				t.Errorf("canonical form\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseTimeIsStrict(t *testing.T) {
	for _, s := range []string{
		"2026-11-29T09:30:00.123456+00:00",
		"2026-11-29 09:30:00.123456Z",
		"2026-11-29T09:30:00.12345Z",
		"2026-11-29T09:30:00.1234567Z",
		"2026-11-29T09:30:00Z",
		"2026-11-29t09:30:00.123456z",
	} {
		if _, ok := parseTime(s); ok {
			t.Errorf("parseTime accepted %q", s)
		}
	}
	if _, ok := parseTime("2026-11-29T09:30:00.123456Z"); !ok {
		t.Error("parseTime refused the canonical layout")
	}
}

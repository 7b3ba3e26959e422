package cookiedb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const header = "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n"

const sample = header +
	"1,Google Analytics,Analytics,_ga,,ID used to identify users,2 years,Google,https://business.safety.google/privacy/,0\n" +
	"2,Google Analytics,Analytics,_ga_,,ID used to identify users,2 years,Google,https://business.safety.google/privacy/,1\n" +
	"3,Google Analytics,Analytics,_gat,,Throttles requests,1 minute,Google,https://business.safety.google/privacy/,1\n" +
	"4,Generic,Functional,token,,A token,session,Nobody,,0\n" +
	"5,Example Ads,Marketing,token,ads.example.net (3rd party),Ad token,30 days,Example Ads Inc.,https://ads.example.net/privacy,0\n" +
	"6,Prefix,Marketing,_,,Anything with an underscore,1 year,Someone,,1\n"

func TestLookup(t *testing.T) {
	db, err := Load(strings.NewReader(sample), "sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	if db.Len() != 6 || db.Name() != "sample.csv" {
		t.Fatalf("Len, Name = %d, %q", db.Len(), db.Name())
	}
	tests := []struct {
		name, domain string
		wantID       string // "" for none
	}{
		{"_ga", "", "1"},
		{"_ga_ABC123", "www.example.org", "2"},
		{"_ga_", "", "2"},
		{"_gat_UA-1", "", "3"},
		{"_gat", "", "3"},
		{"_other", "", "6"},
		{"token", "", "4"},
		{"token", "www.example.org", "4"},
		{"token", ".ads.example.net", "5"},
		{"token", "cdn.example.net", "5"},
		{"Token", "", ""},
		{"ga", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+"@"+tt.domain, func(t *testing.T) {
			e, ok := db.Lookup(tt.name, tt.domain)
			if ok != (tt.wantID != "") || e.ID != tt.wantID {
				t.Errorf("Lookup(%q, %q) = %q, %v; want %q", tt.name, tt.domain, e.ID, ok, tt.wantID)
			}
		})
	}
	var nilDB *DB
	if _, ok := nilDB.Lookup("_ga", ""); ok {
		t.Error("a nil DB found an entry")
	}
}

func TestLoadLayouts(t *testing.T) {
	tests := []struct {
		name, csv string
	}{
		{"bom and crlf", "\ufeff" + strings.ReplaceAll(sample, "\n", "\r\n")},
		{"reordered and trimmed", "Wildcard match, cookie / data key name ,Category,Platform\n1,_ga_,Analytics,Google Analytics\n0,_ga,Analytics,Google Analytics\n,,,\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Load(strings.NewReader(tt.csv), "x.csv")
			if err != nil {
				t.Fatal(err)
			}
			e, ok := db.Lookup("_ga_XYZ", "")
			if !ok || e.Platform != "Google Analytics" || !e.Wildcard {
				t.Errorf("Lookup(_ga_XYZ) = %+v, %v", e, ok)
			}
			if e, _ := db.Lookup("_ga", ""); e.Wildcard {
				t.Errorf("Lookup(_ga) took the wildcard %+v", e)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, csv string
		want      string // in the error
	}{
		{"empty", "", "empty file"},
		{"missing column", "ID,Platform,Category,Domain\n", `missing column "Cookie / Data Key name", "Wildcard match"`},
		{"twice", "Platform,Category,Cookie / Data Key name,Wildcard match,platform\n", `"Platform" given twice`},
		{"field count", header + "1,a,b\n", "line 2"},
		{"bad wildcard", header + "1,P,Analytics,_x,,,,,,yes\n", `line 2, column 23: "Wildcard match": "yes"`},
		{"empty name", header + "1,P,Analytics,,,,,,,0\n", `line 2, column 15: "Cookie / Data Key name": empty`},
		{"bare quote", header + "1,P,Analytics,a\"b,,,,,,0\n", "line 2"},
		{"huge field", header + "1,P,Analytics,a,," + strings.Repeat("x", MaxFieldSize+1) + ",,,,0\n", "line 2, column 18: field of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.csv), "bad.csv")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "bad.csv") {
				t.Errorf("Load() error = %v, want one naming bad.csv with %q", err, tt.want)
			}
		})
	}
}

func TestLoadTooBig(t *testing.T) {
	// Long rows, so that the test parses few of them.
	row := "1,P,Analytics,a,," + strings.Repeat("x", MaxFieldSize-100) + ",,,,0\n"
	big := strings.NewReader(header + strings.Repeat(row, MaxFileSize/len(row)+1))
	if _, err := Load(big, "big.csv"); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("Load(big) error = %v, want one about the size", err)
	}
}

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.csv")
	if err := os.WriteFile(path, []byte(sample), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(path)
	if err != nil || db.Len() != 6 || db.Name() != path {
		t.Fatalf("Open() = %v, %v", db, err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none.csv")); err == nil || !strings.Contains(err.Error(), "open cookie database") {
		t.Errorf("Open(missing) error = %v", err)
	}
}

package reports

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	many := "[" + strings.Repeat(`{"type":"csp-violation","url":"https://a.jp/","body":{"documentURL":"https://a.jp/","blockedURL":"https://x.jp/"}},`, MaxEntries) + "{}]"
	tests := []struct {
		name, ct, body string
		want           []Violation
		err            string // part of the error, "" for none
	}{
		{name: "csp-report", ct: TypeCSPReport,
			body: `{"csp-report":{"document-uri":"https://a.jp/x?q=1","blocked-uri":"https://t.example/s.js","effective-directive":"script-src-elem","violated-directive":"script-src"}}`,
			want: []Violation{{DocumentURL: "https://a.jp/x?q=1", BlockedURL: "https://t.example/s.js", Directive: "script-src-elem"}}},
		{name: "violated directive with sources", ct: "application/csp-report; charset=utf-8",
			body: `{"csp-report":{"document-uri":"https://a.jp/","blocked-uri":"inline","violated-directive":"style-src 'self'"}}`,
			want: []Violation{{DocumentURL: "https://a.jp/", BlockedURL: "inline", Directive: "style-src"}}},
		{name: "reports+json skips other types", ct: TypeReports,
			body: `[{"type":"deprecation","url":"https://a.jp/","body":{}},{"type":"csp-violation","url":"https://a.jp/p","body":{"documentURL":"https://a.jp/p","blockedURL":"https://t.example/","effectiveDirective":"img-src"}}]`,
			want: []Violation{{DocumentURL: "https://a.jp/p", BlockedURL: "https://t.example/", Directive: "img-src"}}},
		{name: "document from the report's url", ct: TypeReports,
			body: `[{"type":"csp-violation","url":"https://a.jp/p","body":{"blockedURL":"eval","effectiveDirective":"script-src"}}]`,
			want: []Violation{{DocumentURL: "https://a.jp/p", BlockedURL: "eval", Directive: "script-src"}}},
		{name: "json of either shape", ct: TypeJSON,
			body: ` [{"type":"csp-violation","url":"https://a.jp/","body":{"documentURL":"https://a.jp/","blockedURL":"data"}}]`,
			want: []Violation{{DocumentURL: "https://a.jp/", BlockedURL: "data"}}},
		{name: "json legacy", ct: TypeJSON, body: `{"csp-report":{"document-uri":"https://a.jp/","blocked-uri":"blob"}}`,
			want: []Violation{{DocumentURL: "https://a.jp/", BlockedURL: "blob"}}},
		{name: "empty array", ct: TypeReports, body: `[]`, want: []Violation{}},
		{name: "form", ct: "application/x-www-form-urlencoded", body: `a=b`, err: "media type"},
		{name: "no type", ct: "", body: `{}`, err: "media type"},
		{name: "not json", ct: TypeCSPReport, body: `{"csp-report":`, err: "not a csp-report"},
		{name: "no member", ct: TypeCSPReport, body: `{"report":{}}`, err: "no \"csp-report\""},
		{name: "no document", ct: TypeCSPReport, body: `{"csp-report":{"blocked-uri":"inline"}}`, err: "no document-uri"},
		{name: "object for reports", ct: TypeReports, body: `{"csp-report":{}}`, err: "not an array"},
		{name: "no body", ct: TypeReports, body: `[{"type":"csp-violation"}]`, err: "without a body"},
		{name: "too many", ct: TypeReports, body: many, err: "at most 100"},
		{name: "wrong types", ct: TypeReports, body: `[{"type":1}]`, err: "not an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.ct, []byte(tt.body))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := Parse("text/plain", nil); !errors.Is(err, ErrMediaType) {
		t.Errorf("text/plain: %v, want ErrMediaType", err)
	}
}

// TestSeedsParse checks that the real browsers' bodies in the fuzz
// corpus are read as reports.
func TestSeedsParse(t *testing.T) {
	for _, name := range []string{"chromium-csp-report", "chromium-reports-json", "firefox-csp-report", "firefox-reports-json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParse", name))
		if err != nil {
			t.Fatal(err)
		}
		body := seedBody(t, string(b))
		ct := TypeCSPReport
		if strings.HasSuffix(name, "json") {
			ct = TypeReports
		}
		vs, err := Parse(ct, []byte(body))
		if err != nil || len(vs) != 1 {
			t.Fatalf("%s: %v, %d reports", name, err, len(vs))
		}
		if _, ok := KeyOf(vs[0]); !ok {
			t.Errorf("%s: %+v has no key", name, vs[0])
		}
	}
}

// FuzzParse feeds any body to the parser under every media type: it
// never panics, never returns more than MaxEntries reports, and every key
// it leads to is bounded and valid UTF-8.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, ct := range []string{TypeCSPReport, TypeReports, TypeJSON} {
			vs, err := Parse(ct, body)
			if err != nil {
				if vs != nil {
					t.Fatalf("%s: reports %v with error %v", ct, vs, err)
				}
				continue
			}
			if len(vs) > MaxEntries {
				t.Fatalf("%s: %d reports", ct, len(vs))
			}
			for _, v := range vs {
				k, ok := KeyOf(v)
				if !ok {
					continue
				}
				if len(k.Path) > MaxPath || !utf8.ValidString(k.Path) || !strings.HasPrefix(k.Path, "/") {
					t.Fatalf("path %q", k.Path)
				}
				if k.Host == "" || len(k.Host) > maxHost || !utf8.ValidString(k.Host) {
					t.Fatalf("host %q", k.Host)
				}
				if k.Directive != DirectiveOther && !directives[k.Directive] {
					t.Fatalf("directive %q", k.Directive)
				}
			}
		}
	})
}

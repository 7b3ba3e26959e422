package verdict

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/goldentest"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan/visit"
)

// hotjarCookie is a first-party cookie a script of Hotjar sets.
func hotjarCookie() visit.Cookie {
	c := cookie("_hjSessionUser_123", 365*24*time.Hour)
	c.SetBy, c.SetByKind = "https://static.hotjar.com/c/hotjar-1.js", "script"
	return c
}

// undeclaredScan sees, besides cleanScan, subjects of every kind that
// the manifest does not declare: some the test database knows, some not.
func undeclaredScan() *visit.Result {
	hj := hotjarCookie()
	state := local("uk_state")
	state.SetBy = "https://cdn.unknown.test/a.js"
	frame := visit.StorageKey{Kind: visit.SessionStorage, Origin: "https://frame.unknown2.test", Key: "k"}
	db := visit.StorageKey{Kind: visit.IndexedDB, Origin: siteURL, Key: "site-db"}
	return cleanScan().
		with(visit.NoChoice,
			hj, cookie("_hjTLDTest", 0), cookie("tracker_id", 10*24*time.Hour+time.Hour), cookie("tracker_session", 0),
			request("https://static.hotjar.com/c/hotjar-1.js"),
			request("https://cdn.unknown.test/a.js"),
			request("https://[2001:db8::1]/x.gif"),
			state, frame, db, local("ad_state"),
			thirdCookie("uid", ".pixel.unknown3.test", 90*24*time.Hour),
		).
		with(visit.AcceptAll, hj).
		result()
}

func TestSuggest(t *testing.T) {
	m := testManifest(t, "")
	db := testDB(t)
	res := undeclaredScan()
	r := Judge(Input{Manifest: m, DB: db, Result: res})
	undeclared := func(r *Report) []string {
		var out []string
		for _, f := range r.Findings {
			if f.Kind == UndeclaredCookie || f.Kind == UndeclaredStorage || f.Kind == UndeclaredRecipient {
				out = append(out, brief(f))
			}
		}
		return out
	}
	if n := len(undeclared(r)); n != 12 {
		t.Fatalf("%d undeclared findings before, want 12: %v", n, briefs(r))
	}
	var buf bytes.Buffer
	if err := Suggest(&buf, r, m); err != nil {
		t.Fatal(err)
	}
	goldentest.Check(t, filepath.Join("testdata", "suggest.golden.yaml"), buf.Bytes())

	// Refused as it is, for its placeholders.
	if _, err := manifest.Parse("site.yaml", append(siteYAML(t), buf.Bytes()...)); err == nil || !strings.Contains(err.Error(), manifest.PlaceholderPrefix) {
		t.Errorf("a suggestion with placeholders parsed: %v", err)
	}
	// Once they are written, nothing is undeclared any more.
	filled := strings.ReplaceAll(buf.String(), manifest.PlaceholderPrefix+" ", "")
	m2 := testManifest(t, filled)
	r2 := Judge(Input{Manifest: m2, DB: db, Result: res})
	if got := undeclared(r2); len(got) != 1 || !strings.Contains(got[0], "2001:db8::1") {
		t.Errorf("undeclared after the suggestion: %v, want only the IP address", got)
	}
}

func TestSuggestNothing(t *testing.T) {
	m := testManifest(t, "")
	var buf bytes.Buffer
	if err := Suggest(&buf, Judge(Input{Manifest: m, Result: cleanScan().result()}), m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Nothing else is undeclared") {
		t.Errorf("suggestion = %q", buf.String())
	}
	if _, err := manifest.Parse("site.yaml", append(siteYAML(t), buf.Bytes()...)); err != nil {
		t.Errorf("an empty suggestion breaks the manifest: %v", err)
	}
	if err := Suggest(&buf, nil, m); err == nil {
		t.Error("Suggest without a report succeeded")
	}
}

func TestSuggestRealDatabase(t *testing.T) {
	db := realDB(t)
	m := testManifest(t, "")
	res := cleanScan().with(visit.NoChoice, cookie("_gcl_au", 90*24*time.Hour), cookie("_fbp", 90*24*time.Hour), request("https://connect.facebook.net/en_US/fbevents.js")).result()
	r := Judge(Input{Manifest: m, DB: db, Result: res})
	var buf bytes.Buffer
	if err := Suggest(&buf, r, m); err != nil {
		t.Fatal(err)
	}
	m2 := testManifest(t, strings.ReplaceAll(buf.String(), manifest.PlaceholderPrefix+" ", ""))
	for _, f := range Judge(Input{Manifest: m2, DB: db, Result: res}).Findings {
		if strings.HasPrefix(string(f.Kind), "undeclared") && f.Subject != "connect.facebook.net" {
			t.Errorf("still undeclared: %s\n%s", brief(f), buf.String())
		}
	}
	if !strings.Contains(buf.String(), "kind: advertising") {
		t.Errorf("no advertising tool in\n%s", buf.String())
	}
}

func TestParseRetention(t *testing.T) {
	tests := []struct {
		in, want string // want "" for none
	}{
		{"2 years", "2y"},
		{"1 year", "1y"},
		{"1 Year", "1y"},
		{"30 days", "30d"},
		{"90 Days", "90d"},
		{"session", "session"},
		{"Session", "session"},
		{"End of session (browser)", "session"},
		{"1 minute", "1min"},
		{"30 mins", "30min"},
		{"30 seconds", "1min"},
		{"90 seconds", "2min"},
		{"24 hours", "24h"},
		{"3 weeks", "3w"},
		{"13 months", "13mo"},
		{"2 years after last activity", "2y"},
		{"30 seconds till 1 year", "1y"},
		{"Unknown", ""},
		{"forever", ""},
		{"Local Storage", ""},
		{"", ""},
	}
	for _, tt := range tests {
		d, ok := parseRetention(tt.in)
		if got := d.String(); ok != (tt.want != "") || got != tt.want {
			t.Errorf("parseRetention(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Google Analytics": "google-analytics",
		"cdn.unknown.test": "cdn-unknown-test",
		"Yandex.Metrica":   "yandex-metrica",
		"!!!":              "tool",
		"Ünïcode Ads":      "n-code-ads",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	s := &suggester{ids: map[string]bool{"chat": true, "chat-2": true}}
	if got := s.uniqueID("chat"); got != "chat-3" {
		t.Errorf("uniqueID(chat) = %q", got)
	}
	if got := s.uniqueID(strings.Repeat("a", 64)); len(got) > 64 || got != strings.Repeat("a", 64) {
		t.Errorf("uniqueID(64 a) = %q", got)
	}
	if got := s.uniqueID(strings.Repeat("a", 64)); len(got) > 64 || !strings.HasSuffix(got, "-2") {
		t.Errorf("second uniqueID(64 a) = %q", got)
	}
}

package consent_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/consent"
)

func TestAPIRecordsAChoice(t *testing.T) {
	hs := sqliteHarness(t)
	res := hs.do(t, apiRequest(`{"categories":{"analytics":true,"advertising":false,"necessary":false},"tools":{"youtube":true},"method":"preferences","lang":"en"}`))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, res.body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var body struct {
		Receipt, Given, Version, Policy string
		Categories, Tools               map[string]bool
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatal(err)
	}
	wantCats := map[string]bool{"preferences": false, "analytics": true, "advertising": false, "embeds": false}
	wantTools := map[string]bool{"display-settings": false, "google-analytics": true, "youtube": true, "ad-network": false}
	if !maps.Equal(body.Categories, wantCats) || !maps.Equal(body.Tools, wantTools) {
		t.Errorf("decisions %v %v, want %v %v", body.Categories, body.Tools, wantCats, wantTools)
	}
	if body.Given != "2026-11-29T09:30:00Z" || body.Version != consent.Version(hs.m) || body.Policy != hs.m.ShortHash() {
		t.Errorf("given %q version %q policy %q", body.Given, body.Version, body.Policy)
	}

	ck := consentCookie(t, res)
	if ck.Path != "/" || ck.SameSite != http.SameSiteLaxMode || ck.HttpOnly || ck.Secure {
		t.Errorf("cookie attributes: path %q samesite %v httponly %v secure %v", ck.Path, ck.SameSite, ck.HttpOnly, ck.Secure)
	}
	if want := int(clock.AddDate(0, 6, 0).Sub(clock) / time.Second); ck.MaxAge != want {
		t.Errorf("Max-Age %d, want %d (six months)", ck.MaxAge, want)
	}
	c := choiceOf(t, res)
	if c.Receipt != body.Receipt || !maps.Equal(c.Categories, wantCats) || !maps.Equal(c.Tools, wantTools) {
		t.Errorf("cookie %+v does not match the response %+v", c, body)
	}

	rec := mustGet(t, hs.recs, body.Receipt)
	want := consent.Record{
		Receipt: body.Receipt, Given: clock, PolicyHash: hs.m.Hash(), Version: consent.Version(hs.m),
		Categories: wantCats, Tools: wantTools, Method: consent.MethodPreferences, Kind: consent.KindCustom, Lang: "en",
	}
	if !sameRecord(rec, want) {
		t.Errorf("record %+v, want %+v", rec, want)
	}

	// A second choice names the first in its record.
	res = hs.do(t, withCookie(apiRequest(`{"categories":{"analytics":false},"method":"banner"}`), ck.Value))
	next := mustGet(t, hs.recs, choiceOf(t, res).Receipt)
	if next.PrevReceipt != body.Receipt || next.Lang != "ja" {
		t.Errorf("second record: prev %q lang %q, want %q and the default language ja", next.PrevReceipt, next.Lang, body.Receipt)
	}
}

func TestAPISecureCookieOverTLS(t *testing.T) {
	hs := sqliteHarness(t)
	r := apiRequest(`{"method":"banner","categories":{"analytics":true}}`)
	r.URL.Scheme = "https"
	r.TLS = tlsState()
	if ck := consentCookie(t, hs.do(t, r)); !ck.Secure {
		t.Error("the cookie set over TLS is not Secure")
	}
}

func TestAPIKinds(t *testing.T) {
	hs := sqliteHarness(t)
	tests := []struct {
		body, kind string
	}{
		{`{"method":"banner","categories":{"preferences":true,"statistics":true,"analytics":true,"advertising":true,"embeds":true}}`, consent.KindAcceptAll},
		{`{"method":"banner","categories":{"preferences":false,"statistics":false,"analytics":false,"advertising":false,"embeds":false}}`, consent.KindRejectAll},
		{`{"method":"banner"}`, consent.KindRejectAll},
		{`{"method":"banner","categories":{"preferences":true,"statistics":true,"analytics":true,"advertising":true,"embeds":true},"tools":{"youtube":false}}`, consent.KindCustom},
	}
	for _, tt := range tests {
		res := hs.do(t, apiRequest(tt.body))
		if rec := mustGet(t, hs.recs, choiceOf(t, res).Receipt); rec.Kind != tt.kind {
			t.Errorf("%s: kind %s, want %s", tt.body, rec.Kind, tt.kind)
		}
	}
}

// TestAPIPartialChoice checks that a choice about one tool, as a
// click-to-load placeholder posts it, keeps the visitor's other decisions.
func TestAPIPartialChoice(t *testing.T) {
	hs := sqliteHarness(t)
	first := hs.do(t, apiRequest(`{"method":"preferences","categories":{"analytics":true,"embeds":false},"tools":{"ad-network":false}}`))
	res := hs.do(t, withCookie(apiRequest(`{"method":"preferences","tools":{"youtube":true}}`), consentCookie(t, first).Value))
	c := choiceOf(t, res)
	wantCats := map[string]bool{"preferences": false, "analytics": true, "advertising": false, "embeds": false}
	wantTools := map[string]bool{"display-settings": false, "google-analytics": true, "youtube": true, "ad-network": false}
	if !maps.Equal(c.Categories, wantCats) || !maps.Equal(c.Tools, wantTools) {
		t.Errorf("decisions %v %v, want %v %v", c.Categories, c.Tools, wantCats, wantTools)
	}
	// Without an earlier choice, whatever is not given is refused.
	c = choiceOf(t, hs.do(t, apiRequest(`{"method":"preferences","tools":{"youtube":true}}`)))
	if c.Tools["youtube"] != true || c.Categories["analytics"] || c.Tools["google-analytics"] {
		t.Errorf("a first partial choice: %v %v", c.Categories, c.Tools)
	}
}

func TestAPIRefusesBadRequests(t *testing.T) {
	hs := sqliteHarness(t)
	tests := []struct {
		name   string
		body   string
		header map[string]string
		status int
		reason string
		// chunked hides the body's length, so that the limit applies
		// while reading.
		chunked bool
	}{
		{"unknown category", `{"method":"banner","categories":{"analytics":true,"marketing":true}}`, nil, 400, `unknown category "marketing"`, false},
		{"unknown tool", `{"method":"banner","tools":{"hotjar":true}}`, nil, 400, `unknown tool "hotjar"`, false},
		{"unknown field", `{"method":"banner","consent":true}`, nil, 400, `"consent"`, false},
		{"not JSON", `analytics=1`, nil, 400, "not a choice in JSON", false},
		{"not an object", `[true]`, nil, 400, "not a choice in JSON", false},
		{"decision not a boolean", `{"method":"banner","categories":{"analytics":"yes"}}`, nil, 400, "not a choice in JSON", false},
		{"two values", `{"method":"banner"} {"method":"banner"}`, nil, 400, "more than one JSON value", false},
		{"empty body", ``, nil, 400, "not a choice in JSON", false},
		{"no method", `{"categories":{"analytics":true}}`, nil, 400, "method must be", false},
		{"method nojs", `{"method":"nojs"}`, nil, 400, "method must be", false},
		{"unknown language", `{"method":"banner","lang":"fr"}`, nil, 400, `unknown language "fr"`, false},
		{"too large", `{"method":"banner","lang":"` + strings.Repeat("x", 8<<10) + `"}`, nil, 413, "larger than 8192 bytes", false},
		{"too large after the value", `{"method":"banner"}` + strings.Repeat(" ", 8<<10), nil, 413, "larger than 8192 bytes", false},
		{"too large, chunked", `{"method":"banner","lang":"` + strings.Repeat("x", 8<<10) + `"}`, nil, 413, "larger than 8192 bytes", true},
		{"too large after the value, chunked", `{"method":"banner"}` + strings.Repeat(" ", 8<<10), nil, 413, "larger than 8192 bytes", true},
		{"cross-site", `{"method":"banner"}`, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross-site", false},
		{"other origin", `{"method":"banner"}`, map[string]string{"Sec-Fetch-Site": "", "Origin": "https://evil.example"}, 403, "cross-site", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := apiRequest(tt.body)
			if tt.chunked {
				r.ContentLength = -1
			}
			for k, v := range tt.header {
				if v == "" {
					r.Header.Del(k)
				} else {
					r.Header.Set(k, v)
				}
			}
			res := hs.do(t, r)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, res.body)
			}
			var body struct{ Error string }
			if err := json.Unmarshal([]byte(res.body), &body); err != nil {
				t.Fatalf("error body %q: %v", res.body, err)
			}
			if !strings.Contains(body.Error, tt.reason) {
				t.Errorf("reason %q does not say %q", body.Error, tt.reason)
			}
			if len(res.Cookies()) > 0 {
				t.Errorf("a refused request set cookies: %v", res.Cookies())
			}
		})
	}
	// Refused requests leave no record behind.
	n, err := hs.recs.WriteCSV(t.Context(), new(strings.Builder), clock.Add(-time.Hour), clock.Add(time.Hour))
	if err != nil || n != 0 {
		t.Errorf("refused requests recorded %d choices (%v)", n, err)
	}
}

func TestAPIMethodNotAllowed(t *testing.T) {
	hs := sqliteHarness(t)
	r := apiRequest("")
	r.Method = http.MethodGet
	if res := hs.do(t, r); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/consent: status %d", res.StatusCode)
	}
}

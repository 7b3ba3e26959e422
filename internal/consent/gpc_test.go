package consent_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/noren-web/noren/internal/consent"
)

func TestGPCHeader(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{"1", true},
		{" 1 ", true},
		{"", false},
		{"0", false},
		{"true", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if tt.value != "" {
			r.Header.Set("Sec-GPC", tt.value)
		}
		if got := consent.GPC(r); got != tt.want {
			t.Errorf("Sec-GPC %q: GPC = %v, want %v", tt.value, got, tt.want)
		}
	}
}

// TestGPCRefuses checks that a GPC signal keeps advertising (sale_or_share)
// and analytics (consent.gpc_refuses) off unless the visitor switches them on
// one by one.
func TestGPCRefuses(t *testing.T) {
	hs := sqliteHarness(t)
	all := `"categories":{"preferences":true,"statistics":true,"analytics":true,"advertising":true,"embeds":true}`
	tests := []struct {
		name      string
		request   func() *http.Request
		cats      map[string]bool
		tools     map[string]bool
		recordGPC bool
	}{
		{
			name:      "accept all from the banner with Sec-GPC",
			request:   func() *http.Request { return gpcHeader(apiRequest(`{"method":"banner",` + all + `}`)) },
			cats:      map[string]bool{"preferences": true, "analytics": false, "advertising": false, "embeds": true},
			tools:     map[string]bool{"display-settings": true, "google-analytics": false, "youtube": true, "ad-network": false},
			recordGPC: true,
		},
		{
			name:      "accept all from the banner with gpc in the body",
			request:   func() *http.Request { return apiRequest(`{"method":"banner","gpc":true,` + all + `}`) },
			cats:      map[string]bool{"preferences": true, "analytics": false, "advertising": false, "embeds": true},
			tools:     map[string]bool{"display-settings": true, "google-analytics": false, "youtube": true, "ad-network": false},
			recordGPC: true,
		},
		{
			name: "banner naming tools with Sec-GPC",
			request: func() *http.Request {
				return gpcHeader(apiRequest(`{"method":"banner",` + all + `,"tools":{"google-analytics":true,"ad-network":true}}`))
			},
			cats:      map[string]bool{"preferences": true, "analytics": false, "advertising": false, "embeds": true},
			tools:     map[string]bool{"display-settings": true, "google-analytics": false, "youtube": true, "ad-network": false},
			recordGPC: true,
		},
		{
			name: "preference centre turning analytics on",
			request: func() *http.Request {
				return gpcHeader(apiRequest(`{"method":"preferences","categories":{"analytics":true,"advertising":false}}`))
			},
			cats:      map[string]bool{"preferences": false, "analytics": true, "advertising": false, "embeds": false},
			tools:     map[string]bool{"display-settings": false, "google-analytics": true, "youtube": false, "ad-network": false},
			recordGPC: true,
		},
		{
			name: "preference centre turning one tool on",
			request: func() *http.Request {
				return gpcHeader(apiRequest(`{"method":"preferences","tools":{"ad-network":true}}`))
			},
			cats:      map[string]bool{"preferences": false, "analytics": false, "advertising": false, "embeds": false},
			tools:     map[string]bool{"display-settings": false, "google-analytics": false, "youtube": false, "ad-network": true},
			recordGPC: true,
		},
		{
			name:      "accept all without GPC",
			request:   func() *http.Request { return apiRequest(`{"method":"banner",` + all + `}`) },
			cats:      map[string]bool{"preferences": true, "analytics": true, "advertising": true, "embeds": true},
			tools:     map[string]bool{"display-settings": true, "google-analytics": true, "youtube": true, "ad-network": true},
			recordGPC: false,
		},
		{
			name:      "accept all on the choices page with Sec-GPC",
			request:   func() *http.Request { return gpcHeader(formRequest(hs.m, "en", url.Values{"action": {"accept_all"}})) },
			cats:      map[string]bool{"preferences": true, "analytics": false, "advertising": false, "embeds": true},
			tools:     map[string]bool{"display-settings": true, "google-analytics": false, "youtube": true, "ad-network": false},
			recordGPC: true,
		},
		{
			name: "ticking advertising on the choices page with Sec-GPC",
			request: func() *http.Request {
				return gpcHeader(formRequest(hs.m, "en", url.Values{"action": {"save"}, "category": {"advertising", "embeds"}}))
			},
			cats:      map[string]bool{"preferences": false, "analytics": false, "advertising": true, "embeds": true},
			tools:     map[string]bool{"display-settings": false, "google-analytics": false, "youtube": true, "ad-network": true},
			recordGPC: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := choiceOf(t, hs.do(t, tt.request()))
			if !maps.Equal(c.Categories, tt.cats) || !maps.Equal(c.Tools, tt.tools) {
				t.Errorf("decisions\n %v %v\nwant\n %v %v", c.Categories, c.Tools, tt.cats, tt.tools)
			}
			if rec := mustGet(t, hs.recs, c.Receipt); rec.GPC != tt.recordGPC {
				t.Errorf("record gpc = %v, want %v", rec.GPC, tt.recordGPC)
			}
		})
	}
}

// TestGPCOverridesEarlierChoice checks that with a GPC signal, decisions
// carried over from an earlier choice do not keep refused categories on.
func TestGPCOverridesEarlierChoice(t *testing.T) {
	hs := sqliteHarness(t)
	first := hs.do(t, apiRequest(`{"method":"banner","categories":{"preferences":true,"statistics":true,"analytics":true,"advertising":true,"embeds":true}}`))
	c := choiceOf(t, hs.do(t, gpcHeader(withCookie(apiRequest(`{"method":"preferences","tools":{"youtube":true}}`), consentCookie(t, first).Value))))
	if c.Categories["analytics"] || c.Categories["advertising"] || c.Tools["google-analytics"] || c.Tools["ad-network"] {
		t.Errorf("GPC-refused decisions carried over: %v %v", c.Categories, c.Tools)
	}
	if !c.Categories["preferences"] || !c.Tools["youtube"] {
		t.Errorf("other decisions lost: %v %v", c.Categories, c.Tools)
	}
}

func TestGPCDeclaration(t *testing.T) {
	hs := sqliteHarness(t)
	res := hs.do(t, httptest.NewRequest(http.MethodGet, "/.well-known/gpc.json", nil))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"gpc": true, "lastUpdate": "2026-10-01"}
	if !maps.Equal(body, want) {
		t.Errorf("gpc.json = %v, want %v", body, want)
	}
}

func gpcHeader(r *http.Request) *http.Request {
	r.Header.Set("Sec-GPC", "1")
	return r
}

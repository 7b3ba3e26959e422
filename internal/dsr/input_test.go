package dsr_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestInput refuses oversized, malformed and incomplete forms with clear
// messages, keeps what was typed, and stores nothing.
func TestInput(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t))
	for _, tc := range []struct {
		name   string
		body   string
		status int
		want   []string
	}{
		{"oversized", "details=" + strings.Repeat("a", 33<<10), http.StatusRequestEntityTooLarge,
			[]string{"What was sent is too large (the limit is 32 kB)"}},
		{"malformed", "kind=%zz&email=a", http.StatusBadRequest, []string{"What was sent could not be read"}},
		{"empty", "", http.StatusBadRequest, []string{
			`<a href="#dsr-kind-disclosure">Choose what you are asking for.</a>`,
			`<a href="#dsr-email">Enter your e-mail address.</a>`,
			`<a href="#dsr-confirm">Read the statement and tick the box.</a>`}},
		{"unknown kind", "kind=everything&email=a%40example.jp&confirm=yes", http.StatusBadRequest,
			[]string{`<a href="#dsr-kind-disclosure">Choose what you are asking for.</a>`, `value="a@example.jp"`}},
		// The demo is a public body: chapter 5 has neither kind.
		{"deletion from a public body", form(dsr.Deletion, "a@example.jp", ""), http.StatusBadRequest,
			[]string{`<a href="#dsr-kind-disclosure">Minato Bay City does not take requests of the kind chosen.`,
				`to have retained personal information erased, choose a request for suspension of use.`, `value="a@example.jp"`}},
		{"record of provision from a public body", form(dsr.ProvisionRecord, "a@example.jp", ""), http.StatusBadRequest,
			[]string{`Minato Bay City does not take requests of the kind chosen.`}},
		{"bad address", form(dsr.Disclosure, "Taro <taro@example.jp>", ""), http.StatusBadRequest,
			[]string{`Enter an e-mail address in the form name@example.jp.`, `value="Taro &lt;taro@example.jp&gt;"`,
				`id="dsr-kind-disclosure" name="kind" value="disclosure" checked`}},
		{"non-ASCII address", form(dsr.Disclosure, "太郎@example.jp", ""), http.StatusBadRequest,
			[]string{`Enter the e-mail address in ASCII`}},
		{"correction without details", form(dsr.Correction, "a@example.jp", ""), http.StatusBadRequest,
			[]string{`<a href="#dsr-details">Say what should be corrected.</a>`, `aria-invalid="true"`}},
		{"details too long", form(dsr.Correction, "a@example.jp", strings.Repeat("訂", 2001)), http.StatusBadRequest,
			[]string{`What to correct must be 2000 characters or fewer (it is 2001).`}},
		{"control characters", form(dsr.Correction, "a@example.jp", "fix\x00this"), http.StatusBadRequest,
			[]string{`What to correct contains characters that cannot be used.`, `>fixthis</textarea>`}},
		{"kept after an error", url.Values{"kind": {"correction"}, "email": {"keep@example.jp"}, "details": {"keep me"}}.Encode(),
			http.StatusBadRequest, []string{`value="keep@example.jp"`, `>keep me</textarea>`,
				`value="correction" checked`, `<a href="#dsr-confirm">`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := hs.post(dsr.Path("en"), tc.body, "")
			if resp.status != tc.status {
				t.Errorf("status %d, want %d\n%s", resp.status, tc.status, resp.body)
			}
			mustContain(t, "the page", resp.body, tc.want...)
			mustContain(t, "the page", resp.body, `class="error-summary" role="alert"`)
		})
	}
	if list, err := hs.h.List(t.Context(), dsr.Filter{}); err != nil || len(list) != 0 {
		t.Errorf("refused forms stored %d requests (%v)", len(list), err)
	}
	if msgs := hs.smtp.Messages(); len(msgs) != 0 {
		t.Errorf("refused forms sent %d messages", len(msgs))
	}
}

// TestRateLimits refuses requests past the limits for one address and one
// network, with a message for each, and still takes others.
func TestRateLimits(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t), func(o *dsr.Options) {
		o.Limits = dsr.Limits{PerAddress: 2, PerNetwork: 3, Window: time.Hour}
	})
	send := func(email, from string) response {
		t.Helper()
		return hs.post(dsr.Path("en"), form(dsr.Cessation, email, ""), from)
	}
	for range 2 {
		if resp := send("same@example.jp", "192.0.2.1"); resp.status != http.StatusSeeOther {
			t.Fatalf("within the limit: %d", resp.status)
		}
	}
	// The address limit holds across networks and letter case.
	resp := send("SAME@example.jp", "198.51.100.7")
	if resp.status != http.StatusTooManyRequests || resp.header.Get("Retry-After") != "3600" {
		t.Errorf("third request for one address: %d, Retry-After %q", resp.status, resp.header.Get("Retry-After"))
	}
	mustContain(t, "the address limit", resp.body, "Several requests have just been sent for this e-mail address", "about 60 minutes", `value="SAME@example.jp"`)

	if resp := send("other@example.jp", "192.0.2.1"); resp.status != http.StatusSeeOther {
		t.Errorf("third request from one network: %d", resp.status)
	}
	// Another address of the same /24 shares its budget.
	resp = send("fourth@example.jp", "192.0.2.200")
	if resp.status != http.StatusTooManyRequests {
		t.Errorf("fourth request from one network: %d", resp.status)
	}
	mustContain(t, "the network limit", resp.body, "Many requests have just come from your network")
	if resp := send("fifth@example.jp", "192.0.3.1"); resp.status != http.StatusSeeOther {
		t.Errorf("a request from the next /24: %d", resp.status)
	}
	// One IPv6 /48 is one network.
	for i, from := range []string{"2001:db8:0:1::1", "2001:db8:0:2::1", "2001:db8:0:ffff::1", "2001:db8::4"} {
		want := http.StatusSeeOther
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if resp := send("v6-"+string(rune('a'+i))+"@example.jp", from); resp.status != want {
			t.Errorf("IPv6 request %d: %d, want %d", i+1, resp.status, want)
		}
	}

	// Just after the window, the requests at its start have left it.
	hs.clock.Advance(time.Hour + time.Second)
	if resp := send("same@example.jp", "192.0.2.1"); resp.status != http.StatusSeeOther {
		t.Errorf("after the window: %d", resp.status)
	}
}

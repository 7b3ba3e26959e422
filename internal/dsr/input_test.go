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
// messages next to each field, keeps what was typed, and stores nothing:
// a public body's form requires the matters of its 請求書, a business's
// what to correct only.
func TestInput(t *testing.T) {
	public := newHarness(t, storetest.SQLite(t))
	biz := newHarness(t, storetest.SQLite(t), business(t))
	for _, tc := range []struct {
		name     string
		business bool
		body     string
		status   int
		want     []string
	}{
		{"oversized", false, "details=" + strings.Repeat("a", 49<<10), http.StatusRequestEntityTooLarge,
			[]string{"What was sent is too large (the limit is 48 kB)"}},
		{"malformed", false, "kind=%zz&email=a", http.StatusBadRequest, []string{"What was sent could not be read"}},
		{"empty", false, "", http.StatusBadRequest, []string{
			`<a href="#dsr-kind-disclosure">Choose what you are asking for.</a>`,
			`<a href="#dsr-name">Enter your name.</a>`,
			`<a href="#dsr-address">Enter your address or residence.</a>`,
			`<a href="#dsr-email">Enter your e-mail address.</a>`,
			`<a href="#dsr-target">Say what identifies the information you ask about.</a>`,
			`<a href="#dsr-confirm">Read the statement and tick the box.</a>`}},
		{"empty, to a business", true, "", http.StatusBadRequest, []string{
			`<a href="#dsr-kind-disclosure">Choose what you are asking for.</a>`,
			`<a href="#dsr-email">Enter your e-mail address.</a>`,
			`<a href="#dsr-confirm">Read the statement and tick the box.</a>`}},
		{"unknown kind", false, with("kind", "everything"), http.StatusBadRequest,
			[]string{`<a href="#dsr-kind-disclosure">Choose what you are asking for.</a>`, `value="a@example.jp"`}},
		// The demo is a public body: chapter 5 has neither kind.
		{"deletion from a public body", false, form(dsr.Deletion, "a@example.jp", ""), http.StatusBadRequest,
			[]string{`<a href="#dsr-kind-disclosure">Minato Bay City does not take requests of the kind chosen.`,
				`to have retained personal information erased, choose a request for suspension of use.`, `value="a@example.jp"`}},
		{"record of provision from a public body", false, form(dsr.ProvisionRecord, "a@example.jp", ""), http.StatusBadRequest,
			[]string{`Minato Bay City does not take requests of the kind chosen.`}},
		{"bad address", false, form(dsr.Disclosure, "Taro <taro@example.jp>", ""), http.StatusBadRequest,
			[]string{`Enter an e-mail address in the form name@example.jp.`, `value="Taro &lt;taro@example.jp&gt;"`,
				`id="dsr-kind-disclosure" name="kind" value="disclosure" checked`}},
		{"non-ASCII address", false, form(dsr.Disclosure, "太郎@example.jp", ""), http.StatusBadRequest,
			[]string{`Enter the e-mail address in ASCII`}},
		{"no name", false, with("name", ""), http.StatusBadRequest,
			[]string{`<a href="#dsr-name">Enter your name.</a>`, `id="dsr-name-error"`}},
		{"name too long", false, with("name", strings.Repeat("港", 101)), http.StatusBadRequest,
			[]string{`<a href="#dsr-name">Your name must be 100 characters or fewer (it is 101).</a>`}},
		{"name on two lines", false, with("name", "港\n太郎"), http.StatusBadRequest,
			[]string{`<a href="#dsr-name">Your name contains characters that cannot be used.</a>`, `value="港太郎"`}},
		{"no residence", false, with("address", "  "), http.StatusBadRequest,
			[]string{`<a href="#dsr-address">Enter your address or residence.</a>`, `id="dsr-address-error"`}},
		{"residence too long", false, with("address", strings.Repeat("町", 201)), http.StatusBadRequest,
			[]string{`<a href="#dsr-address">Your address or residence must be 200 characters or fewer (it is 201).</a>`}},
		{"nothing identifies the information", false, with("target", ""), http.StatusBadRequest,
			[]string{`<a href="#dsr-target">Say what identifies the information you ask about.</a>`, `id="dsr-target-error"`}},
		{"what identifies it too long", false, with("target", strings.Repeat("記", 1001)), http.StatusBadRequest,
			[]string{`<a href="#dsr-target">What identifies the information must be 1000 characters or fewer (it is 1001).</a>`}},
		{"what identifies it with control characters", false, with("target", "記録\x07"), http.StatusBadRequest,
			[]string{`What identifies the information contains characters that cannot be used.`, `>記録</textarea>`}},
		{"correction without reasons", false, form(dsr.Correction, "a@example.jp", ""), http.StatusBadRequest,
			[]string{`<a href="#dsr-details">Say what you ask for and why.</a>`, `aria-invalid="true"`}},
		{"cessation without reasons", false, form(dsr.Cessation, "a@example.jp", ""), http.StatusBadRequest,
			[]string{`<a href="#dsr-details">Say what you ask for and why.</a>`}},
		{"reasons too long", false, form(dsr.Cessation, "a@example.jp", strings.Repeat("訂", 2001)), http.StatusBadRequest,
			[]string{`What you ask for and why must be 2000 characters or fewer (it is 2001).`}},
		{"reasons with control characters", false, form(dsr.Correction, "a@example.jp", "fix\x00this"), http.StatusBadRequest,
			[]string{`What you ask for and why contains characters that cannot be used.`, `>fixthis</textarea>`}},
		{"business correction without details", true, form(dsr.Correction, "a@example.jp", ""), http.StatusBadRequest,
			[]string{`<a href="#dsr-details">Say what should be corrected.</a>`, `aria-invalid="true"`}},
		{"business details too long", true, form(dsr.Correction, "a@example.jp", strings.Repeat("訂", 2001)), http.StatusBadRequest,
			[]string{`What to correct must be 2000 characters or fewer (it is 2001).`}},
		{"business details with control characters", true, form(dsr.Correction, "a@example.jp", "fix\x00this"), http.StatusBadRequest,
			[]string{`What to correct contains characters that cannot be used.`, `>fixthis</textarea>`}},
		{"kept after an error", false, url.Values{"kind": {"correction"}, "email": {"keep@example.jp"}, "details": {"keep me"},
			"name": {"港 花子"}, "address": {"港町4-5-6"}, "target": {"相談の記録"}}.Encode(),
			http.StatusBadRequest, []string{`value="keep@example.jp"`, `>keep me</textarea>`, `value="港 花子"`, `value="港町4-5-6"`,
				`>相談の記録</textarea>`, `value="correction" checked`, `<a href="#dsr-confirm">`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := public
			if tc.business {
				hs = biz
			}
			resp := hs.post(dsr.Path("en"), tc.body, "")
			if resp.status != tc.status {
				t.Errorf("status %d, want %d\n%s", resp.status, tc.status, resp.body)
			}
			mustContain(t, "the page", resp.body, tc.want...)
			mustContain(t, "the page", resp.body, `class="error-summary" role="alert"`)
			if tc.business && strings.Contains(resp.body, `id="dsr-name"`) {
				t.Error("a business's form asks for the name")
			}
		})
	}
	for _, hs := range []*harness{public, biz} {
		if list, err := hs.h.List(t.Context(), dsr.Filter{}); err != nil || len(list) != 0 {
			t.Errorf("refused forms stored %d requests (%v)", len(list), err)
		}
		if msgs := hs.smtp.Messages(); len(msgs) != 0 {
			t.Errorf("refused forms sent %d messages", len(msgs))
		}
	}
}

// with is a complete disclosure form to a public body from a@example.jp,
// with key set to value.
func with(key, value string) string {
	v, err := url.ParseQuery(form(dsr.Disclosure, "a@example.jp", ""))
	if err != nil {
		panic(err)
	}
	v.Set(key, value)
	return v.Encode()
}

// TestRateLimits refuses requests past the limits for one address and one
// network, with a message for each, and still takes others.
func TestRateLimits(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t), func(o *dsr.Options) {
		o.Limits = dsr.Limits{PerAddress: 2, PerNetwork: 3, Window: time.Hour}
	})
	send := func(email, from string) response {
		t.Helper()
		return hs.post(dsr.Path("en"), form(dsr.Cessation, email, cessationReason), from)
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

package contact

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store/storetest"
)

// stable replaces the random parts of a page with placeholders.
func stable(t *testing.T, hs *harness, body string) string {
	t.Helper()
	if m := challengePattern.FindStringSubmatch(body); m != nil {
		body = strings.ReplaceAll(body, m[1], "CHALLENGE")
	}
	if m := hiddenPattern.FindAllStringSubmatch(body, -1); m != nil {
		for _, x := range m {
			if x[1] == waitInput {
				body = strings.ReplaceAll(body, x[2], "WAIT")
			}
		}
	}
	return strings.ReplaceAll(body, hs.m.VersionLabel(), "VERSION")
}

// TestPagesGolden renders each page in both languages, notice included,
// against the golden files.
func TestPagesGolden(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t))
	for _, lang := range []string{"ja", "en"} {
		page := hs.get("/" + lang + "/contact")
		if page.status != http.StatusOK || page.header.Get("Content-Language") != lang {
			t.Fatalf("GET /%s/contact: %d, Content-Language %q", lang, page.status, page.header.Get("Content-Language"))
		}
		checkGolden(t, "form."+lang+".html", stable(t, hs, page.body))

		form := hs.fill(lang, goodForm(), false)
		form.Set("f_email", "not an address")
		form.Del("notice_read")
		errs := hs.post("/"+lang+"/contact", form)
		checkGolden(t, "form-errors."+lang+".html", stable(t, hs, errs.body))

		wait := hs.post("/"+lang+"/contact", hs.fill(lang, goodForm(), false))
		checkGolden(t, "wait."+lang+".html", stable(t, hs, wait.body))

		thanks := hs.get("/" + lang + "/contact/thanks?ref=C-2026-7KQM-X3HD")
		checkGolden(t, "thanks."+lang+".html", stable(t, hs, thanks.body))
	}
}

// TestNotice checks that the notice at the point of collection says what
// the manifest declares: each field with its kind of data and purpose, who
// handles it, for how long, and the policy version in force.
func TestNotice(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t))
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{
			`<tr><th scope="row">Your name</th><td>Name</td><td>Contact</td></tr>`,
			`<tr><th scope="row">Organisation (optional)</th><td>Organisation</td><td>Answering inquiries</td></tr>`,
			`<tr><th scope="row">Telephone number (optional)</th><td>Name</td><td>Contact (kept for 6 months)</td></tr>`,
			`Minato Bay City (Startup Support Office, Industry Promotion Division, Economic Development Bureau)`,
			`the contractor entrusted with operating and maintaining this website (contractor: operating and maintaining the servers`,
			`1 year from receipt`,
			`<a href="/en/privacy">privacy policy (version ` + hs.m.VersionLabel() + `)</a>`,
			`I have read the notice on how my personal information is handled <span class="contact__required-mark">required</span>`,
		}},
		{"ja", []string{
			`<tr><th scope="row">お名前</th><td>氏名</td><td>ご連絡</td></tr>`,
			`本サイトの運用保守受託事業者`,
			`受付から1年。`,
			`<a href="/ja/privacy">プライバシーポリシー（` + hs.m.VersionLabel() + `版）</a>`,
			`<span class="contact__required-mark">必須</span>`,
		}},
	} {
		page := hs.get("/" + tc.lang + "/contact")
		for _, want := range tc.want {
			if !strings.Contains(page.body, want) {
				t.Errorf("/%s/contact lacks %s", tc.lang, want)
			}
		}
	}
}

// TestAccessibleMarkup checks what assistive technology relies on: a
// label for every control, required said in words, help tied to its field,
// and a trap field hidden from people.
func TestAccessibleMarkup(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t))
	page := hs.get("/en/contact").body
	for _, f := range loadManifest(t).CollectionPoint("contact").Fields {
		id := inputID(f.ID)
		if !strings.Contains(page, `<label for="`+id+`">`) || !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("field %s has no label tied to it", f.ID)
		}
	}
	for _, want := range []string{
		`<label for="contact-name">Your name <span class="contact__required-mark">required</span></label>`,
		`<p class="contact__help" id="contact-email-help">We reply to this address.</p>`,
		`aria-describedby="contact-email-help"`,
		`<div class="contact__trap" aria-hidden="true">`,
		`name="website" value="" tabindex="-1" autocomplete="off"`,
		`autocomplete="email"`,
		`<script src="/noren/contact.js" defer></script>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
}

func TestWaitPageWithoutScript(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t), func(o *Options) { o.Wait = 20 * time.Second })
	res := hs.post("/en/contact", hs.fill("en", goodForm(), false))
	if !strings.Contains(res.body, "wait 20 seconds") {
		t.Errorf("the confirmation page does not say how long to wait:\n%s", res.body)
	}
	next := hiddenInputs(t, res.body)
	hs.clock.Advance(5 * time.Second)
	early := hs.post("/en/contact", next)
	if !strings.Contains(early.body, "Please wait about 15 more seconds") {
		t.Errorf("pressed early, the page does not say how long is left:\n%s", early.body)
	}
	// A wait token of one challenge does not pass for another's.
	other := hiddenInputs(t, hs.post("/en/contact", hs.fill("en", goodForm(), false)).body)
	next.Set(waitInput, other.Get(waitInput))
	hs.clock.Advance(time.Minute)
	if res := hs.post("/en/contact", next); res.status != http.StatusBadRequest || !strings.Contains(res.body, "confirmation step could not be verified") {
		t.Errorf("a borrowed wait token: status %d, want 400", res.status)
	}
}

package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/totp"
)

// newsletterForm is a second collection point added to the demo manifest,
// so that an account can be assigned to a form other than the contact
// form.
const newsletterForm = `  - id: newsletter
    name: {ja: メールマガジン, en: Newsletter}
    path: /newsletter
    purposes: [contact]
    retention: 1y
    handlers: [site-operations]
    fields:
      - id: email
        label: {ja: メールアドレス, en: Email address}
        type: email
        required: true
        category: email
        purpose: contact

`

// consoleAnswer is the status of a console page a script fetched, and the
// error it names.
type consoleAnswer struct {
	Status int    `json:"status"`
	Error  string `json:"error"`
}

// staffPassword is the password of the accounts the contact test adds.
const staffPassword = "a long passphrase for the inbox test"

// contactReference is the shape of a submission's reference number.
var contactReference = regexp.MustCompile(`^C-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$`)

// TestContactBrowser follows a message through the demo in Chromium: a
// visitor reads the notice and sends the contact form, whose script solves
// the proof of work; a handler of the form signs in, enrolling an
// authenticator, finds the reference in the inbox and sees what was sent
// only after stating a purpose, which the audit trail records; a
// contractor assigned to another form neither sees nor opens it.
func TestContactBrowser(t *testing.T) {
	browser := browsertest.New(t)
	dir := t.TempDir()
	manifestPath := filepath.Join(dir, "manifest.yaml")
	writeManifestWithNewsletter(t, manifestPath)
	const handler, contractor = "handler@example.jp", "contractor@example.jp"
	addStaff(t, dir, handler, "handler", "contact", "")
	addStaff(t, dir, contractor, "contractor", "newsletter", time.Now().AddDate(0, 1, 0).Format(time.DateOnly))
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0", "--manifest", manifestPath)

	sent := map[string]string{
		"Your name":     "Hanako Kawasemi",
		"Email address": "hanako.kawasemi@example.jp",
		"Organisation":  "Kawasemi Works",
		"Topic":         "programme",
		"Your message":  "We would like to join the mentoring programme.",
	}

	// The visitor reads the notice, fills in the form and sends it.
	v := newVisitor(t, browser, p.url, visitorOptions{})
	v.actAsBrowser()
	v.open("/en/contact/form")
	shown := time.Now()
	v.check("the notice is on screen", `(() => { const n = document.querySelector('.contact__notice');
		if (!n) return false; const r = n.getBoundingClientRect();
		return r.width > 0 && r.height > 0 && getComputedStyle(n).visibility !== 'hidden'; })()`)
	notice := evaluate[string](v, "notice text", `document.querySelector('.contact__notice').innerText`)
	for _, want := range []string{
		// what is collected
		"Your name", "Email address", "Organisation", "Topic", "Your message", "Content of the inquiry",
		// the purposes
		"Contact", "Answering inquiries",
		// who handles it
		"Minato Bay City", "the contractor entrusted with operating and maintaining this website",
		// how long it is kept
		"1 year from receipt",
		// the policy's version; the edited manifest's version is told
		// apart from the bundled one's by its digest
		"privacy policy (version 2026.1",
	} {
		if !strings.Contains(notice, want) {
			t.Errorf("the notice lacks %q:\n%s", want, notice)
		}
	}
	v.do("fill in the form",
		chromedp.SendKeys(chromedp.ID("contact-name"), sent["Your name"]),
		chromedp.SendKeys(chromedp.ID("contact-email"), sent["Email address"]),
		chromedp.SendKeys(chromedp.ID("contact-organisation"), sent["Organisation"]),
		chromedp.SetValue(chromedp.ID("contact-topic"), sent["Topic"]),
		chromedp.SendKeys(chromedp.ID("contact-message"), sent["Your message"]),
		chromedp.Click(chromedp.ID("contact-notice-read")),
	)
	v.check("the notice checkbox is ticked", `document.getElementById('contact-notice-read').checked`)
	// The form refuses what comes back sooner than its minimum fill time,
	// three seconds after the second it was issued in. The page and the
	// server run on the real clock, so the wait is real; the rule itself is
	// tested on a fake clock in internal/contact. The form was issued
	// before shown, so three seconds after shown is always enough.
	time.Sleep(time.Until(shown.Add(3 * time.Second)))
	// The click waits for the script's proof of work, which then sends the
	// form itself; without it the no-JavaScript confirmation page would
	// come instead of the thank-you page.
	v.submit("#contact-submit", "/en/contact/form/thanks")
	ref := strings.TrimSpace(evaluate[string](v, "reference", `document.querySelector('.contact__reference').innerText`))
	if !contactReference.MatchString(ref) {
		v.fatalf("the thank-you page shows the reference %q, want C-YYYY-XXXX-XXXX", ref)
	}

	// The handler signs in, finds the reference and opens the submission.
	h := signInToConsole(t, browser, p.url, handler)
	h.open("/admin/inbox")
	id := evaluate[string](h, "the submission's link", fmt.Sprintf(`(() => {
		const a = [...document.querySelectorAll('a[href^="/admin/inbox/"]')].find(a => a.textContent.trim() === %q);
		return a ? a.getAttribute('href').slice('/admin/inbox/'.length) : ''; })()`, ref))
	if id == "" {
		h.fatalf("the inbox does not list %s", ref)
	}
	submissionPath := "/admin/inbox/" + id
	openPath := submissionPath + "/open"
	h.open(submissionPath)
	h.check("the purpose must be chosen", `document.getElementById('purpose').required && document.getElementById('purpose').value === ''`)
	h.click("open without a purpose", fmt.Sprintf(`form[action=%q] button[type=submit]`, openPath))
	h.check("the browser keeps the form without a purpose", `location.pathname === '`+submissionPath+`' && document.getElementById('purpose').validity.valueMissing`)
	// The server refuses it too, when the browser's check is bypassed.
	h.do("drop the browser's check", chromedp.RemoveAttribute(chromedp.ID("purpose"), "required"))
	loadWithStatus(h, "open without a purpose", 422, openPath, chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action=%q] button[type=submit]`, openPath))))
	h.check("the page names the missing purpose", `!!document.querySelector('.error-summary')`)
	page := evaluate[string](h, "page text", `document.body.innerText`)
	for label, value := range sent {
		if label != "Topic" && strings.Contains(page, value) {
			t.Errorf("without a purpose the page shows %s: %q", label, value)
		}
	}
	const purpose = "inquiry-response"
	h.do("choose a purpose", chromedp.SetValue(chromedp.ID("purpose"), purpose))
	loadWithStatus(h, "open with a purpose", 200, openPath, chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action=%q] button[type=submit]`, openPath))))
	h.check("the page names the purpose", `document.querySelector('.notice[role="status"]').textContent.includes('Answering inquiries')`)
	answers := evaluate[map[string]string](h, "answers", `Object.fromEntries([...document.querySelectorAll('dl.answers > div')].map(d =>
		[d.querySelector('dt').textContent.trim(), d.querySelector('dd').textContent.trim()]))`)
	for label, value := range sent {
		if label == "Topic" {
			value = "Our programmes (programme)" // the option's label, then its value
		}
		if answers[label] != value {
			t.Errorf("opened submission shows %s = %q, want %q", label, answers[label], value)
		}
	}

	// The contractor of another form sees nothing of it.
	c := signInToConsole(t, browser, p.url, contractor)
	c.open("/admin/inbox")
	if strings.Contains(evaluate[string](c, "inbox text", `document.body.innerText`), ref) {
		c.fatalf("the contractor's inbox lists %s", ref)
	}
	loadWithStatus(c, "open the contact submission", 403, submissionPath, chromedp.Navigate(p.url+submissionPath))
	forbidden := evaluate[string](c, "refusal", `document.querySelector('.error-summary li').textContent`)
	// The page's form token is the session's, so a refusal of the post
	// below is the form's scope, not a forged request.
	got := evaluate[consoleAnswer](c, "POST open", fmt.Sprintf(`fetch(%q, {method: 'POST', redirect: 'manual',
		headers: {'Content-Type': 'application/x-www-form-urlencoded'},
		body: 'purpose=contact&csrf=' + encodeURIComponent(document.querySelector('input[name="csrf"]').value)
	}).then(async r => {
		const li = new DOMParser().parseFromString(await r.text(), 'text/html').querySelector('.error-summary li');
		return {status: r.status, error: li ? li.textContent : ''};
	})`, openPath), chromedp.EvalAwaitPromise)
	if got.Status != 403 || got.Error != forbidden {
		t.Errorf("the contractor's POST %s: status %d, %q; want 403, %q", openPath, got.Status, got.Error, forbidden)
	}

	stop(t, p, syscall.SIGTERM)
	object := "form:contact/" + ref
	var reads []audit.Entry
	denied := map[string]bool{}
	for _, e := range auditEntries(t, dir) {
		if e.Action == "submission.read" {
			reads = append(reads, e)
		}
		if e.Action == "access.denied" && e.Actor == contractor && e.Outcome == audit.Denied {
			denied[e.Object] = true
		}
	}
	if len(reads) != 1 {
		t.Fatalf("%d submission.read entries, want 1 (the open with a purpose): %+v", len(reads), reads)
	}
	if r := reads[0]; r.Actor != handler || r.Purpose != purpose || r.Object != object || r.Outcome != audit.OK {
		t.Errorf("submission.read entry %+v, want by %s for %s on %s", r, handler, purpose, object)
	}
	for _, req := range []string{"GET " + submissionPath, "POST " + openPath} {
		if !denied[req] {
			t.Errorf("no access.denied entry for the contractor's %s", req)
		}
	}
}

// writeManifestWithNewsletter writes the demo manifest with the newsletter
// form added after the contact form.
func writeManifestWithNewsletter(t *testing.T, path string) {
	t.Helper()
	orig, err := os.ReadFile("../../web/demo/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const next = "automatic_collection:"
	if !strings.Contains(string(orig), next) {
		t.Fatalf("the demo manifest has no %s section to insert the newsletter form before", next)
	}
	edited := strings.Replace(string(orig), next, newsletterForm+next, 1)
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runNoren("check", path); code != 0 {
		t.Fatalf("the manifest with the newsletter form does not validate:\n%s%s", out, errOut)
	}
}

// addStaff adds a console account to the demo's database under dir.
func addStaff(t *testing.T, dir, email, role, forms, expires string) {
	t.Helper()
	args := []string{"user", "add", "-data", dir, "-email", email, "-role", role, "-forms", forms, "-password-stdin"}
	if expires != "" {
		args = append(args, "-expires", expires)
	}
	if code, out, errOut := runWithInput(staffPassword+"\n", args...); code != 0 {
		t.Fatalf("user add %s: exit %d\n%s%s", email, code, out, errOut)
	}
}

// signInToConsole signs an account in to the console in a fresh browser
// context: the password, then, as its role reads personal data, the
// enrolment of an authenticator with a code computed from the secret the
// page shows.
func signInToConsole(t *testing.T, browser context.Context, base, email string) *visitor {
	t.Helper()
	s := newVisitor(t, browser, base, visitorOptions{})
	s.open("/admin/login")
	loadWithStatus(s, "sign in", 200, "/admin/login/enrol",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), staffPassword),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)))
	secret := strings.TrimSpace(evaluate[string](s, "the authenticator's secret", `document.getElementById('secret').textContent`))
	key, err := totp.DecodeSecret(secret)
	if err != nil {
		s.fatalf("the enrolment page shows the secret %q: %v", secret, err)
	}
	loadWithStatus(s, "enrol", 200, "/admin/",
		chromedp.SendKeys(chromedp.ID("code"), totp.Code(key, time.Now())),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login/enrol"] button[type=submit]`)))
	if who := evaluate[string](s, "signed-in account", `document.querySelector('.console-header__who').textContent`); !strings.Contains(who, email) {
		s.fatalf("the header shows %q, want %s signed in", who, email)
	}
	return s
}

// loadWithStatus runs actions that load a page and checks the status and
// path of the page that finally loaded, after any redirects.
func loadWithStatus(v *visitor, what string, status int64, path string, actions ...chromedp.Action[chromedp.Void]) {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, browserStep)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		v.fatalf("%s: %v", what, err)
	}
	if u, err := url.Parse(resp.URL); err != nil || resp.Status != status || u.Path != path {
		v.fatalf("%s: status %d at %s, want %d at %s", what, resp.Status, resp.URL, status, path)
	}
}

// auditEntries returns the audit trail of the demo's database under dir.
func auditEntries(t *testing.T, dir string) []audit.Entry {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, demoDSN(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var all []audit.Entry
	f := audit.Filter{Limit: 1000}
	for {
		page, err := audit.New(db).List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			return all
		}
		f.BeforeSeq = page[len(page)-1].Seq
	}
}

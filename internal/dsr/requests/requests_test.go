package requests_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/dsr/requests"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/mail/mailtest"
	"github.com/noren-web/noren/internal/mail/outbox"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
	"github.com/noren-web/noren/web"
)

// personEmail is the address of the person whose requests the tests make;
// consultation() gives the same address.
const personEmail = "hanako.yamada@example.jp"

// harness is a console serving the requests section, with the public
// request form on the same server for people to make requests on.
type harness struct {
	*admintest.Harness
	vault    *vault.Vault
	requests *dsr.Handler
	// requestMail takes the mail to the person: the links and receipts of
	// the request form, the notices and the disclosures, queued in the
	// outbox and sent by a worker.
	requestMail *mailtest.Server
	box         *outbox.Outbox
}

// Manifests of the consoles the tests start: a prefecture with two forms,
// under chapter 5 of the APPI, and a business, under chapter 4.
const (
	publicManifest   = "../../admin/testdata/manifest.yaml"
	businessManifest = "../testdata/business.yaml"
)

// tokyo is the site's time zone in the tests.
var tokyo = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		panic(err)
	}
	return loc
}()

// newHarness starts a console of a public body on db with the requests
// section; edit changes the section's options before it starts.
func newHarness(t *testing.T, db *store.DB, edit ...func(*requests.Options)) *harness {
	t.Helper()
	return startHarness(t, db, publicManifest, edit...)
}

// startHarness starts a console on db serving the manifest file with the
// requests section.
func startHarness(t *testing.T, db *store.DB, manifestFile string, edit ...func(*requests.Options)) *harness {
	t.Helper()
	h := &harness{requestMail: mailtest.Start(t)}
	h.Harness = admintest.New(t, db, admintest.Setup{
		Manifest: manifestFile,
		Sections: func(ah *admintest.Harness) []admin.Capability {
			v, err := vault.New(ah.DB, ah.Keys)
			if err != nil {
				t.Fatal(err)
			}
			sender, err := mail.NewSender(h.requestMail.Config())
			if err != nil {
				t.Fatal(err)
			}
			box, err := outbox.New(outbox.Options{DB: ah.DB, Keys: ah.Keys, Now: ah.Clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			startWorker(t, box, sender)
			h.box = box
			chrome, err := page.NewChrome(web.Templates)
			if err != nil {
				t.Fatal(err)
			}
			handler, err := dsr.New(dsr.Options{
				DB: ah.DB, Vault: v, Mailer: box, Chrome: chrome,
				Manifest: func() *manifest.Manifest { return ah.Manifest },
				Now:      ah.Clock.Now,
				Secret:   []byte("0123456789abcdef0123456789abcdef"),
				BaseURL:  func(r *http.Request) string { return "https://" + r.Host },
				Limits:   dsr.Limits{PerAddress: 100, PerNetwork: 100, Window: time.Hour},
				Location: tokyo,
			})
			if err != nil {
				t.Fatal(err)
			}
			handler.Register(ah.Mux)
			h.vault, h.requests = v, handler
			opt := requests.Options{Requests: handler}
			for _, f := range edit {
				f(&opt)
			}
			return []admin.Capability{requests.New(opt)}
		},
	})
	return h
}

// settle waits until the worker has tried every message queued: each is
// sent, or failed and waits for its next attempt.
func (h *harness) settle() {
	h.T.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pending, err := h.box.List(context.Background(), outbox.Pending, 100)
		if err != nil {
			h.T.Fatal(err)
		}
		settled := true
		for _, e := range pending {
			settled = settled && e.Attempts > 0 && e.LeasedUntil.IsZero()
		}
		if settled {
			return
		}
		if time.Now().After(deadline) {
			h.T.Fatalf("the outbox's messages are not all tried: %+v", pending)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// mailOn has the section mail disclosures.
func mailOn(o *requests.Options) { o.Mail = true }

// startWorker sends box's mail through sender until the test ends,
// polling often so that tests wait little.
func startWorker(t *testing.T, box *outbox.Outbox, sender *mail.Sender) {
	w, err := box.NewWorker(outbox.WorkerOptions{Mailer: sender, Interval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// TestRequestsAccess calls every request route as each role: owners and
// handlers are served, the others refused with 403, an access.denied
// entry, and nothing of the request.
func TestRequestsAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, mailOn)
		h.addSubmission("consultation-form", consultation())
		users := []struct {
			user    account.User
			allowed bool
		}{
			{h.AddUser("owner@example.jp", account.Owner), true},
			{h.AddUser("handler@example.jp", account.Handler), true},
			{h.AddUser("contractor@example.jp", account.Contractor), false},
			{h.AddUser("analyst@example.jp", account.Analyst), false},
			{h.AddUser("auditor@example.jp", account.Auditor), false},
		}
		for _, u := range users {
			// Fresh requests for each account: answering one closes it.
			disclosure := h.addRequest(dsr.Disclosure, "en", personEmail, "")
			cessation := h.addRequest(dsr.Cessation, "en", personEmail, cessationReason)
			h.identify(cessation.ID)
			d, x := "/admin/requests/"+disclosure.ID, "/admin/requests/"+cessation.ID
			routes := []struct {
				method, path string
				form         url.Values
				want         int
			}{
				{"GET", "/admin/requests", nil, http.StatusOK},
				{"GET", d, nil, http.StatusOK},
				{"POST", d + "/reveal", nil, http.StatusOK},
				// With mail, the disclosure is mailed, never downloaded.
				{"POST", d + "/export.json", url.Values{"purpose": {"disclosure-answer"}}, http.StatusConflict},
				{"POST", d + "/identity", url.Values{"means": {"counter"}}, http.StatusSeeOther},
				{"POST", d + "/disclose", nil, http.StatusSeeOther},
				{"POST", x + "/status", url.Values{"status": {"in_progress"}}, http.StatusSeeOther},
				{"POST", x + "/extend", url.Values{"days": {"10"}, "reason": {"Records held in two offices"}}, http.StatusSeeOther},
				{"POST", x + "/delete", url.Values{"confirm": {"yes"}}, http.StatusOK},
			}
			for _, rt := range routes {
				denied := len(h.Entries("access.denied"))
				b := h.SignedIn(u.user)
				var resp admintest.Response
				if rt.method == "GET" {
					resp = b.Get(rt.path)
				} else {
					resp = b.Post(rt.path, maps.Clone(rt.form))
				}
				want := rt.want
				if !u.allowed {
					want = http.StatusForbidden
				}
				if resp.Status != want {
					t.Errorf("%s %s as %s: status %d, want %d", rt.method, rt.path, u.user.Role, resp.Status, want)
				}
				if got := len(h.Entries("access.denied")) - denied; !u.allowed && got != 1 {
					t.Errorf("%s %s as %s: %d access.denied entries, want 1", rt.method, rt.path, u.user.Role, got)
				}
				if !u.allowed && (strings.Contains(resp.Body, disclosure.Reference) || strings.Contains(resp.Body, personEmail)) {
					t.Errorf("%s %s as %s: the refusal shows the request", rt.method, rt.path, u.user.Role)
				}
			}
			nav := h.SignedIn(u.user).Get("/admin/account").Body
			if got := strings.Contains(nav, `href="/admin/requests"`); got != u.allowed {
				t.Errorf("%s: link to the requests in the menu %v, want %v", u.user.Role, got, u.allowed)
			}
		}
	})
}

// TestRequestListHidesPersonalData checks that the list and a request's
// page show the request's facts but neither the address nor what the
// person wrote, and that the filters and the overdue mark work.
func TestRequestListHidesPersonalData(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	h.addSubmission("consultation-form", consultation())
	const details = "My phone number 090-5555-0199 is wrong"
	req := h.addRequest(dsr.Correction, "ja", personEmail, details)
	b := h.SignedIn(h.AddUser("handler@example.jp", account.Handler))

	for _, p := range []string{"/admin/requests", "/admin/requests/" + req.ID} {
		resp := b.Get(p)
		if resp.Status != http.StatusOK {
			t.Fatalf("GET %s: status %d", p, resp.Status)
		}
		mustContain(t, p, resp.Body, req.Reference, dsr.Correction.Label("en", dsr.PublicBody), "Confirmed", "Not recorded")
		for _, secret := range []string{personEmail, details, "090-5555-0199"} {
			if strings.Contains(resp.Body, secret) {
				t.Errorf("GET %s shows %q", p, secret)
			}
		}
		if strings.Contains(resp.Body, "Overdue") {
			t.Errorf("GET %s marks a request overdue before its deadline", p)
		}
	}
	if n := len(h.Entries("request.read")); n != 0 {
		t.Errorf("listing made %d request.read entries, want none", n)
	}

	filters := []struct {
		query string
		shown bool
	}{
		{"status=verified", true},
		{"status=done", false},
		{"kind=correction", true},
		{"kind=deletion", false},
		{"overdue=1", false},
	}
	for _, f := range filters {
		resp := b.Get("/admin/requests?" + f.query)
		if got := strings.Contains(resp.Body, req.Reference); resp.Status != http.StatusOK || got != f.shown {
			t.Errorf("?%s: status %d, shows the request %v, want %v", f.query, resp.Status, got, f.shown)
		}
	}
	for _, bad := range []string{"status=nonsense", "kind=nonsense"} {
		if resp := b.Get("/admin/requests?" + bad); resp.Status != http.StatusBadRequest {
			t.Errorf("?%s: status %d, want 400", bad, resp.Status)
		}
	}

	// The prefecture's 30 days end with the 30th day after the request's,
	// in Tokyo.
	h.Clock.Advance(32 * 24 * time.Hour)
	// The session has ended by then.
	b = h.SignedIn(h.AddUser("handler2@example.jp", account.Handler))
	resp := b.Get("/admin/requests?overdue=1")
	if !strings.Contains(resp.Body, req.Reference) || !strings.Contains(resp.Body, "<strong>Overdue</strong>") {
		t.Errorf("past its deadline the request is not listed as overdue in words:\n%s", resp.Body)
	}
}

// TestRequestReveal checks that revealing shows the address and details
// and is audited as request.read on the request, with neither in the entry.
func TestRequestReveal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		const details = "Please correct my name to 山田 花子"
		req := h.addRequest(dsr.Correction, "en", personEmail, details)
		owner := h.AddUser("owner@example.jp", account.Owner)
		resp := h.SignedIn(owner).Post("/admin/requests/"+req.ID+"/reveal", nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("reveal: status %d\n%s", resp.Status, resp.Body)
		}
		mustContain(t, "the revealed page", resp.Body, personEmail, "山田 花子", "<dt>Name</dt><dd>"+requesterName+"</dd>",
			"<dt>Address or residence</dt><dd>"+requesterAddress+"</dd>", `<pre class="answer">`+requestTarget+"</pre>",
			"<dt>What is asked for, and why</dt>")
		entries := h.Entries("request.read")
		if len(entries) != 1 {
			t.Fatalf("%d request.read entries, want 1", len(entries))
		}
		e := entries[0]
		if e.Object != "request:"+req.ID || e.Actor != owner.Email || e.Role != string(account.Owner) {
			t.Errorf("entry %+v: want owner reading request:%s", e, req.ID)
		}
		noPersonalData(t, "the request.read entry", e, personEmail, "山田", requesterAddress, requestTarget)
	})
}

// TestRequestDelete answers a request for suspension of use by erasure:
// without the confirmation, or before the requester's identity is
// recorded, nothing happens; then every record found about the person is
// shredded, nobody else's, the count is shown and audited, and the request
// is done.
func TestRequestDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHarness(t, db)
		mine := []string{
			h.seal("consultation-form", personEmail, `{"name":"山田 花子"}`),
			h.seal("event-form", "Hanako.Yamada@example.jp", "plain text"),
		}
		other := h.seal("event-form", "ichiro@example.jp", `{"name":"Ichiro"}`)
		req := h.addRequest(dsr.Cessation, "ja", personEmail, cessationReason)
		if req.Matches != 2 {
			t.Fatalf("the request found %d records, want 2", req.Matches)
		}
		disclosure := h.addRequest(dsr.Disclosure, "en", personEmail, "")
		b := h.SignedIn(h.AddUser("handler@example.jp", account.Handler))
		path := "/admin/requests/" + req.ID + "/delete"

		if resp := b.Post(path, nil); resp.Status != http.StatusUnprocessableEntity {
			t.Errorf("delete without confirmation: status %d, want 422", resp.Status)
		}
		if resp := b.Post("/admin/requests/"+disclosure.ID+"/delete", url.Values{"confirm": {"yes"}}); resp.Status != http.StatusConflict {
			t.Errorf("delete for a disclosure request: status %d, want 409", resp.Status)
		}
		resp := b.Post(path, url.Values{"confirm": {"yes"}})
		if resp.Status != http.StatusConflict || !strings.Contains(resp.Body, "cannot be marked done until the identity check is recorded") {
			t.Errorf("delete before the identity check: status %d, want 409 saying why", resp.Status)
		}
		for _, id := range mine {
			if _, err := h.vault.Open(ctx, id); err != nil {
				t.Fatalf("a refused delete touched record %s: %v", id, err)
			}
		}
		h.identify(req.ID)

		resp = b.Post(path, url.Values{"confirm": {"yes"}})
		if resp.Status != http.StatusOK {
			t.Fatalf("delete: status %d\n%s", resp.Status, resp.Body)
		}
		mustContain(t, "the result", resp.Body, "2 records shredded")
		for _, id := range mine {
			if _, err := h.vault.Open(ctx, id); !errors.Is(err, vault.ErrShredded) {
				t.Errorf("record %s after the delete: %v, want ErrShredded", id, err)
			}
		}
		if _, err := h.vault.Open(ctx, other); err != nil {
			t.Errorf("someone else's record after the delete: %v", err)
		}
		entries := h.Entries("request.delete")
		if len(entries) != 1 || entries[0].Object != "request:"+req.ID || entries[0].Detail["shredded"] != "2" {
			t.Errorf("request.delete entries %+v, want one with shredded=2", entries)
		}
		if got, err := h.requests.Get(ctx, req.ID); err != nil || got.Status != dsr.Done {
			t.Errorf("after the delete the request is %+v, %v; want done", got, err)
		}
		if resp := b.Post(path, url.Values{"confirm": {"yes"}}); resp.Status != http.StatusConflict {
			t.Errorf("a second delete: status %d, want 409", resp.Status)
		}
	})
}

// TestRequestDisclose answers a disclosure request by e-mail: the person
// gets, in the request's language, every field of their records and the
// JSON; the audit entry holds neither, and the request is done.
func TestRequestDisclose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHarness(t, db, mailOn)
		smtp := h.requestMail
		values := consultation()
		h.addSubmission("consultation-form", values)
		req := h.addRequest(dsr.Disclosure, "ja", personEmail, "")
		b := h.SignedIn(h.AddUser("owner@example.jp", account.Owner))
		before := len(smtp.Messages())

		page := b.Get("/admin/requests/" + req.ID)
		if strings.Contains(page.Body, "export.json") {
			t.Error("with mail on, the page offers the download")
		}
		if resp := b.Post("/admin/requests/"+req.ID+"/disclose", nil); resp.Status != http.StatusConflict {
			t.Errorf("disclose before the identity check: status %d, want 409", resp.Status)
		}
		if n := len(smtp.Messages()) - before; n != 0 {
			t.Fatalf("%d mails sent before the identity check", n)
		}
		h.identify(req.ID)
		resp := b.Post("/admin/requests/"+req.ID+"/disclose", nil)
		if resp.Status != http.StatusSeeOther {
			t.Fatalf("disclose: status %d\n%s", resp.Status, resp.Body)
		}
		msg := smtp.Wait(t, before+1, 10*time.Second)[before]
		if len(msg.To) != 1 || msg.To[0] != personEmail {
			t.Errorf("mail to %v, want %s", msg.To, personEmail)
		}
		mustContain(t, "the subject", msg.Subject, "保有個人情報の開示", req.Reference)
		mustContain(t, "the mail", msg.Text, "記録 1", values["name"], values["phone"], values["message"],
			`"reference": "`+req.Reference+`"`, `"records": [`, `"form": "consultation-form"`)
		start := strings.Index(msg.Text, "{\n")
		end := strings.LastIndex(msg.Text, "\n}")
		var export dsr.Export
		if start < 0 || end < start || json.Unmarshal([]byte(msg.Text[start:end+2]), &export) != nil || len(export.Records) != 1 {
			t.Errorf("the mail holds no JSON export of one record:\n%s", msg.Text)
		}

		entries := h.Entries("request.disclose")
		if len(entries) != 1 || entries[0].Object != "request:"+req.ID || entries[0].Detail["records"] != "1" {
			t.Fatalf("request.disclose entries %+v, want one for 1 record", entries)
		}
		noPersonalData(t, "the request.disclose entry", entries[0], personEmail, values["name"], values["phone"], values["message"])
		if got, err := h.requests.Get(ctx, req.ID); err != nil || got.Status != dsr.Done {
			t.Errorf("after disclosing the request is %+v, %v; want done", got, err)
		}
		if resp := b.Post("/admin/requests/"+req.ID+"/disclose", nil); resp.Status != http.StatusConflict {
			t.Errorf("a second disclosure: status %d, want 409", resp.Status)
		}
		if n := len(smtp.Messages()) - before; n != 1 {
			t.Errorf("%d mails sent, want 1", n)
		}
	})
}

// TestRequestExport checks that without mail the page offers the
// disclosure as a JSON download, which needs a stated purpose and is
// audited with it, and refuses to send it; with mail the download is off.
func TestRequestExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		values := consultation()
		h.addSubmission("consultation-form", values)
		req := h.addRequest(dsr.Disclosure, "en", personEmail, "")
		b := h.SignedIn(h.AddUser("handler@example.jp", account.Handler))
		base := "/admin/requests/" + req.ID

		mustContain(t, "the request's page", b.Get(base).Body, `action="`+base+`/export.json"`, `name="purpose"`, "No mail server is configured")
		if resp := b.Post(base+"/disclose", nil); resp.Status != http.StatusConflict {
			t.Errorf("disclose without mail: status %d, want 409", resp.Status)
		}
		for _, purpose := range []string{"", "curiosity", "inquiry-response"} {
			resp := b.Post(base+"/export.json", url.Values{"purpose": {purpose}})
			if resp.Status != http.StatusUnprocessableEntity || strings.Contains(resp.Body, values["message"]) {
				t.Errorf("export with purpose %q: status %d, want 422 and nothing of the records", purpose, resp.Status)
			}
		}
		if n := len(h.Entries("request.export")); n != 0 {
			t.Fatalf("refused exports made %d request.export entries", n)
		}
		resp := b.Post(base+"/export.json", url.Values{"purpose": {"disclosure-review"}})
		if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: status %d, %s, %s", resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
		var export dsr.Export
		if err := json.Unmarshal([]byte(resp.Body), &export); err != nil || len(export.Records) != 1 || export.Reference != req.Reference {
			t.Fatalf("export %s: %v", resp.Body, err)
		}
		mustContain(t, "the export", resp.Body, values["message"])
		entries := h.Entries("request.export")
		if len(entries) != 1 || entries[0].Object != "request:"+req.ID || entries[0].Detail["records"] != "1" || entries[0].Purpose != "disclosure-review" {
			t.Errorf("request.export entries %+v, want one for 1 record with the purpose", entries)
		}
		noPersonalData(t, "the request.export entry", entries[0], personEmail, values["message"])
		if resp := b.Get(base + "/export.json"); resp.Status == http.StatusOK {
			t.Errorf("GET export: status %d; a reading needs a posted purpose", resp.Status)
		}

		mailed := newHarness(t, db, mailOn)
		owner := mailed.SignedIn(mailed.AddUser("owner-mail@example.jp", account.Owner))
		page := owner.Get(base)
		if page.Status != http.StatusOK || strings.Contains(page.Body, "export.json") {
			t.Errorf("with mail on, the page (status %d) offers the download", page.Status)
		}
		resp = owner.Post(base+"/export.json", url.Values{"purpose": {"disclosure-answer"}})
		if resp.Status != http.StatusConflict || strings.Contains(resp.Body, values["message"]) {
			t.Errorf("export with mail on: status %d, want 409 and nothing of the records", resp.Status)
		}
		if n := len(h.Entries("request.export")); n != 1 {
			t.Errorf("%d request.export entries after the refusal, want 1", n)
		}
	})
}

// TestRequestExportScope checks that a download of a disclosure holds
// only what the caller may read: a handler gets it only when every record
// found is of a form assigned to them, and is refused, on record, when the
// person also wrote to a form they do not handle. Owners get every record.
func TestRequestExportScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHarness(t, db)
		values := consultation()
		h.addSubmission("consultation-form", values)
		const other = "Seat for the seminar on 12 March, wheelchair access"
		h.seal("event-form", personEmail, `{"note":"`+other+`"}`)
		req := h.addRequest(dsr.Disclosure, "en", personEmail, "")
		path := "/admin/requests/" + req.ID + "/export.json"
		form := url.Values{"purpose": {"disclosure-answer"}}

		consultationOnly := h.AddUser("handler@example.jp", account.Handler)
		both, err := h.Accounts.Create(ctx, account.Profile{Email: "both@example.jp", Role: account.Handler,
			Forms: []string{"consultation-form", "event-form"}}, admintest.Password, h.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		owner := h.AddUser("owner@example.jp", account.Owner)

		resp := h.SignedIn(consultationOnly).Post(path, maps.Clone(form))
		if resp.Status != http.StatusForbidden {
			t.Errorf("handler of one form: status %d, want 403", resp.Status)
		}
		for _, secret := range []string{values["message"], other, personEmail} {
			if strings.Contains(resp.Body, secret) {
				t.Errorf("the refusal shows %q", secret)
			}
		}
		denied := h.Entries("access.denied")
		if len(denied) != 1 || denied[0].Actor != consultationOnly.Email || denied[0].Detail["forms"] != "event-form" || denied[0].Purpose != "disclosure-answer" {
			t.Errorf("access.denied entries %+v, want one naming event-form", denied)
		}
		if n := len(h.Entries("request.export")); n != 0 {
			t.Errorf("a refused export made %d request.export entries", n)
		}

		for _, u := range []account.User{both, owner} {
			resp := h.SignedIn(u).Post(path, maps.Clone(form))
			if resp.Status != http.StatusOK {
				t.Errorf("%s: status %d, want 200", u.Email, resp.Status)
				continue
			}
			mustContain(t, u.Email+"'s export", resp.Body, values["message"], other)
		}
		if n := len(h.Entries("request.export")); n != 2 {
			t.Errorf("%d request.export entries, want 2", n)
		}
	})
}

// TestRequestsNotConfigured checks the pages without a request handler.
func TestRequestsNotConfigured(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t), func(o *requests.Options) { o.Requests = nil })
	b := h.SignedIn(h.AddUser("owner@example.jp", account.Owner))
	resp := b.Get("/admin/requests")
	if resp.Status != http.StatusOK {
		t.Fatalf("list: status %d", resp.Status)
	}
	mustContain(t, "the list", resp.Body, "not configured")
	if resp := b.Get("/admin/requests/abc"); resp.Status != http.StatusNotFound {
		t.Errorf("a request: status %d, want 404", resp.Status)
	}
}

// TestRequestPagesAreAccessible checks the request pages in both languages,
// with mail on and off: the list, a filtered list, each kind of request's
// page, a revealed request, a delete's result and a refused delete.
func TestRequestPagesAreAccessible(t *testing.T) {
	for _, mailer := range []bool{true, false} {
		var h *harness
		if mailer {
			h = newHarness(t, storetest.SQLite(t), mailOn)
		} else {
			h = newHarness(t, storetest.SQLite(t))
		}
		owner := h.AddUser("owner@example.jp", account.Owner)
		h.addSubmission("consultation-form", consultation())
		disclosure := h.addRequest(dsr.Disclosure, "en", personEmail, "")
		// Another address: the deletions below shred every record about
		// personEmail, the other requests' own records among them.
		correction := h.addRequest(dsr.Correction, "ja", "taro@example.jp", "Line one\nLine two")
		for _, lang := range []string{"en", "ja"} {
			if err := h.Accounts.SetLang(t.Context(), owner.ID, lang); err != nil {
				t.Fatal(err)
			}
			b := h.SignedIn(owner)
			cessation := h.addRequest(dsr.Cessation, "en", personEmail, cessationReason)
			c := "/admin/requests/" + cessation.ID
			pages := map[string]admintest.Response{
				"list":          b.Get("/admin/requests"),
				"filtered list": b.Get("/admin/requests?status=verified&kind=cessation&overdue=1"),
				"disclosure":    b.Get("/admin/requests/" + disclosure.ID),
				"cessation":     b.Get(c),
				"revealed":      b.Post("/admin/requests/"+correction.ID+"/reveal", nil),
				"no identity":   b.Post(c+"/delete", url.Values{"confirm": {"yes"}}),
				"bad identity":  b.Post(c+"/identity", url.Values{"means": {"other"}}),
				"bad extension": b.Post(c+"/extend", url.Values{"days": {"31"}, "reason": {"busy"}}),
			}
			for _, post := range []struct {
				path string
				form url.Values
			}{
				{c + "/identity", url.Values{"means": {"post"}, "note": {"copy of the card"}}},
				{c + "/extend", url.Values{"days": {"30"}, "reason": {"Many records to check"}}},
			} {
				if resp := b.Post(post.path, post.form); resp.Status != http.StatusSeeOther {
					t.Fatalf("POST %s: status %d\n%s", post.path, resp.Status, resp.Body)
				}
			}
			pages["identified and extended"] = b.Get(c)
			pages["unconfirmed"] = b.Post(c+"/delete", nil)
			pages["deleted"] = b.Post(c+"/delete", url.Values{"confirm": {"yes"}})
			pages["closed request"] = b.Get(c)
			for name, resp := range pages {
				if resp.Status != http.StatusOK && resp.Status != http.StatusUnprocessableEntity && resp.Status != http.StatusConflict {
					t.Errorf("%s %s (mail %v): status %d", lang, name, mailer, resp.Status)
					continue
				}
				for _, problem := range admintest.PageProblems(resp.Body, lang) {
					t.Errorf("%s %s (mail %v): %s", lang, name, mailer, problem)
				}
			}
		}
	}
}

// noPersonalData fails if the audit entry, as stored, holds any of secrets.
func noPersonalData(t *testing.T, what string, e any, secrets ...string) {
	t.Helper()
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(string(data), s) {
			t.Errorf("%s holds %q: %s", what, s, data)
		}
	}
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(s, want) {
			t.Errorf("%s lacks %q", what, want)
		}
	}
}

// identify records, as staff would after checking the requester's
// documents, that the identity of request id was verified at the counter.
func (h *harness) identify(id string) {
	h.T.Helper()
	if err := h.requests.RecordIdentity(context.Background(), id, dsr.AtCounter, "", "counter@example.jp"); err != nil {
		h.T.Fatal(err)
	}
}

// seal stores a record about subject in the vault, as a form does, and
// returns its id.
func (h *harness) seal(form, subject, data string) string {
	h.T.Helper()
	id, err := h.vault.Seal(context.Background(), vault.Item{
		Kind: "contact", Form: form, Subject: subject, Expires: time.Now().AddDate(1, 0, 0), Data: []byte(data),
	})
	if err != nil {
		h.T.Fatal(err)
	}
	return id
}

// addSubmission stores the answers to form in the vault as the contact
// form does, about the address they give.
func (h *harness) addSubmission(form string, values map[string]string) {
	h.T.Helper()
	data, err := json.Marshal(values)
	if err != nil {
		h.T.Fatal(err)
	}
	h.seal(form, values["email"], string(data))
}

// consultation returns the answers of a consultation-form submission.
func consultation() map[string]string {
	return map[string]string{
		"name":          "山田 花子",
		"email":         personEmail,
		"phone":         "03-1234-5678",
		"message":       "Secret question about my child 4821",
		"accommodation": "",
	}
}

var requestLink = regexp.MustCompile(`https://[^\s]+/privacy/requests/verify\?t=[A-Za-z0-9_.-]+`)

// What the person gives besides their address and details, as a public
// body's form asks; a business's form ignores it.
const (
	requesterName    = "山田 花子"
	requesterAddress = "県庁前1-1-1"
	requestTarget    = "相談窓口に送信した相談の記録"
	// cessationReason is the 趣旨及び理由 a public body's cessation needs.
	cessationReason = "消去を求めます。利用する必要がなくなったためです。"
)

// addRequest makes a data-subject request as the person does: it sends
// the public form, follows the link from the e-mail and confirms. It
// returns the request, verified.
func (h *harness) addRequest(kind dsr.Kind, lang, email, details string) dsr.Request {
	h.T.Helper()
	ctx := context.Background()
	before, err := h.requests.List(ctx, dsr.Filter{})
	if err != nil {
		h.T.Fatal(err)
	}
	h.settle()
	sent := len(h.requestMail.Messages())
	client := h.Server.Client()
	form := url.Values{"kind": {string(kind)}, "email": {email}, "confirm": {"yes"}, "details": {details},
		"name": {requesterName}, "address": {requesterAddress}, "target": {requestTarget}}
	resp, err := client.PostForm(h.Server.URL+dsr.Path(lang), form)
	if err != nil {
		h.T.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.T.Fatalf("request form: status %d", resp.StatusCode)
	}
	msgs := h.requestMail.Wait(h.T, sent+1, 10*time.Second)
	link := requestLink.FindString(msgs[len(msgs)-1].Text)
	u, err := url.Parse(link)
	if link == "" || err != nil {
		h.T.Fatalf("no link in the message:\n%s", msgs[len(msgs)-1].Text)
	}
	resp, err = client.PostForm(h.Server.URL+u.Path, url.Values{"t": {u.Query().Get("t")}})
	if err != nil {
		h.T.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.T.Fatalf("confirm the request: status %d", resp.StatusCode)
	}
	// The receipt follows the link before anything else is sent.
	h.requestMail.Wait(h.T, sent+2, 10*time.Second)
	after, err := h.requests.List(ctx, dsr.Filter{})
	if err != nil {
		h.T.Fatal(err)
	}
	known := map[string]bool{}
	for _, r := range before {
		known[r.ID] = true
	}
	for _, r := range after {
		if !known[r.ID] {
			if r.Status != dsr.Verified {
				h.T.Fatalf("after confirming, the request is %s", r.Status)
			}
			return r
		}
	}
	h.T.Fatalf("no new request among %+v", after)
	return dsr.Request{}
}

// TestConsoleChecks runs the console's own checks over a console with the
// section: every route admits exactly the roles its permission names, on
// record when it refuses, and every page passes the accessibility checks.
func TestConsoleChecks(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	req := h.addRequest(dsr.Disclosure, "en", personEmail, "")
	targets := admintest.Targets{"/admin/requests/{id}": req.ID}
	admintest.CheckAccess(t, h.Harness, targets)
	admintest.CheckPages(t, h.Harness, targets)
}

// TestRequestIdentityAndExtension follows a public body's request through
// the console: the identity check is recorded with its means, who and when,
// and audited; the deadline is extended once, by at most 30 days, with the
// requester mailed the new date and the reason, and audited; only then may
// the request be decided.
func TestRequestIdentityAndExtension(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		req := h.addRequest(dsr.Correction, "ja", personEmail, "電話番号の誤り")
		handler := h.AddUser("handler@example.jp", account.Handler)
		b := h.SignedIn(handler)
		base := "/admin/requests/" + req.ID

		page := b.Get(base).Body
		mustContain(t, "the request's page", page, `action="`+base+`/identity"`, `<option value="online">Online (public individual authentication)</option>`,
			`action="`+base+`/extend"`, `max="30"`, "cannot be marked done until the identity check is recorded", "Article 77(2)")
		if resp := b.Post(base+"/status", url.Values{"status": {"done"}}); resp.Status != http.StatusConflict {
			t.Errorf("done before the identity check: status %d, want 409", resp.Status)
		}
		for _, bad := range []url.Values{{"means": {""}}, {"means": {"fax"}}, {"means": {"other"}}} {
			if resp := b.Post(base+"/identity", bad); resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("identity %v: status %d, want 422", bad, resp.Status)
			}
		}
		if resp := b.Post(base+"/identity", url.Values{"means": {"online"}}); resp.Status != http.StatusSeeOther {
			t.Fatalf("identity: status %d", resp.Status)
		}
		entries := h.Entries("request.identity")
		if len(entries) != 1 || entries[0].Object != "request:"+req.ID || entries[0].Detail["means"] != "online" || entries[0].Actor != handler.Email {
			t.Errorf("request.identity entries %+v, want one with the means", entries)
		}
		if resp := b.Post(base+"/identity", url.Values{"means": {"counter"}}); resp.Status != http.StatusConflict {
			t.Errorf("a second identity record: status %d, want 409", resp.Status)
		}

		for _, bad := range []url.Values{{"days": {"31"}, "reason": {"busy"}}, {"days": {"0"}, "reason": {"busy"}}, {"days": {"10"}}} {
			if resp := b.Post(base+"/extend", bad); resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("extend %v: status %d, want 422", bad, resp.Status)
			}
		}
		sent := len(h.requestMail.Messages())
		if resp := b.Post(base+"/extend", url.Values{"days": {"15"}, "reason": {"保存文書の確認に時間を要するため"}}); resp.Status != http.StatusSeeOther {
			t.Fatalf("extend: status %d", resp.Status)
		}
		got, err := h.requests.Get(t.Context(), req.ID)
		if err != nil {
			t.Fatal(err)
		}
		was := req.Deadline.In(tokyo)
		if want := time.Date(was.Year(), was.Month(), was.Day()+15, 23, 59, 59, 0, tokyo); !got.Deadline.Equal(want) {
			t.Errorf("extended to %s, want %s", got.Deadline.In(tokyo), want)
		}
		notice := h.requestMail.Wait(t, sent+1, 10*time.Second)[sent]
		if len(notice.To) != 1 || notice.To[0] != personEmail {
			t.Errorf("the notice went to %v", notice.To)
		}
		mustContain(t, "the notice", notice.Text, "訂正請求", "第94条第2項", "保存文書の確認に時間を要するため",
			was.Format("2006年1月2日"), got.Deadline.In(tokyo).Format("2006年1月2日"), req.Reference)
		entries = h.Entries("request.extend")
		if len(entries) != 1 || entries[0].Detail["days"] != "15" || entries[0].Detail["notice"] != "mail" ||
			entries[0].Detail["from"] != was.Format(time.DateOnly) || entries[0].Detail["to"] != got.Deadline.In(tokyo).Format(time.DateOnly) {
			t.Errorf("request.extend entries %+v, want one with the days, both dates and the notice", entries)
		}
		noPersonalData(t, "the request.extend entry", entries[0], personEmail)
		page = b.Get(base).Body
		mustContain(t, "the request's page", page, "Online (public individual authentication)", handler.Email,
			"Deadline extended", "保存文書の確認に時間を要するため")
		if strings.Contains(page, `action="`+base+`/extend"`) || strings.Contains(page, `action="`+base+`/identity"`) {
			t.Error("the page still offers an extension or an identity record")
		}
		if resp := b.Post(base+"/extend", url.Values{"days": {"5"}, "reason": {"again"}}); resp.Status != http.StatusConflict {
			t.Errorf("a second extension: status %d, want 409", resp.Status)
		}
		if resp := b.Post(base+"/status", url.Values{"status": {"done"}}); resp.Status != http.StatusSeeOther {
			t.Errorf("done after the identity check: status %d, want 303", resp.Status)
		}
		list := b.Get("/admin/requests").Body
		mustContain(t, "the list", list, "<td>Online (public individual authentication)</td>")
	})
}

// TestBusinessRequests checks the console of a business: its filter
// offers the five kinds of chapter 4, a request has no extension, and it
// may be closed without an identity record, which is recommended only.
func TestBusinessRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := startHarness(t, db, businessManifest)
		req := h.addRequest(dsr.ProvisionRecord, "en", personEmail, "")
		b := h.SignedIn(h.AddUser("owner@example.jp", account.Owner))
		list := b.Get("/admin/requests").Body
		for _, k := range dsr.Kinds {
			mustContain(t, "the filter", list, `<option value="`+string(k)+`">`+k.Label("en", dsr.Business)+`</option>`)
		}
		base := "/admin/requests/" + req.ID
		page := b.Get(base).Body
		mustContain(t, "the request's page", page, "Disclosure of the record of provision to third parties", `action="`+base+`/identity"`,
			"a request can be marked done without it")
		if strings.Contains(page, "/extend") {
			t.Error("a business's request offers an extension")
		}
		if resp := b.Post(base+"/extend", url.Values{"days": {"5"}, "reason": {"busy"}}); resp.Status != http.StatusConflict {
			t.Errorf("extend: status %d, want 409", resp.Status)
		}
		if resp := b.Post(base+"/status", url.Values{"status": {"done"}}); resp.Status != http.StatusSeeOther {
			t.Errorf("done without an identity record: status %d, want 303", resp.Status)
		}
	})
}

package admin

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
)

// personEmail is the address of the person whose requests the tests make;
// consultation() gives the same address.
const personEmail = "hanako.yamada@example.jp"

// TestRequestsAccess calls every request route as each role: owners and
// handlers are served, the others refused with 403, an access.denied
// entry, and nothing of the request.
func TestRequestsAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, mailOn := withMail(t)
		h := newHarness(t, db, mailOn)
		h.addSubmission("consultation-form", consultation())
		users := []struct {
			user    account.User
			allowed bool
		}{
			{h.addUser("owner@example.jp", account.Owner), true},
			{h.addUser("handler@example.jp", account.Handler), true},
			{h.addUser("contractor@example.jp", account.Contractor), false},
			{h.addUser("analyst@example.jp", account.Analyst), false},
			{h.addUser("auditor@example.jp", account.Auditor), false},
		}
		for _, u := range users {
			// Fresh requests for each account: answering one closes it.
			disclosure := h.addRequest(dsr.Disclosure, "en", personEmail, "")
			deletion := h.addRequest(dsr.Deletion, "en", personEmail, "")
			d, x := "/admin/requests/"+disclosure.ID, "/admin/requests/"+deletion.ID
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
				{"POST", d + "/disclose", nil, http.StatusSeeOther},
				{"POST", x + "/status", url.Values{"status": {"in_progress"}}, http.StatusSeeOther},
				{"POST", x + "/delete", url.Values{"confirm": {"yes"}}, http.StatusOK},
			}
			for _, rt := range routes {
				denied := len(h.entries("access.denied"))
				b := h.signedIn(u.user)
				var resp response
				if rt.method == "GET" {
					resp = b.get(rt.path)
				} else {
					resp = b.post(rt.path, maps.Clone(rt.form))
				}
				want := rt.want
				if !u.allowed {
					want = http.StatusForbidden
				}
				if resp.status != want {
					t.Errorf("%s %s as %s: status %d, want %d", rt.method, rt.path, u.user.Role, resp.status, want)
				}
				if got := len(h.entries("access.denied")) - denied; !u.allowed && got != 1 {
					t.Errorf("%s %s as %s: %d access.denied entries, want 1", rt.method, rt.path, u.user.Role, got)
				}
				if !u.allowed && (strings.Contains(resp.body, disclosure.Reference) || strings.Contains(resp.body, personEmail)) {
					t.Errorf("%s %s as %s: the refusal shows the request", rt.method, rt.path, u.user.Role)
				}
			}
			nav := h.signedIn(u.user).get("/admin/account").body
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
	b := h.signedIn(h.addUser("handler@example.jp", account.Handler))

	for _, p := range []string{"/admin/requests", "/admin/requests/" + req.ID} {
		resp := b.get(p)
		if resp.status != http.StatusOK {
			t.Fatalf("GET %s: status %d", p, resp.status)
		}
		mustContain(t, p, resp.body, req.Reference, dsr.Correction.Label("en"), "Confirmed")
		for _, secret := range []string{personEmail, details, "090-5555-0199"} {
			if strings.Contains(resp.body, secret) {
				t.Errorf("GET %s shows %q", p, secret)
			}
		}
		if strings.Contains(resp.body, "Overdue") {
			t.Errorf("GET %s marks a request overdue before its deadline", p)
		}
	}
	if n := len(h.entries("request.read")); n != 0 {
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
		resp := b.get("/admin/requests?" + f.query)
		if got := strings.Contains(resp.body, req.Reference); resp.status != http.StatusOK || got != f.shown {
			t.Errorf("?%s: status %d, shows the request %v, want %v", f.query, resp.status, got, f.shown)
		}
	}
	for _, bad := range []string{"status=nonsense", "kind=nonsense"} {
		if resp := b.get("/admin/requests?" + bad); resp.status != http.StatusBadRequest {
			t.Errorf("?%s: status %d, want 400", bad, resp.status)
		}
	}

	h.clock.advance(dsr.DefaultDeadline + time.Hour)
	// The session has ended by then.
	b = h.signedIn(h.addUser("handler2@example.jp", account.Handler))
	resp := b.get("/admin/requests?overdue=1")
	if !strings.Contains(resp.body, req.Reference) || !strings.Contains(resp.body, "<strong>Overdue</strong>") {
		t.Errorf("past its deadline the request is not listed as overdue in words:\n%s", resp.body)
	}
}

// TestRequestReveal checks that revealing shows the address and details
// and is audited as request.read on the request, with neither in the entry.
func TestRequestReveal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		const details = "Please correct my name to 山田 花子"
		req := h.addRequest(dsr.Correction, "en", personEmail, details)
		owner := h.addUser("owner@example.jp", account.Owner)
		resp := h.signedIn(owner).post("/admin/requests/"+req.ID+"/reveal", nil)
		if resp.status != http.StatusOK {
			t.Fatalf("reveal: status %d\n%s", resp.status, resp.body)
		}
		mustContain(t, "the revealed page", resp.body, personEmail, "山田 花子")
		entries := h.entries("request.read")
		if len(entries) != 1 {
			t.Fatalf("%d request.read entries, want 1", len(entries))
		}
		e := entries[0]
		if e.Object != "request:"+req.ID || e.Actor != owner.Email || e.Role != string(account.Owner) {
			t.Errorf("entry %+v: want owner reading request:%s", e, req.ID)
		}
		noPersonalData(t, "the request.read entry", e, personEmail, "山田")
	})
}

// TestRequestDelete answers a deletion request: without the confirmation
// nothing happens; with it every record found about the person is
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
		req := h.addRequest(dsr.Deletion, "ja", personEmail, "")
		if req.Matches != 2 {
			t.Fatalf("the request found %d records, want 2", req.Matches)
		}
		disclosure := h.addRequest(dsr.Disclosure, "en", personEmail, "")
		b := h.signedIn(h.addUser("handler@example.jp", account.Handler))
		path := "/admin/requests/" + req.ID + "/delete"

		if resp := b.post(path, nil); resp.status != http.StatusUnprocessableEntity {
			t.Errorf("delete without confirmation: status %d, want 422", resp.status)
		}
		if resp := b.post("/admin/requests/"+disclosure.ID+"/delete", url.Values{"confirm": {"yes"}}); resp.status != http.StatusConflict {
			t.Errorf("delete for a disclosure request: status %d, want 409", resp.status)
		}
		for _, id := range mine {
			if _, err := h.vault.Open(ctx, id); err != nil {
				t.Fatalf("a refused delete touched record %s: %v", id, err)
			}
		}

		resp := b.post(path, url.Values{"confirm": {"yes"}})
		if resp.status != http.StatusOK {
			t.Fatalf("delete: status %d\n%s", resp.status, resp.body)
		}
		mustContain(t, "the result", resp.body, "2 records shredded")
		for _, id := range mine {
			if _, err := h.vault.Open(ctx, id); !errors.Is(err, vault.ErrShredded) {
				t.Errorf("record %s after the delete: %v, want ErrShredded", id, err)
			}
		}
		if _, err := h.vault.Open(ctx, other); err != nil {
			t.Errorf("someone else's record after the delete: %v", err)
		}
		entries := h.entries("request.delete")
		if len(entries) != 1 || entries[0].Object != "request:"+req.ID || entries[0].Detail["shredded"] != "2" {
			t.Errorf("request.delete entries %+v, want one with shredded=2", entries)
		}
		if got, err := h.requests.Get(ctx, req.ID); err != nil || got.Status != dsr.Done {
			t.Errorf("after the delete the request is %+v, %v; want done", got, err)
		}
		if resp := b.post(path, url.Values{"confirm": {"yes"}}); resp.status != http.StatusConflict {
			t.Errorf("a second delete: status %d, want 409", resp.status)
		}
	})
}

// TestRequestDisclose answers a disclosure request by e-mail: the person
// gets, in the request's language, every field of their records and the
// JSON; the audit entry holds neither, and the request is done.
func TestRequestDisclose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		smtp, mailOn := withMail(t)
		h := newHarness(t, db, mailOn)
		values := consultation()
		h.addSubmission("consultation-form", values)
		req := h.addRequest(dsr.Disclosure, "ja", personEmail, "")
		b := h.signedIn(h.addUser("owner@example.jp", account.Owner))

		page := b.get("/admin/requests/" + req.ID)
		if strings.Contains(page.body, "export.json") {
			t.Error("with mail on, the page offers the download")
		}
		resp := b.post("/admin/requests/"+req.ID+"/disclose", nil)
		if resp.status != http.StatusSeeOther {
			t.Fatalf("disclose: status %d\n%s", resp.status, resp.body)
		}
		msg := smtp.Wait(t, 1, 10*time.Second)[0]
		if len(msg.To) != 1 || msg.To[0] != personEmail {
			t.Errorf("mail to %v, want %s", msg.To, personEmail)
		}
		mustContain(t, "the subject", msg.Subject, "保有個人データの開示", req.Reference)
		mustContain(t, "the mail", msg.Text, "記録 1", values["name"], values["phone"], values["message"],
			`"reference": "`+req.Reference+`"`, `"records": [`, `"form": "consultation-form"`)
		start := strings.Index(msg.Text, "{\n")
		end := strings.LastIndex(msg.Text, "\n}")
		var export dsr.Export
		if start < 0 || end < start || json.Unmarshal([]byte(msg.Text[start:end+2]), &export) != nil || len(export.Records) != 1 {
			t.Errorf("the mail holds no JSON export of one record:\n%s", msg.Text)
		}

		entries := h.entries("request.disclose")
		if len(entries) != 1 || entries[0].Object != "request:"+req.ID || entries[0].Detail["records"] != "1" {
			t.Fatalf("request.disclose entries %+v, want one for 1 record", entries)
		}
		noPersonalData(t, "the request.disclose entry", entries[0], personEmail, values["name"], values["phone"], values["message"])
		if got, err := h.requests.Get(ctx, req.ID); err != nil || got.Status != dsr.Done {
			t.Errorf("after disclosing the request is %+v, %v; want done", got, err)
		}
		if resp := b.post("/admin/requests/"+req.ID+"/disclose", nil); resp.status != http.StatusConflict {
			t.Errorf("a second disclosure: status %d, want 409", resp.status)
		}
		if n := len(smtp.Messages()); n != 1 {
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
		b := h.signedIn(h.addUser("handler@example.jp", account.Handler))
		base := "/admin/requests/" + req.ID

		mustContain(t, "the request's page", b.get(base).body, `action="`+base+`/export.json"`, `name="purpose"`, "No mail server is configured")
		if resp := b.post(base+"/disclose", nil); resp.status != http.StatusConflict {
			t.Errorf("disclose without mail: status %d, want 409", resp.status)
		}
		for _, purpose := range []string{"", "curiosity", "inquiry-response"} {
			resp := b.post(base+"/export.json", url.Values{"purpose": {purpose}})
			if resp.status != http.StatusUnprocessableEntity || strings.Contains(resp.body, values["message"]) {
				t.Errorf("export with purpose %q: status %d, want 422 and nothing of the records", purpose, resp.status)
			}
		}
		if n := len(h.entries("request.export")); n != 0 {
			t.Fatalf("refused exports made %d request.export entries", n)
		}
		resp := b.post(base+"/export.json", url.Values{"purpose": {"disclosure-review"}})
		if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), "application/json") ||
			!strings.HasPrefix(resp.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: status %d, %s, %s", resp.status, resp.header.Get("Content-Type"), resp.header.Get("Content-Disposition"))
		}
		var export dsr.Export
		if err := json.Unmarshal([]byte(resp.body), &export); err != nil || len(export.Records) != 1 || export.Reference != req.Reference {
			t.Fatalf("export %s: %v", resp.body, err)
		}
		mustContain(t, "the export", resp.body, values["message"])
		entries := h.entries("request.export")
		if len(entries) != 1 || entries[0].Object != "request:"+req.ID || entries[0].Detail["records"] != "1" || entries[0].Purpose != "disclosure-review" {
			t.Errorf("request.export entries %+v, want one for 1 record with the purpose", entries)
		}
		noPersonalData(t, "the request.export entry", entries[0], personEmail, values["message"])
		if resp := b.get(base + "/export.json"); resp.status == http.StatusOK {
			t.Errorf("GET export: status %d; a reading needs a posted purpose", resp.status)
		}

		_, mailOn := withMail(t)
		mailed := newHarness(t, db, mailOn)
		owner := mailed.signedIn(mailed.addUser("owner-mail@example.jp", account.Owner))
		page := owner.get(base)
		if page.status != http.StatusOK || strings.Contains(page.body, "export.json") {
			t.Errorf("with mail on, the page (status %d) offers the download", page.status)
		}
		resp = owner.post(base+"/export.json", url.Values{"purpose": {"disclosure-answer"}})
		if resp.status != http.StatusConflict || strings.Contains(resp.body, values["message"]) {
			t.Errorf("export with mail on: status %d, want 409 and nothing of the records", resp.status)
		}
		if n := len(h.entries("request.export")); n != 1 {
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

		consultationOnly := h.addUser("handler@example.jp", account.Handler)
		both, err := h.accounts.Create(ctx, account.Profile{Email: "both@example.jp", Role: account.Handler,
			Forms: []string{"consultation-form", "event-form"}}, testPassword, h.clock.now())
		if err != nil {
			t.Fatal(err)
		}
		owner := h.addUser("owner@example.jp", account.Owner)

		resp := h.signedIn(consultationOnly).post(path, maps.Clone(form))
		if resp.status != http.StatusForbidden {
			t.Errorf("handler of one form: status %d, want 403", resp.status)
		}
		for _, secret := range []string{values["message"], other, personEmail} {
			if strings.Contains(resp.body, secret) {
				t.Errorf("the refusal shows %q", secret)
			}
		}
		denied := h.entries("access.denied")
		if len(denied) != 1 || denied[0].Actor != consultationOnly.Email || denied[0].Detail["forms"] != "event-form" || denied[0].Purpose != "disclosure-answer" {
			t.Errorf("access.denied entries %+v, want one naming event-form", denied)
		}
		if n := len(h.entries("request.export")); n != 0 {
			t.Errorf("a refused export made %d request.export entries", n)
		}

		for _, u := range []account.User{both, owner} {
			resp := h.signedIn(u).post(path, maps.Clone(form))
			if resp.status != http.StatusOK {
				t.Errorf("%s: status %d, want 200", u.Email, resp.status)
				continue
			}
			mustContain(t, u.Email+"'s export", resp.body, values["message"], other)
		}
		if n := len(h.entries("request.export")); n != 2 {
			t.Errorf("%d request.export entries, want 2", n)
		}
	})
}

// TestRequestsNotConfigured checks the pages without a request handler.
func TestRequestsNotConfigured(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t), func(o *Options) { o.Requests = nil })
	b := h.signedIn(h.addUser("owner@example.jp", account.Owner))
	resp := b.get("/admin/requests")
	if resp.status != http.StatusOK {
		t.Fatalf("list: status %d", resp.status)
	}
	mustContain(t, "the list", resp.body, "not configured")
	if resp := b.get("/admin/requests/abc"); resp.status != http.StatusNotFound {
		t.Errorf("a request: status %d, want 404", resp.status)
	}
}

// TestRequestPagesAreAccessible checks the request pages in both languages,
// with mail on and off: the list, a filtered list, each kind of request's
// page, a revealed request, a delete's result and a refused delete.
func TestRequestPagesAreAccessible(t *testing.T) {
	_, mailOn := withMail(t)
	for _, mailer := range []bool{true, false} {
		var h *harness
		if mailer {
			h = newHarness(t, storetest.SQLite(t), mailOn)
		} else {
			h = newHarness(t, storetest.SQLite(t))
		}
		owner := h.addUser("owner@example.jp", account.Owner)
		h.addSubmission("consultation-form", consultation())
		disclosure := h.addRequest(dsr.Disclosure, "en", personEmail, "")
		// Another address: the deletions below shred every record about
		// personEmail, the other requests' own records among them.
		correction := h.addRequest(dsr.Correction, "ja", "taro@example.jp", "Line one\nLine two")
		for _, lang := range []string{"en", "ja"} {
			if err := h.accounts.SetLang(t.Context(), owner.ID, lang); err != nil {
				t.Fatal(err)
			}
			b := h.signedIn(owner)
			deletion := h.addRequest(dsr.Deletion, "en", personEmail, "")
			pages := map[string]response{
				"list":           b.get("/admin/requests"),
				"filtered list":  b.get("/admin/requests?status=verified&kind=deletion&overdue=1"),
				"disclosure":     b.get("/admin/requests/" + disclosure.ID),
				"deletion":       b.get("/admin/requests/" + deletion.ID),
				"revealed":       b.post("/admin/requests/"+correction.ID+"/reveal", nil),
				"unconfirmed":    b.post("/admin/requests/"+deletion.ID+"/delete", nil),
				"deleted":        b.post("/admin/requests/"+deletion.ID+"/delete", url.Values{"confirm": {"yes"}}),
				"closed request": b.get("/admin/requests/" + deletion.ID),
			}
			for name, resp := range pages {
				if resp.status != http.StatusOK && resp.status != http.StatusUnprocessableEntity {
					t.Errorf("%s %s (mail %v): status %d", lang, name, mailer, resp.status)
					continue
				}
				for _, problem := range accessibilityProblems(resp.body, lang) {
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

// seal stores a record about subject in the vault, as a form does, and
// returns its id.
func (h *harness) seal(form, subject, data string) string {
	h.t.Helper()
	id, err := h.vault.Seal(context.Background(), vault.Item{
		Kind: "contact", Form: form, Subject: subject, Expires: time.Now().AddDate(1, 0, 0), Data: []byte(data),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}

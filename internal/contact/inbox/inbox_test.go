package inbox

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/contact"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestInboxAccess calls every inbox route on a consultation-form
// submission as each kind of account: those who may handle the form are
// served, the others refused with 403 and an access.denied entry.
func TestInboxAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, sender := startMail(t)
		h := newHarness(t, db, sender)
		sub := h.addSubmission("consultation-form", consultation())
		users := []struct {
			name    string
			user    account.User
			allowed bool
		}{
			{"owner", h.AddUser("owner@example.jp", account.Owner), true},
			{"handler assigned", h.addScoped("handler@example.jp", account.Handler, "consultation-form"), true},
			{"handler not assigned", h.addScoped("handler2@example.jp", account.Handler, "event-form"), false},
			{"contractor assigned", h.addScoped("contractor@example.jp", account.Contractor, "consultation-form"), true},
			{"contractor of another form", h.addScoped("contractor2@example.jp", account.Contractor, "event-form"), false},
			{"analyst", h.AddUser("analyst@example.jp", account.Analyst), false},
			{"auditor", h.AddUser("auditor@example.jp", account.Auditor), false},
		}
		base := "/admin/inbox/" + sub.ID
		routes := []struct {
			method, path string
			form         url.Values
			want         int
		}{
			{"GET", "/admin/inbox?form=consultation-form", nil, http.StatusOK},
			{"GET", base, nil, http.StatusOK},
			{"POST", base + "/open", url.Values{"purpose": {"consultation"}}, http.StatusOK},
			{"POST", base + "/status", url.Values{"status": {"open"}}, http.StatusSeeOther},
			{"POST", base + "/assign", url.Values{"account": {"0"}}, http.StatusSeeOther},
			{"POST", base + "/note", url.Values{"note": {"Called back."}}, http.StatusSeeOther},
			{"POST", base + "/reply", url.Values{"purpose": {"consultation"}, "subject": {"Re: your question"}, "text": {"Thank you."}}, http.StatusSeeOther},
		}
		for _, u := range users {
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
					t.Errorf("%s %s as %s: status %d, want %d", rt.method, rt.path, u.name, resp.Status, want)
				}
				if got := len(h.Entries("access.denied")) - denied; !u.allowed && got != 1 {
					t.Errorf("%s %s as %s: %d access.denied entries, want 1", rt.method, rt.path, u.name, got)
				}
				if !u.allowed && strings.Contains(resp.Body, sub.Reference) {
					t.Errorf("%s %s as %s: the refusal shows the reference", rt.method, rt.path, u.name)
				}
			}
		}
	})
}

// TestInboxListScope checks that the list shows only the forms the account
// handles.
func TestInboxListScope(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t), nil)
	mine := h.addSubmission("consultation-form", consultation())
	other := h.addSubmission("event-form", map[string]string{"name": "Ichiro", "email": "ichiro@example.jp"})
	tests := []struct {
		user       account.User
		want, hide []string
	}{
		{h.AddUser("owner@example.jp", account.Owner), []string{mine.Reference, other.Reference}, nil},
		{h.addScoped("handler@example.jp", account.Handler, "consultation-form"), []string{mine.Reference}, []string{other.Reference}},
		{h.addScoped("contractor@example.jp", account.Contractor, "event-form"), []string{other.Reference}, []string{mine.Reference}},
	}
	for _, tt := range tests {
		body := h.SignedIn(tt.user).Get("/admin/inbox").Body
		for _, ref := range tt.want {
			if !strings.Contains(body, ref) {
				t.Errorf("%s: the inbox lacks %s", tt.user.Email, ref)
			}
		}
		for _, ref := range tt.hide {
			if strings.Contains(body, ref) {
				t.Errorf("%s: the inbox shows %s of a form not assigned", tt.user.Email, ref)
			}
		}
	}
	owner := tests[0].user
	if body := h.SignedIn(owner).Get("/admin/inbox?form=event-form").Body; strings.Contains(body, mine.Reference) || !strings.Contains(body, other.Reference) {
		t.Error("the form filter does not filter")
	}
	if body := h.SignedIn(owner).Get("/admin/inbox?status=closed").Body; strings.Contains(body, mine.Reference) {
		t.Error("the status filter does not filter")
	}
	if got := h.SignedIn(owner).Get("/admin/inbox?status=lost").Status; got != http.StatusBadRequest {
		t.Errorf("unknown status: %d, want 400", got)
	}
}

// TestInboxOpenNeedsPurpose checks that what the person wrote is shown only
// on the open page, only with a declared purpose, and that each reading is
// in the audit trail with its purpose.
func TestInboxOpenNeedsPurpose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, nil)
		values := consultation()
		sub := h.addSubmission("consultation-form", values)
		handler := h.addScoped("handler@example.jp", account.Handler, "consultation-form")
		b := h.SignedIn(handler)
		secrets := []string{values["name"], values["email"], values["phone"], values["message"]}
		noSecrets := func(what, body string) {
			t.Helper()
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("%s shows %q", what, s)
				}
			}
		}

		noSecrets("the list", b.Get("/admin/inbox").Body)
		page := b.Get("/admin/inbox/" + sub.ID)
		noSecrets("the submission page", page.Body)
		if !strings.Contains(page.Body, `name="purpose"`) || !strings.Contains(page.Body, `value="consultation"`) {
			t.Error("the submission page offers no purpose to choose")
		}

		for _, purpose := range []string{"", "marketing", "accommodation-typo"} {
			resp := b.Post("/admin/inbox/"+sub.ID+"/open", url.Values{"purpose": {purpose}})
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("open with purpose %q: status %d, want 422", purpose, resp.Status)
			}
			noSecrets("open with purpose "+purpose, resp.Body)
		}
		if n := len(h.Entries("submission.read")); n != 0 {
			t.Errorf("%d submission.read entries without a purpose", n)
		}

		resp := b.Post("/admin/inbox/"+sub.ID+"/open", url.Values{"purpose": {"accommodation"}})
		if resp.Status != http.StatusOK {
			t.Fatalf("open: status %d\n%s", resp.Status, resp.Body)
		}
		for _, s := range secrets {
			if !strings.Contains(resp.Body, s) {
				t.Errorf("the open page lacks %q", s)
			}
		}
		reads := h.Entries("submission.read")
		if len(reads) != 1 {
			t.Fatalf("%d submission.read entries, want 1", len(reads))
		}
		e := reads[0]
		if e.Purpose != "accommodation" || e.Object != "form:consultation-form/"+sub.Reference || e.Actor != handler.Email || e.Outcome != audit.OK {
			t.Errorf("entry %+v", e)
		}
		noSecrets("the audit entry", fmt.Sprintf("%+v", e))
		noSecrets("the list after opening", b.Get("/admin/inbox").Body)
	})
}

// TestInboxStatusAssignNote changes a submission the ways the console
// offers and checks the audit trail, which never holds a note's text.
func TestInboxStatusAssignNote(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHarness(t, db, nil)
		sub := h.addSubmission("consultation-form", consultation())
		handler := h.addScoped("handler@example.jp", account.Handler, "consultation-form")
		stranger := h.addScoped("stranger@example.jp", account.Handler, "event-form")
		b := h.SignedIn(h.AddUser("owner@example.jp", account.Owner))
		base := "/admin/inbox/" + sub.ID

		tests := []struct {
			path string
			form url.Values
			want int
		}{
			{"/status", url.Values{"status": {"closed"}}, http.StatusSeeOther},
			{"/status", url.Values{"status": {"lost"}}, http.StatusUnprocessableEntity},
			{"/assign", url.Values{"account": {strconv.FormatInt(handler.ID, 10)}}, http.StatusSeeOther},
			{"/assign", url.Values{"account": {strconv.FormatInt(stranger.ID, 10)}}, http.StatusUnprocessableEntity},
			{"/assign", url.Values{"account": {"x"}}, http.StatusUnprocessableEntity},
			{"/note", url.Values{"note": {"Called back; will write Q7XZWV."}}, http.StatusSeeOther},
			{"/note", url.Values{"note": {"  "}}, http.StatusUnprocessableEntity},
		}
		for _, tt := range tests {
			if got := b.Post(base+tt.path, tt.form).Status; got != tt.want {
				t.Errorf("POST %s %v: status %d, want %d", tt.path, tt.form, got, tt.want)
			}
		}
		got, err := h.inbox.Get(ctx, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != contact.StatusClosed || got.AssignedTo != handler.ID {
			t.Errorf("after the changes: %+v", got)
		}
		if page := b.Get(base).Body; !strings.Contains(page, handler.Email) || strings.Contains(page, "Q7XZWV") {
			t.Error("the submission page does not show the assignee, or shows a note unopened")
		}
		for _, action := range []string{"submission.status", "submission.assign", "submission.note"} {
			list := h.Entries(action)
			if len(list) != 1 || list[0].Object != "form:consultation-form/"+sub.Reference {
				t.Errorf("%s entries: %+v", action, list)
				continue
			}
			if strings.Contains(fmt.Sprintf("%+v", list[0]), "Q7XZWV") {
				t.Errorf("%s entry holds the note's text", action)
			}
		}
		if d := h.Entries("submission.assign"); len(d) == 1 && d[0].Detail["to"] != admin.UserObject(handler.ID) {
			t.Errorf("assign detail %v", d[0].Detail)
		}
		open := b.Post(base+"/open", url.Values{"purpose": {"consultation"}})
		if !strings.Contains(open.Body, "Called back; will write Q7XZWV.") {
			t.Error("the open page lacks the note")
		}
	})
}

// TestInboxReply sends a reply through a mail server on loopback.
func TestInboxReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, sender := startMail(t)
		h := newHarness(t, db, sender)
		values := consultation()
		sub := h.addSubmission("consultation-form", values)
		b := h.SignedIn(h.addScoped("contractor@example.jp", account.Contractor, "consultation-form"))
		open := b.Post("/admin/inbox/"+sub.ID+"/open", url.Values{"purpose": {"consultation"}})
		if !strings.Contains(open.Body, `action="/admin/inbox/`+sub.ID+`/reply"`) {
			t.Fatal("the open page offers no reply form")
		}
		const body = "Thank you for your question.\nWe will call you on Monday 5573."
		resp := b.Post("/admin/inbox/"+sub.ID+"/reply", url.Values{
			"purpose": {"consultation"}, "subject": {"ご相談について"}, "text": {body}, "csrf": {admintest.Field(open.Body, "csrf")}})
		if resp.Status != http.StatusSeeOther {
			t.Fatalf("reply: status %d\n%s", resp.Status, resp.Body)
		}
		msgs := srv.Wait(t, 1, 10*time.Second)
		if len(msgs) != 1 {
			t.Fatalf("%d messages delivered", len(msgs))
		}
		m := msgs[0]
		if len(m.To) != 1 || m.To[0] != values["email"] || m.Subject != "ご相談について" || strings.TrimRight(m.Text, "\n") != body {
			t.Errorf("message to %v, subject %q, text %q", m.To, m.Subject, m.Text)
		}
		replies := h.Entries("submission.reply")
		if len(replies) != 1 {
			t.Fatalf("%d submission.reply entries", len(replies))
		}
		e := fmt.Sprintf("%+v", replies[0])
		for _, secret := range []string{values["email"], "5573", "Thank you", "ご相談について"} {
			if strings.Contains(e, secret) {
				t.Errorf("the reply's audit entry holds %q: %s", secret, e)
			}
		}
		if replies[0].Purpose != "consultation" || replies[0].Outcome != audit.OK {
			t.Errorf("entry %s", e)
		}
		if got, _ := h.inbox.Get(context.Background(), sub.ID); got.Status != contact.StatusAnswered {
			t.Errorf("status after the reply: %s, want answered", got.Status)
		}
		bad := b.Post("/admin/inbox/"+sub.ID+"/reply", url.Values{"purpose": {"consultation"}, "subject": {"a\nb"}, "text": {"x"}})
		if bad.Status != http.StatusUnprocessableEntity {
			t.Errorf("two-line subject: status %d, want 422", bad.Status)
		}
	})
}

// TestInboxReplyOff checks that without a mailer the page says replying is
// off and a reply is refused.
func TestInboxReplyOff(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t), nil)
	sub := h.addSubmission("consultation-form", consultation())
	b := h.SignedIn(h.AddUser("owner@example.jp", account.Owner))
	open := b.Post("/admin/inbox/"+sub.ID+"/open", url.Values{"purpose": {"consultation"}})
	if !strings.Contains(open.Body, i18n.T(i18n.English, "inbox.mail_off")) || strings.Contains(open.Body, "/reply") {
		t.Error("the open page does not say that replying is off")
	}
	resp := b.Post("/admin/inbox/"+sub.ID+"/reply", url.Values{"purpose": {"consultation"}, "subject": {"s"}, "text": {"t"}})
	if resp.Status != http.StatusConflict {
		t.Errorf("reply without a mailer: status %d, want 409", resp.Status)
	}
	if n := len(h.Entries("submission.reply")); n != 0 {
		t.Errorf("%d submission.reply entries without a mailer", n)
	}
}

// TestInboxShredded checks that a submission whose content is shredded
// shows as deleted.
func TestInboxShredded(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t), nil)
	ctx := context.Background()
	sub := h.addSubmission("consultation-form", consultation())
	var vaultID string
	if err := h.DB.QueryRowContext(ctx, `SELECT vault_id FROM contact_submissions WHERE id = $1`, sub.ID).Scan(&vaultID); err != nil {
		t.Fatal(err)
	}
	if err := h.vault.Shred(ctx, vaultID); err != nil {
		t.Fatal(err)
	}
	b := h.SignedIn(h.AddUser("owner@example.jp", account.Owner))
	deleted := i18n.T(i18n.English, "inbox.deleted")
	for what, resp := range map[string]admintest.Response{
		"list":  b.Get("/admin/inbox"),
		"page":  b.Get("/admin/inbox/" + sub.ID),
		"open":  b.Post("/admin/inbox/"+sub.ID+"/open", url.Values{"purpose": {"consultation"}}),
		"notes": b.Post("/admin/inbox/"+sub.ID+"/note", url.Values{"note": {"late"}}),
	} {
		if resp.Status >= 500 {
			t.Errorf("%s: status %d", what, resp.Status)
		}
		if what != "list" && !strings.Contains(resp.Body, deleted) {
			t.Errorf("%s does not say the content is deleted", what)
		}
	}
}

func TestOptionLabel(t *testing.T) {
	f := manifest.Field{ID: "topic", Type: "select", Options: []manifest.Option{
		{Value: "programme", Label: manifest.Text{"ja": "支援事業について", "en": "Our programmes"}},
	}}
	for _, tt := range []struct{ value, lang, want string }{
		{"programme", "ja", "支援事業について (programme)"},
		{"programme", "en", "Our programmes (programme)"},
		{"gone", "en", "gone"},
		{"", "en", ""},
	} {
		if got := optionLabel(f, tt.value, tt.lang); got != tt.want {
			t.Errorf("optionLabel(%q, %s) = %q, want %q", tt.value, tt.lang, got, tt.want)
		}
	}
}

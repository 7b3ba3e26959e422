package queue_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/mail/mailtest"
	"github.com/noren-web/noren/internal/mail/outbox"
	"github.com/noren-web/noren/internal/mail/queue"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// consoleManifest is the console's test manifest, shared with the
// console's own tests.
const consoleManifest = "../../admin/testdata/manifest.yaml"

const recipient = "hanako.secret@example.jp"

// serve starts a console with the section over an outbox holding one
// message sent, one pending and one dead letter, and returns the dead
// letter's id.
func serve(t *testing.T, db *store.DB) (*admintest.Harness, *outbox.Outbox, string) {
	t.Helper()
	var box *outbox.Outbox
	h := admintest.New(t, db, admintest.Setup{
		Manifest: consoleManifest,
		Sections: func(h *admintest.Harness) []admin.Capability {
			var err error
			if box, err = outbox.New(outbox.Options{DB: db, Keys: h.Keys, Now: h.Clock.Now}); err != nil {
				t.Fatal(err)
			}
			return []admin.Capability{queue.New(queue.Options{Outbox: box})}
		},
	})
	ctx := context.Background()
	msg := mail.Message{To: []string{recipient}, Subject: "確認のお願い", Text: "https://example.jp/verify?t=secret-token\n"}
	var dead string
	err := db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		dead, err = box.Enqueue(ctx, tx, msg)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	refusing := mailtest.Start(t, mailtest.FailAt(mailtest.RcptTo, "550 5.1.1 User unknown"))
	s, err := mail.NewSender(refusing.Config())
	if err != nil {
		t.Fatal(err)
	}
	w, err := box.NewWorker(outbox.WorkerOptions{Mailer: s})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	err = db.Tx(ctx, func(tx *store.Tx) error {
		_, err := box.Enqueue(ctx, tx, msg)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h, box, dead
}

func TestAccess(t *testing.T) {
	h, _, dead := serve(t, storetest.SQLite(t))
	admintest.CheckAccess(t, h, admintest.Targets{"/admin/mail/{id}": dead})
	admintest.CheckPages(t, h, nil)
}

// TestPage checks that the page lists the waiting message and the dead
// letter with its error, and never a recipient or a text; and that only
// the owner is offered the buttons.
func TestPage(t *testing.T) {
	h, _, dead := serve(t, storetest.SQLite(t))
	owner := h.AddUser("owner@example.jp", account.Owner)
	if err := h.Accounts.SetLang(t.Context(), owner.ID, "en"); err != nil {
		t.Fatal(err)
	}
	page := h.SignedIn(owner).Get(queue.PagePath)
	if page.Status != http.StatusOK {
		t.Fatalf("status %d", page.Status)
	}
	for _, want := range []string{dead, "reply 550", "/admin/mail/" + dead + "/retry", "Undeliverable messages", "Waiting to be sent"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, secret := range []string{"hanako", "secret-token", "確認のお願い"} {
		if strings.Contains(page.Body, secret) {
			t.Errorf("the page shows %q of a message", secret)
		}
	}
	auditor := h.AddUser("auditor@example.jp", account.Auditor)
	if page := h.SignedIn(auditor).Get(queue.PagePath); page.Status != http.StatusOK || strings.Contains(page.Body, "/retry") {
		t.Errorf("the auditor's page: status %d, buttons %v; want 200 without buttons", page.Status, strings.Contains(page.Body, "/retry"))
	}
}

// TestRetryAndDiscard checks the owner's actions on dead letters, in the
// audit trail with the message's id and nothing of its content.
func TestRetryAndDiscard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h, box, dead := serve(t, db)
		b := h.SignedIn(h.AddUser("owner@example.jp", account.Owner))
		if resp := b.Post("/admin/mail/"+dead+"/retry", nil); resp.Status != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "mail_retried") {
			t.Fatalf("retry: status %d, %s", resp.Status, resp.Header.Get("Location"))
		}
		counts, err := box.Counts(t.Context())
		if err != nil || counts[outbox.Pending] != 2 || counts[outbox.Dead] != 0 {
			t.Errorf("after the retry: %v, %v; want 2 pending", counts, err)
		}
		if resp := b.Post("/admin/mail/"+dead+"/discard", nil); resp.Status != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "mail_not_dead") {
			t.Errorf("discard of a pending message: status %d, %s; want the not-dead notice", resp.Status, resp.Header.Get("Location"))
		}
		entries := h.Entries("mail.retry")
		if len(entries) != 1 || entries[0].Object != "mail:"+dead {
			t.Fatalf("mail.retry entries %+v; want one for the message", entries)
		}
		if strings.Contains(entries[0].Object+strings.Join(mapValues(entries[0].Detail), ""), "hanako") {
			t.Error("the audit entry names the recipient")
		}
	})
}

// TestDiscard discards a dead letter: its content is deleted.
func TestDiscard(t *testing.T) {
	db := storetest.SQLite(t)
	h, box, dead := serve(t, db)
	b := h.SignedIn(h.AddUser("owner@example.jp", account.Owner))
	if resp := b.Post("/admin/mail/"+dead+"/discard", nil); resp.Status != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "mail_discarded") {
		t.Fatalf("discard: status %d, %s", resp.Status, resp.Header.Get("Location"))
	}
	var content []byte
	if err := db.QueryRowContext(t.Context(), "SELECT content FROM mail_outbox WHERE id = $1", dead).Scan(&content); err != nil || content != nil {
		t.Errorf("the discarded message keeps %d bytes of content (%v)", len(content), err)
	}
	if counts, _ := box.Counts(t.Context()); counts[outbox.Discarded] != 1 {
		t.Errorf("counts %v; want 1 discarded", counts)
	}
	if n := len(h.Entries("mail.discard")); n != 1 {
		t.Errorf("%d mail.discard entries; want 1", n)
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

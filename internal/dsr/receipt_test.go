package dsr_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/mail/mailtest"
	"github.com/noren-web/noren/internal/mail/outbox"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestReceipt confirms a request through its link and reads the receipt
// mailed after it: in the request's language, with the reference, the
// kind as the form names it and the deadline of the operator's regime in
// the site's calendar, and nothing the person wrote besides the address.
func TestReceipt(t *testing.T) {
	// Every request is confirmed at 18:30 on 29 November 2036 in Tokyo: the
	// deadline is 30 days later for a public body, 14 for a business.
	tests := []struct {
		name     string
		business bool
		lang     string
		kind     dsr.Kind
		wants    []string
		lacks    []string
	}{{
		name: "public body in Japanese",
		lang: "ja",
		kind: dsr.Correction,
		wants: []string{"受け付けました", "請求の種類：訂正請求", "決定の期限：", "本人確認に代わるものではありません",
			"期限を延長する場合は"},
		lacks: []string{"回答の期限"},
	}, {
		name:  "public body in English",
		lang:  "en",
		kind:  dsr.Disclosure,
		wants: []string{"has received your request", "Decision due by: 29 December 2036 (JST)", "does not stand in for this"},
		lacks: []string{"We answer by"},
	}, {
		name:     "business in Japanese",
		business: true,
		lang:     "ja",
		kind:     dsr.Deletion,
		wants:    []string{"受け付けました", "回答の期限：", "お客様相談室", "privacy@hamakaze.example", "045-000-0000"},
		lacks:    []string{"決定の期限", "本人確認"},
	}, {
		name:     "business in English",
		business: true,
		lang:     "en",
		kind:     dsr.ProvisionRecord,
		wants:    []string{"We answer by: 13 December 2036 (JST)", "Customer Relations Office"},
		lacks:    []string{"Decision due by", "identity"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				var edit []func(*dsr.Options)
				if tt.business {
					edit = append(edit, business(t))
				}
				hs := newHarness(t, db, edit...)
				m := hs.manifest()
				regime := dsr.RegimeOf(m)
				req := hs.verified(tt.lang, tt.kind, "receipt@example.jp", "訂正を求めます。氏名の表記が誤っています。")
				msgs := hs.smtp.Wait(t, 2, 10*time.Second)
				if len(msgs) != 2 {
					t.Fatalf("%d messages, want the link and the receipt", len(msgs))
				}
				msg := msgs[1]
				if len(msg.To) != 1 || msg.To[0] != "receipt@example.jp" {
					t.Errorf("receipt to %v, want the address confirmed", msg.To)
				}
				mustContain(t, "the receipt's subject", msg.Subject, req.Reference, m.Site.Name.In(tt.lang))
				deadline := req.Deadline.In(tokyo)
				wantDue := time.Date(2036, 12, 29, 23, 59, 59, 0, tokyo)
				if tt.business {
					wantDue = time.Date(2036, 12, 13, 23, 59, 59, 0, tokyo)
				}
				if !deadline.Equal(wantDue) {
					t.Errorf("deadline %s, want %s", deadline, wantDue)
				}
				wants := append([]string{req.Reference, tt.kind.Label(tt.lang, regime), m.Operator.Name.In(tt.lang),
					m.Operator.Section.In(tt.lang)}, tt.wants...)
				if regime == dsr.PublicBody {
					wants = append(wants, m.Requests.Identity.In(tt.lang))
				}
				mustContain(t, "the receipt", msg.Text, wants...)
				// What the person typed stays in the vault.
				for _, lack := range append([]string{requesterName, requesterAddress, requestTarget, "氏名の表記"}, tt.lacks...) {
					if strings.Contains(msg.Text, lack) || strings.Contains(msg.Subject, lack) {
						t.Errorf("the receipt holds %q:\n%s", lack, msg.Text)
					}
				}
			})
		})
	}
}

// TestReceiptJapaneseDeadline checks that a Japanese receipt writes the
// deadline as the confirmation page does.
func TestReceiptJapaneseDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		hs := newHarness(t, db)
		hs.submit("ja", dsr.Disclosure, "kaori@example.jp", "")
		_, link := hs.link(1)
		page := hs.confirm(link)
		if page.status != http.StatusOK {
			t.Fatalf("confirm: %d", page.status)
		}
		_, due, ok := strings.Cut(page.body, `<time datetime="2036-12-29">`)
		if !ok {
			t.Fatalf("no deadline of 29 December on the page:\n%s", page.body)
		}
		due, _, _ = strings.Cut(due, "</time>")
		msg := hs.smtp.Wait(t, 2, 10*time.Second)[1]
		mustContain(t, "the receipt", msg.Text, "決定の期限："+due)
	})
}

// TestMailOutage submits and confirms requests while the mail server is
// down: both are accepted, their mail waits in the outbox, and each
// message is sent once when the server is back.
func TestMailOutage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		hs.submit("en", dsr.Disclosure, "busy@example.jp", "")
		_, link := hs.link(1)
		waitBacklog(t, hs, 0)

		// The server goes away before the confirmation.
		addr := hs.smtp.Addr()
		hs.smtp.Close()
		done := hs.confirm(link)
		if done.status != http.StatusOK {
			t.Fatalf("confirm with the mail server down: %d\n%s", done.status, done.body)
		}
		req := hs.only()
		mustContain(t, "the confirmation page", done.body, "Your request has been received", req.Reference)
		if req.Status != dsr.Verified || req.Deadline.IsZero() {
			t.Errorf("request %+v: want verified with a deadline", req)
		}
		hs.submit("ja", dsr.Disclosure, "later@example.jp", "")
		waitBacklog(t, hs, 2)

		back := mailtest.Start(t, mailtest.At(addr))
		hs.router.clock.Advance(time.Minute)
		msgs := back.Wait(t, 2, 10*time.Second)
		hs.router.clock.Advance(time.Hour)
		waitBacklog(t, hs, 0)
		if n := len(back.Messages()); n != 2 {
			t.Fatalf("%d messages after the server came back; want the receipt and the link once each", n)
		}
		subjects := msgs[0].Subject + "\n" + msgs[1].Subject
		mustContain(t, "the subjects", subjects, req.Reference)
		if pending, _, err := hs.box.Backlog(ctx); err != nil || pending != 0 {
			t.Errorf("Backlog = %d, %v; want 0", pending, err)
		}
	})
}

// waitBacklog waits until the outbox holds want pending messages whose
// attempts have all been made at least once or none are left.
func waitBacklog(t *testing.T, hs *harness, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pending, err := hs.box.List(context.Background(), outbox.Pending, 100)
		if err != nil {
			t.Fatal(err)
		}
		tried := 0
		for _, e := range pending {
			if e.Attempts > 0 && e.LeasedUntil.IsZero() {
				tried++
			}
		}
		if len(pending) == want && tried == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox holds %+v; want %d pending messages, each tried", pending, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

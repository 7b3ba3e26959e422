package dsr_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/mail"
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

// failingMailer sends the first message through next and fails every
// other: the link goes out, the receipt does not.
type failingMailer struct {
	next dsr.Mailer
	mu   sync.Mutex
	sent int
}

func (f *failingMailer) Send(ctx context.Context, m mail.Message) error {
	f.mu.Lock()
	f.sent++
	n := f.sent
	f.mu.Unlock()
	if n > 1 {
		return errors.New("451 mailbox busy")
	}
	return f.next.Send(ctx, m)
}

// TestReceiptFailure keeps a request confirmed when its receipt cannot be
// sent: the page says it was received, the request is verified with its
// deadline, and the failure is logged with the reference.
func TestReceiptFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var logs syncBuffer
		hs := newHarness(t, db, func(o *dsr.Options) {
			o.Mailer = &failingMailer{next: o.Mailer}
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		})
		hs.submit("en", dsr.Disclosure, "busy@example.jp", "")
		_, link := hs.link(1)
		done := hs.confirm(link)
		if done.status != http.StatusOK {
			t.Fatalf("confirm: %d\n%s", done.status, done.body)
		}
		req := hs.only()
		mustContain(t, "the confirmation page", done.body, "Your request has been received", req.Reference)
		if req.Status != dsr.Verified || req.Deadline.IsZero() {
			t.Errorf("request %+v: want verified with a deadline", req)
		}
		mustContain(t, "the log", logs.String(), "receipt not sent", req.Reference, "451 mailbox busy")
		if n := len(hs.smtp.Messages()); n != 1 {
			t.Errorf("%d messages delivered, want only the link", n)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for the handler's and the test's
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

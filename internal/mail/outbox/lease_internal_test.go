package outbox

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/clocktest"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/mail/mailtest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestExpiredLease plays a worker that leases a message and dies: nobody
// else sends it while the lease holds, and another worker does once it
// has run out.
func TestExpiredLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := clocktest.New(time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC))
		o, err := New(Options{DB: db, Now: clock.Now, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error {
			_, err := o.Enqueue(ctx, tx, mail.Message{To: []string{"hanako@example.jp"}, Subject: "確認", Text: "本文"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		srv := mailtest.Start(t)
		s, err := mail.NewSender(srv.Config())
		if err != nil {
			t.Fatal(err)
		}
		crashed, _ := o.NewWorker(WorkerOptions{Mailer: s, Owner: "crashed", Batch: 1, SendTimeout: time.Minute})
		if got, err := crashed.lease(ctx); len(got) != 1 || err != nil {
			t.Fatalf("lease = %d messages, %v; want 1", len(got), err)
		}
		other, _ := o.NewWorker(WorkerOptions{Mailer: s, Owner: "other"})
		if sent, err := other.SendDue(ctx); sent != 0 || err != nil {
			t.Fatalf("SendDue during another's lease = %d, %v; want 0", sent, err)
		}
		clock.Advance(2*time.Minute + time.Second)
		if sent, err := other.SendDue(ctx); sent != 1 || err != nil {
			t.Fatalf("SendDue after the lease ran out = %d, %v; want 1", sent, err)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("the server received %d messages; want 1", n)
		}
	})
}

func TestJitter(t *testing.T) {
	for range 1000 {
		if d := jitter(time.Minute); d < 30*time.Second || d > time.Minute {
			t.Fatalf("jitter(1m) = %v; want 30s to 1m", d)
		}
	}
}

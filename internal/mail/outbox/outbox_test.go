package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/clocktest"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/mail/mailtest"
	"github.com/noren-web/noren/internal/mail/outbox"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
)

var start = time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)

func message(i int) mail.Message {
	return mail.Message{To: []string{fmt.Sprintf("hanako%d@example.jp", i)}, Subject: fmt.Sprintf("確認 %d", i),
		Text: "次のリンクを開いてください。\nhttps://example.jp/ja/privacy/requests/verify?t=abc\n"}
}

func newOutbox(t *testing.T, db *store.DB, clock *clocktest.Clock) *outbox.Outbox {
	t.Helper()
	keys, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	o, err := outbox.New(outbox.Options{DB: db, Keys: keys, Now: clock.Now, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

func enqueue(t *testing.T, db *store.DB, o *outbox.Outbox, msgs ...mail.Message) []string {
	t.Helper()
	var ids []string
	err := db.Tx(context.Background(), func(tx *store.Tx) error {
		for _, m := range msgs {
			id, err := o.Enqueue(context.Background(), tx, m)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func sender(t *testing.T, cfg mail.Config) *mail.Sender {
	t.Helper()
	cfg.From = "noren@example.jp"
	cfg.Timeout = 5 * time.Second
	s, err := mail.NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func worker(t *testing.T, o *outbox.Outbox, m outbox.Mailer, opt outbox.WorkerOptions) *outbox.Worker {
	t.Helper()
	opt.Mailer = m
	w, err := o.NewWorker(opt)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func entry(t *testing.T, o *outbox.Outbox, state, id string) outbox.Entry {
	t.Helper()
	list, err := o.List(context.Background(), state, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("message %s is not %s; %s holds %+v", id, state, state, list)
	return outbox.Entry{}
}

func TestRollbackLeavesNoMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o := newOutbox(t, db, clocktest.New(start))
		errAnnounced := errors.New("the announcing write failed")
		err := db.Tx(context.Background(), func(tx *store.Tx) error {
			if _, err := o.Enqueue(context.Background(), tx, message(1)); err != nil {
				return err
			}
			return errAnnounced
		})
		if !errors.Is(err, errAnnounced) {
			t.Fatal(err)
		}
		if n, due, err := o.Backlog(context.Background()); err != nil || n != 0 || !due.IsZero() {
			t.Errorf("Backlog after a rollback = %d, %v, %v; want 0, zero time", n, due, err)
		}
	})
}

func TestEnqueueRefusesUnsendable(t *testing.T) {
	db := storetest.SQLite(t)
	o := newOutbox(t, db, clocktest.New(start))
	err := db.Tx(context.Background(), func(tx *store.Tx) error {
		_, err := o.Enqueue(context.Background(), tx, mail.Message{To: []string{"a@example.jp\r\nBcc: b@example.jp"}, Subject: "x", Text: "x"})
		return err
	})
	if err == nil || strings.Contains(err.Error(), "example.jp") {
		t.Errorf("Enqueue of a header injection: %v; want an error without the address", err)
	}
}

// TestOutage sends through a mail server that is down, then back: the
// message waits, is sent once, and its content is deleted.
func TestOutage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := clocktest.New(start)
		o := newOutbox(t, db, clock)
		addr := freeAddr(t)
		host, port, _ := net.SplitHostPort(addr)
		cfg := mail.Config{Host: host, TLS: mail.TLSNone}
		fmt.Sscan(port, &cfg.Port)
		w := worker(t, o, sender(t, cfg), outbox.WorkerOptions{})
		id := enqueue(t, db, o, message(1))[0]
		if n, due, err := o.Backlog(ctx); err != nil || n != 1 || !due.Equal(start) {
			t.Fatalf("Backlog = %d, %v, %v; want 1, %v", n, due, err, start)
		}

		if sent, err := w.SendDue(ctx); sent != 0 || err != nil {
			t.Fatalf("SendDue with the server down = %d, %v; want 0, nil", sent, err)
		}
		e := entry(t, o, outbox.Pending, id)
		if e.Attempts != 1 || e.LastError == "" || e.NextAttempt.Before(start.Add(15*time.Second)) || e.NextAttempt.After(start.Add(30*time.Second)) {
			t.Errorf("after a failed attempt: %+v; want 1 attempt, an error, next attempt in 15 to 30 s", e)
		}
		if strings.Contains(e.LastError, "hanako") {
			t.Errorf("the error names the recipient: %s", e.LastError)
		}
		if sent, _ := w.SendDue(ctx); sent != 0 {
			t.Error("a message was attempted before its next attempt was due")
		}

		srv := mailtest.Start(t, mailtest.At(addr))
		clock.Advance(time.Minute)
		if sent, err := w.SendDue(ctx); sent != 1 || err != nil {
			t.Fatalf("SendDue with the server back = %d, %v; want 1, nil", sent, err)
		}
		clock.Advance(time.Hour)
		if sent, err := w.SendDue(ctx); sent != 0 || err != nil {
			t.Fatalf("SendDue again = %d, %v; want 0, nil", sent, err)
		}
		got := srv.Messages()
		if len(got) != 1 || got[0].Subject != message(1).Subject || got[0].To[0] != "hanako1@example.jp" {
			t.Fatalf("the server received %+v; want message 1 once", got)
		}
		e = entry(t, o, outbox.Sent, id)
		if e.Attempts != 2 || e.Finished.IsZero() {
			t.Errorf("sent message: %+v; want 2 attempts and a finish time", e)
		}
		var left int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM mail_outbox WHERE content IS NOT NULL OR sealed_key IS NOT NULL OR kek_id IS NOT NULL").Scan(&left); err != nil || left != 0 {
			t.Errorf("%d messages keep content after sending (%v); want 0", left, err)
		}
		if n, _, _ := o.Backlog(ctx); n != 0 {
			t.Errorf("Backlog = %d after sending; want 0", n)
		}
	})
}

// TestSealed checks that the content at rest names neither the recipient
// nor the text, and that without keys it is kept as is.
func TestSealed(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	o := newOutbox(t, db, clocktest.New(start))
	enqueue(t, db, o, message(1))
	var content []byte
	if err := db.QueryRowContext(ctx, "SELECT content FROM mail_outbox").Scan(&content); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(content), "hanako") || strings.Contains(string(content), "verify") {
		t.Error("the sealed content holds the address or the link in the clear")
	}

	plainDB := storetest.SQLite(t)
	plain, err := outbox.New(outbox.Options{DB: plainDB, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, plainDB, plain, message(2))
	srv := mailtest.Start(t)
	if sent, err := worker(t, plain, sender(t, srv.Config()), outbox.WorkerOptions{}).SendDue(ctx); sent != 1 || err != nil {
		t.Fatalf("SendDue without keys = %d, %v", sent, err)
	}
}

func TestDeadLetters(t *testing.T) {
	tests := []struct {
		name     string
		reply    string
		opt      outbox.WorkerOptions
		attempts int // until the message dies
	}{
		{"permanent refusal", "550 5.1.1 User unknown", outbox.WorkerOptions{}, 1},
		{"attempts bound", "450 4.2.0 Mailbox busy", outbox.WorkerOptions{MaxAttempts: 3}, 3},
		// The fourth attempt's retry is due within 450 s of queueing, the
		// fifth's from 465 s on, whatever the jitter.
		{"age bound", "450 4.2.0 Mailbox busy", outbox.WorkerOptions{MaxAge: 460 * time.Second}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				clock := clocktest.New(start)
				o := newOutbox(t, db, clock)
				refusing := mailtest.Start(t, mailtest.FailAt(mailtest.RcptTo, tt.reply))
				w := worker(t, o, sender(t, refusing.Config()), tt.opt)
				id := enqueue(t, db, o, message(1))[0]
				for i := 1; i < tt.attempts; i++ {
					w.SendDue(ctx)
					e := entry(t, o, outbox.Pending, id)
					if e.Attempts != i {
						t.Fatalf("after attempt %d: %+v", i, e)
					}
					clock.Set(e.NextAttempt)
				}
				w.SendDue(ctx)
				e := entry(t, o, outbox.Dead, id)
				if e.Attempts != tt.attempts || !strings.Contains(e.LastError, "5") && !strings.Contains(e.LastError, "4") {
					t.Errorf("dead letter %+v; want %d attempts and the reply code", e, tt.attempts)
				}
				clock.Advance(48 * time.Hour)
				if sent, _ := w.SendDue(ctx); sent != 0 {
					t.Error("a dead letter was sent")
				}

				// The owner retries it once the server accepts it.
				if err := o.Retry(ctx, id); err != nil {
					t.Fatal(err)
				}
				good := mailtest.Start(t)
				if sent, err := worker(t, o, sender(t, good.Config()), outbox.WorkerOptions{}).SendDue(ctx); sent != 1 || err != nil {
					t.Fatalf("SendDue after Retry = %d, %v; want 1", sent, err)
				}
				if err := o.Retry(ctx, id); !errors.Is(err, outbox.ErrNotFound) {
					t.Errorf("Retry of a sent message: %v; want ErrNotFound", err)
				}
			})
		})
	}
}

func TestDiscardAndRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := clocktest.New(start)
		o := newOutbox(t, db, clock)
		refusing := mailtest.Start(t, mailtest.FailAt(mailtest.RcptTo, "550 5.1.1 User unknown"))
		ids := enqueue(t, db, o, message(1), message(2))
		worker(t, o, sender(t, refusing.Config()), outbox.WorkerOptions{}).SendDue(ctx)
		if err := o.Discard(ctx, ids[0]); err != nil {
			t.Fatal(err)
		}
		var kept int
		db.QueryRowContext(ctx, "SELECT count(*) FROM mail_outbox WHERE content IS NOT NULL").Scan(&kept)
		if kept != 1 {
			t.Errorf("%d messages keep content after one of two dead letters was discarded; want 1", kept)
		}
		counts, err := o.Counts(ctx)
		if err != nil || counts[outbox.Dead] != 1 || counts[outbox.Discarded] != 1 {
			t.Errorf("Counts = %v, %v; want 1 dead, 1 discarded", counts, err)
		}
		reg := prometheus.NewPedanticRegistry()
		if err := reg.Register(o.Collector()); err != nil {
			t.Fatal(err)
		}
		families, err := reg.Gather()
		if err != nil || len(families) != 1 || families[0].GetName() != "noren_mail_outbox_messages" {
			t.Fatalf("Gather = %v, %v", families, err)
		}
		gauges := make(map[string]float64)
		for _, m := range families[0].GetMetric() {
			gauges[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
		if want := map[string]float64{"pending": 0, "sent": 0, "dead": 1, "discarded": 1}; fmt.Sprint(gauges) != fmt.Sprint(want) {
			t.Errorf("noren_mail_outbox_messages = %v; want %v", gauges, want)
		}

		clock.Advance(outbox.DefaultRetention - time.Minute)
		if n, err := o.DeleteFinished(ctx); n != 0 || err != nil {
			t.Errorf("DeleteFinished before the retention = %d, %v; want 0", n, err)
		}
		clock.Advance(2 * time.Minute)
		if n, err := o.DeleteFinished(ctx); n != 2 || err != nil {
			t.Errorf("DeleteFinished after the retention = %d, %v; want 2", n, err)
		}
	})
}

func TestBackoff(t *testing.T) {
	exact := func(d time.Duration) time.Duration { return d }
	for attempt, want := range map[int]time.Duration{
		1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 7: 32 * time.Minute, 8: time.Hour, 30: time.Hour,
	} {
		if got := outbox.Backoff(attempt, exact); got != want {
			t.Errorf("Backoff(%d) = %v; want %v", attempt, got, want)
		}
	}
}

// TestTwoInstances runs two workers, each with its own connection pool as
// two instances have, on one database full of messages: each message
// reaches the server exactly once.
func TestTwoInstances(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.FreshDSN(t, d)
			var dbs [2]*store.DB
			for i := range dbs {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				dbs[i] = db
			}
			keys, err := vault.GenerateKeys()
			if err != nil {
				t.Fatal(err)
			}
			const n = 120
			srv := mailtest.Start(t)
			var workers [2]*outbox.Worker
			for i, db := range dbs {
				o, err := outbox.New(outbox.Options{DB: db, Keys: keys, Logger: testLogger(t)})
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					msgs := make([]mail.Message, n)
					for j := range msgs {
						msgs[j] = message(j)
					}
					enqueue(t, db, o, msgs...)
				}
				workers[i] = worker(t, o, sender(t, srv.Config()), outbox.WorkerOptions{Owner: fmt.Sprint("instance-", i), Batch: 4})
			}
			var wg sync.WaitGroup
			sent := make([]int, len(workers))
			for i, w := range workers {
				wg.Go(func() {
					var err error
					sent[i], err = w.SendDue(ctx)
					if err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if sent[0]+sent[1] != n {
				t.Errorf("the workers sent %v, %d in all; want %d", sent, sent[0]+sent[1], n)
			}
			seen := make(map[string]int)
			for _, m := range srv.Messages() {
				seen[m.To[0]]++
			}
			for j := range n {
				if to := message(j).To[0]; seen[to] != 1 {
					t.Errorf("%s received %d times; want once", to, seen[to])
				}
			}
			t.Logf("instance 0 sent %d, instance 1 sent %d", sent[0], sent[1])
		})
	}
}

package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/mail/mailtest"
	"github.com/noren-web/noren/internal/store"
)

// The anchorer appends each new head to the anchor file and mails it, in
// both languages, to the active auditors and no one else; a head already
// anchored is not anchored again.
func TestAnchorerFileAndMail(t *testing.T) {
	ctx := context.Background()
	a := newAuditDB(t, store.SQLite, 3)
	accounts, err := account.NewStore(a.db, account.Options{Hash: account.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, p := range []account.Profile{
		{Email: "auditor@example.jp", Role: account.Auditor},
		{Email: "retired@example.jp", Role: account.Auditor},
		{Email: "owner@example.jp", Role: account.Owner},
	} {
		u, err := accounts.Create(ctx, p, "plum blossoms in february", now)
		if err != nil {
			t.Fatal(err)
		}
		if p.Email == "retired@example.jp" {
			if err := accounts.SetDisabled(ctx, u, true, now); err != nil {
				t.Fatal(err)
			}
		}
	}

	dir := t.TempDir()
	keyFile, anchorFile := filepath.Join(dir, "anchor.key"), filepath.Join(dir, "anchors.jsonl")
	key, err := audit.GenerateAnchorKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.WriteAnchorKey(keyFile, key); err != nil {
		t.Fatal(err)
	}
	srv := mailtest.Start(t)
	sender, err := mail.NewSender(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Audit{AnchorKeyFile: keyFile, AnchorFile: anchorFile, AnchorMail: true, AnchorInterval: time.Hour}
	anchors, err := newAnchorer(cfg, a.trail, accounts, sender, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}

	first, err := anchors.anchor(ctx, now)
	if err != nil {
		t.Fatalf("anchor: %v", err)
	}
	msgs := srv.Wait(t, 1, 10*time.Second)
	m := msgs[0]
	if !slices.Equal(m.To, []string{"auditor@example.jp"}) {
		t.Errorf("anchor mailed to %v, want the active auditor only", m.To)
	}
	line := string(first.MarshalLine())
	for _, want := range []string{line, "監査証跡", "Audit trail", "noren audit verify --anchors", key.Public().ID()} {
		if !strings.Contains(m.Subject+"\n"+m.Text, want) {
			t.Errorf("the mail lacks %q:\n%s\n%s", want, m.Subject, m.Text)
		}
	}
	if strings.Contains(m.Text, key.Public().String()) {
		t.Error("the mail carries the public key; auditors must hold it from elsewhere")
	}

	if _, err := anchors.anchor(ctx, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.trail.Append(ctx, audit.Entry{Actor: "cli", Role: "system", Action: "user.role", Outcome: audit.OK}); err != nil {
		t.Fatal(err)
	}
	if _, err := anchors.anchor(ctx, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	srv.Wait(t, 2, 10*time.Second)

	f, err := os.Open(anchorFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cps, err := audit.ReadAnchors(f, key.Public())
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 2 || cps[0].Seq != 3 || cps[1].Seq != 4 {
		t.Errorf("anchors written: %+v; want heads 3 and 4, the unchanged head not repeated", cps)
	}
	if got := len(srv.Messages()); got != 2 {
		t.Errorf("%d mails sent, want 2", got)
	}
}

// Anchoring needs its key; a file it cannot write to is an error, which
// noren serve reports at start.
func TestAnchorerRefuses(t *testing.T) {
	a := newAuditDB(t, store.SQLite, 1)
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if got, err := newAnchorer(config.Audit{}, a.trail, nil, nil, logger); got != nil || err != nil {
		t.Errorf("without a key: %v, %v; want no anchorer", got, err)
	}
	if _, err := newAnchorer(config.Audit{AnchorKeyFile: filepath.Join(dir, "missing.key"), AnchorFile: "x"}, a.trail, nil, nil, logger); err == nil {
		t.Error("a missing key file was accepted")
	}
	keyFile := filepath.Join(dir, "anchor.key")
	key, err := audit.GenerateAnchorKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.WriteAnchorKey(keyFile, key); err != nil {
		t.Fatal(err)
	}
	anchors, err := newAnchorer(config.Audit{AnchorKeyFile: keyFile, AnchorFile: filepath.Join(dir, "no", "such", "folder")}, a.trail, nil, nil, logger)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anchors.anchor(context.Background(), time.Now()); err == nil {
		t.Error("anchoring into a folder that does not exist succeeded")
	}
	if _, err := newAnchorer(config.Audit{AnchorKeyFile: keyFile, AnchorMail: true}, a.trail, nil, nil, logger); err == nil {
		t.Error("anchor mail without a mailer was accepted")
	}
}

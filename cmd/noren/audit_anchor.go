package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/mail"
)

// anchorMailTimeout bounds the sending of one anchor's mail.
const anchorMailTimeout = time.Minute

// anchorer signs the audit trail's head with the anchor key and sends the
// anchor where the configuration says: appended to the anchor file, and
// mailed to the active auditor accounts.
type anchorer struct {
	trail    *audit.Trail
	key      *audit.AnchorKey
	file     string
	mail     mailer // nil: anchors are not mailed
	accounts *account.Store
	logger   *slog.Logger
	// last is the head anchored last, which is not anchored again.
	last audit.Head
}

// newAnchorer returns the anchorer the configuration asks for, or nil when
// audit.anchor_key_file is not set. m is needed with audit.anchor_mail.
func newAnchorer(cfg config.Audit, trail *audit.Trail, accounts *account.Store, m mailer, logger *slog.Logger) (*anchorer, error) {
	if cfg.AnchorKeyFile == "" {
		return nil, nil
	}
	key, err := audit.LoadAnchorKey(cfg.AnchorKeyFile)
	if err != nil {
		return nil, err
	}
	a := &anchorer{trail: trail, key: key, file: cfg.AnchorFile, accounts: accounts, logger: logger}
	if cfg.AnchorMail {
		if m == nil {
			return nil, errors.New("audit.anchor_mail: no mail server (smtp.host) to send the anchors with")
		}
		a.mail = m
	}
	return a, nil
}

// anchor signs the trail's head at now and writes it out, unless that head
// was the last one anchored. An anchor the file did not take is an error,
// and is tried again next time; one the mail did not deliver is logged.
func (a *anchorer) anchor(ctx context.Context, now time.Time) (audit.Anchor, error) {
	head, err := a.trail.Head(ctx)
	if err != nil {
		return audit.Anchor{}, err
	}
	anchor := a.key.Sign(head, now)
	if head == a.last {
		return anchor, nil
	}
	if a.file != "" {
		if err := audit.AppendAnchor(a.file, anchor); err != nil {
			return audit.Anchor{}, err
		}
	}
	a.last = head
	if a.mail != nil {
		if err := a.send(ctx, anchor, now); err != nil {
			a.logger.Error("audit anchor: mail to the auditors", "head", head.String(), "err", err)
		}
	}
	a.logger.Info("audit trail anchored", "head", head.String(), "key", anchor.Key)
	return anchor, nil
}

// send mails the anchor to every active auditor account.
func (a *anchorer) send(ctx context.Context, anchor audit.Anchor, now time.Time) error {
	users, err := a.accounts.List(ctx)
	if err != nil {
		return err
	}
	var to []string
	for _, u := range users {
		if u.Role == account.Auditor && u.Usable(now) == nil {
			to = append(to, u.Email)
		}
	}
	if len(to) == 0 {
		return errors.New("no active account has the auditor role")
	}
	ctx, cancel := context.WithTimeout(ctx, anchorMailTimeout)
	defer cancel()
	return a.mail.Send(ctx, anchorMessage(to, anchor))
}

// anchorMessage is the mail that carries an anchor to the auditors, in
// Japanese and English: what it is, the line to keep, and how to check it.
func anchorMessage(to []string, anchor audit.Anchor) mail.Message {
	line := string(anchor.MarshalLine())
	var b strings.Builder
	fmt.Fprintf(&b, "監査証跡の先頭（記録 %d）に署名しました。このメールを保管してください。\n\n", anchor.Seq)
	fmt.Fprintf(&b, "%s\n\n", line)
	b.WriteString("上の1行をファイルに保存し、次のコマンドを実行すると、この時点までの監査証跡が書き換えられていないことを確認できます。\n")
	b.WriteString("  noren audit verify --anchors ファイル --anchor-public-key 公開鍵\n")
	fmt.Fprintf(&b, "署名鍵の ID は %s です。公開鍵は、このメールではなく、運用者から別の経路で受け取ったものを使用してください。\n\n", anchor.Key)
	b.WriteString("---\n\n")
	fmt.Fprintf(&b, "The head of the audit trail (entry %d) has been signed. Please keep this message.\n\n", anchor.Seq)
	fmt.Fprintf(&b, "%s\n\n", line)
	b.WriteString("Save the line above to a file and run the command below to confirm that the audit trail up to this point has not been rewritten:\n")
	b.WriteString("  noren audit verify --anchors FILE --anchor-public-key KEY\n")
	fmt.Fprintf(&b, "The signing key's id is %s. Use the public key you received from the operator by another channel, not one sent by mail.\n", anchor.Key)
	return mail.Message{
		To:      to,
		Subject: fmt.Sprintf("監査証跡の署名（記録 %d）/ Audit trail anchor (entry %d)", anchor.Seq, anchor.Seq),
		Text:    b.String(),
	}
}

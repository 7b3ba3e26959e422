package inbox

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/contact"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/mail/mailtest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
)

// harness is a console serving the inbox, with the submissions it shows.
type harness struct {
	*admintest.Harness
	vault *vault.Vault
	inbox *contact.Inbox
}

// newHarness starts a console with the inbox on db, replying through
// mailer; nil turns replying off.
func newHarness(t *testing.T, db *store.DB, mailer Mailer) *harness {
	t.Helper()
	h := &harness{}
	h.Harness = admintest.New(t, db, admintest.Setup{
		Manifest: "../../admin/testdata/manifest.yaml",
		Sections: func(ah *admintest.Harness) []admin.Capability {
			v, err := vault.New(ah.DB, ah.Keys)
			if err != nil {
				t.Fatal(err)
			}
			subs, err := contact.NewInbox(ah.DB, v)
			if err != nil {
				t.Fatal(err)
			}
			h.vault, h.inbox = v, subs
			return []admin.Capability{New(Options{Inbox: subs, Mailer: mailer})}
		},
	})
	return h
}

// startMail starts a mail server on loopback and returns it with a sender
// to it.
func startMail(t *testing.T) (*mailtest.Server, *mail.Sender) {
	t.Helper()
	srv := mailtest.Start(t)
	sender, err := mail.NewSender(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	return srv, sender
}

// addScoped creates a handler or contractor assigned to forms.
func (h *harness) addScoped(email string, role account.Role, forms ...string) account.User {
	h.T.Helper()
	p := account.Profile{Email: email, Role: role, Forms: forms}
	if role == account.Contractor {
		p.ExpiresAt = h.Clock.Now().AddDate(0, 3, 0)
	}
	u, err := h.Accounts.Create(context.Background(), p, admintest.Password, h.Clock.Now())
	if err != nil {
		h.T.Fatal(err)
	}
	return u
}

// addSubmission stores a submission of form as the contact form does,
// sealed in the vault, and returns it.
func (h *harness) addSubmission(form string, values map[string]string) contact.Submission {
	h.T.Helper()
	ctx := context.Background()
	data, err := json.Marshal(values)
	if err != nil {
		h.T.Fatal(err)
	}
	// The vault stamps records with the real time, so the expiry is set
	// from it rather than from the harness clock.
	expires := time.Now().UTC().AddDate(1, 0, 0).Truncate(time.Second)
	vaultID, err := h.vault.Seal(ctx, vault.Item{Kind: contact.VaultKind, Form: form, Subject: values["email"], Expires: expires, Data: data})
	if err != nil {
		h.T.Fatal(err)
	}
	m := h.Manifest
	id := strings.ToLower(rand.Text())
	ref := "C-2026-" + strings.ToUpper(id[:4]) + "-" + strings.ToUpper(id[4:8])
	_, err = h.DB.ExecContext(ctx, `INSERT INTO contact_submissions
		(id, form, reference, created_at, vault_id, policy_version, policy_hash, lang, status, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'ja', 'new', $8)`,
		id, form, ref, h.Clock.Now(), vaultID, m.VersionLabel(), m.Hash(), expires)
	if err != nil {
		h.T.Fatal(err)
	}
	s, err := h.inbox.Get(ctx, id)
	if err != nil {
		h.T.Fatal(err)
	}
	return s
}

// consultation returns the answers of a consultation-form submission.
func consultation() map[string]string {
	return map[string]string{
		"name":          "山田 花子",
		"email":         "hanako.yamada@example.jp",
		"phone":         "03-1234-5678",
		"message":       "Secret question about my child 4821",
		"accommodation": "",
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/contact"
	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
)

// mailer sends e-mail: an SMTP sender, or the demo's outbox folder.
type mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// personalData is what a running Noren keeps personal data with: the
// vault and its keys, and the mail that goes to staff and to people who
// wrote in. vault is nil when no keys are configured, mail when no mail
// server is.
type personalData struct {
	keys  *vault.Keys
	vault *vault.Vault
	mail  mailer
	// queue holds the mail that must not be lost; nil without mail.
	queue *mailQueue
	// requests handles data-subject requests; nil without a vault or
	// mail.
	requests *dsr.Handler
}

// openPersonalData opens the vault with the configured keys and the mail.
// The demo, which has neither, keeps generated keys in its data folder and
// writes its mail to files there, so that every part can be tried; a real
// site must keep its keys apart from its data.
func openPersonalData(ctx context.Context, cfg *config.Config, env *environment, db *store.DB, demo bool, logger *slog.Logger) (*personalData, error) {
	pd := &personalData{}
	var keys *vault.Keys
	_, fromEnv := envValue(env, vault.EnvKeys)
	switch {
	case cfg.Vault.KeyFile != "" || fromEnv:
		k, err := loadVaultKeys(cfg, env)
		if err != nil {
			return nil, err
		}
		keys = k
	case demo:
		k, err := demoVaultKeys(filepath.Join(cfg.DataDir, "demo-vault.keys"), logger)
		if err != nil {
			return nil, err
		}
		keys = k
	default:
		logger.Warn("no vault keys (vault.key_file or " + vault.EnvKeys + "): forms and data-subject requests are off")
	}
	if keys != nil {
		v, err := vault.New(db, keys)
		if err != nil {
			return nil, err
		}
		if err := v.Verify(ctx); err != nil {
			return nil, fmt.Errorf("the vault's keys do not open its records: %w", err)
		}
		pd.keys, pd.vault = keys, v
	}

	switch {
	case cfg.SMTP.Host != "":
		s, err := mail.NewSender(mail.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password, From: cfg.SMTP.From, TLS: cfg.SMTP.TLS})
		if err != nil {
			return nil, fmt.Errorf("smtp: %w", err)
		}
		pd.mail = s
	case demo:
		dir := filepath.Join(cfg.DataDir, "outbox")
		f, err := mail.NewFolder(dir, "noren@"+demoDomain)
		if err != nil {
			return nil, err
		}
		logger.Info("the demo writes its e-mail to files instead of sending it", "folder", dir)
		pd.mail = f
	}
	return pd, nil
}

// demoVaultKeys reads the demo's key file, writing a new one first when
// there is none.
func demoVaultKeys(path string, logger *slog.Logger) (*vault.Keys, error) {
	keys, err := vault.LoadKeyFile(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return keys, err
	}
	if keys, err = vault.GenerateKeys(); err != nil {
		return nil, err
	}
	if err := vault.WriteKeyFile(path, keys); err != nil {
		return nil, err
	}
	logger.Warn("the demo keeps its vault keys beside its data; a real site keeps them apart (vault.key_file)", "file", path)
	return keys, nil
}

// envValue returns the value of the environment variable name.
func envValue(env *environment, name string) (string, bool) {
	for _, kv := range env.getenv {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// shredExpired expires the data-subject requests never confirmed and
// destroys the records past their retention, recording each in the audit
// trail; it is run hourly.
func (pd *personalData) shredExpired(ctx context.Context, trail *audit.Trail) error {
	var errs []error
	if pd.requests != nil {
		if _, err := pd.requests.ExpireUnverified(ctx); err != nil {
			errs = append(errs, fmt.Errorf("expire unconfirmed data-subject requests: %w", err))
		}
	}
	shredded, err := pd.vault.ShredExpired(ctx, time.Now())
	if err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, auditShredded(ctx, trail, shredded))
	return errors.Join(errs...)
}

// auditShredded records the shredding of records in the audit trail. The
// records are gone whether or not the server is stopping, so their entries
// are written even when ctx has been cancelled.
func auditShredded(ctx context.Context, trail *audit.Trail, shredded []vault.Meta) error {
	ctx = context.WithoutCancel(ctx)
	var errs []error
	for _, m := range shredded {
		_, err := trail.Append(ctx, audit.Entry{Actor: "system", Role: "system", Action: "vault.retention",
			Object: m.Form + "/" + m.ID, Outcome: audit.OK,
			Detail: map[string]string{"kind": m.Kind, "expired": m.Expires.UTC().Format(time.RFC3339)}})
		if err != nil {
			errs = append(errs, fmt.Errorf("audit the shredding of %s/%s: %w", m.Form, m.ID, err))
		}
	}
	return errors.Join(errs...)
}

// startRequests sets up data-subject requests, which need the vault, and
// mail to confirm the person's address; the routes serve their pages and
// the console answers them.
func (pd *personalData) startRequests(cfg *config.Config, db *store.DB, limits *ratelimit.Shared, current *manifest.Current, chrome *page.Chrome, base string, logger *slog.Logger) error {
	if pd.vault == nil || pd.mail == nil {
		if pd.vault != nil {
			logger.Warn("no mail server (smtp.host): data-subject requests are off, as they confirm the person's address by e-mail")
		}
		return nil
	}
	loc, err := siteLocation(cfg)
	if err != nil {
		return err
	}
	h, err := dsr.New(dsr.Options{
		DB:       db,
		Vault:    pd.vault,
		Mailer:   pd.queue.outbox,
		Manifest: current.Get,
		Chrome:   chrome,
		Logger:   logger,
		Secret:   pd.keys.Derive("request links"),
		// Links in e-mail name the configured site, never the Host the
		// request happened to carry.
		BaseURL: func(*http.Request) string { return base },
		// Deadlines run on the site's calendar; the manifest sets them,
		// and requests.deadline can only shorten them.
		Location:   loc,
		Deadline:   cfg.Requests.Deadline,
		RateLimits: limits,
	})
	if err != nil {
		return err
	}
	pd.requests = h
	return nil
}

// registerContact serves the manifest's contact forms, telling the staff
// of contact.notify of each submission. It does nothing without a vault.
func (pd *personalData) registerContact(mux *http.ServeMux, cfg *config.Config, db *store.DB, limits *ratelimit.Shared, current *manifest.Current, chrome *page.Chrome, base string, logger *slog.Logger) error {
	if pd.vault == nil {
		return nil
	}
	zone, err := siteLocation(cfg)
	if err != nil {
		return err
	}
	opt := contact.Options{
		DB:         db,
		Vault:      pd.vault,
		Manifest:   current.Get,
		Chrome:     chrome,
		Logger:     logger,
		Location:   zone,
		Secret:     pd.keys.Derive("contact challenges"),
		ConsoleURL: func(string) string { return base + "/admin/inbox" },
		RateLimits: limits,
	}
	if pd.mail != nil && len(cfg.Contact.Notify) > 0 {
		opt.Notifier = contact.NotifierFunc(func(ctx context.Context, n contact.Notification) error {
			return pd.mail.Send(ctx, mail.Message{To: cfg.Contact.Notify, Subject: n.Subject, Text: n.Text})
		})
	}
	h, err := contact.New(opt)
	if err != nil {
		return err
	}
	h.Register(mux)
	return nil
}

// publicBase is the site's address for links in e-mail: https:// and
// site.domain, or for the demo the address it listens on.
func publicBase(cfg *config.Config, demo bool) string {
	scheme := "https"
	if !cfg.TLSEnabled() {
		scheme = "http"
	}
	host := cfg.Site.Domain
	if demo {
		if _, port, err := net.SplitHostPort(cfg.Listen); err == nil {
			host = net.JoinHostPort(host, port)
		}
	}
	return scheme + "://" + host
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
)

const keysUsage = `Usage: noren keys generate|rotate [flags]

Manages the keys of the encrypted store of personal data (see docs/vault.md).

  generate  write a new key file
  rotate    re-wrap every record's data key, and re-seal the authenticator
            secrets, under a new key-encryption key, then drop the old one
            from the key file

Run 'noren keys generate -h' and so on for their flags.
`

func runKeys(ctx context.Context, env *environment, args []string) error {
	return subcommands(ctx, env, "keys", keysUsage, args, map[string]func(context.Context, *environment, []string) error{
		"generate": runKeysGenerate,
		"rotate":   runKeysRotate,
	})
}

func runKeysGenerate(_ context.Context, env *environment, args []string) error {
	fset := newFlags(env, "keys generate", "FILE",
		"Writes a new key file for the vault (mode 0600). It refuses to overwrite a file:\n"+
			"losing the keys of a vault loses everything in it. Keep the file off the\n"+
			"database's disk and out of its backups.")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() != 1 {
		fset.Usage()
		return errUsage
	}
	path := fset.Arg(0)
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s exists; remove it first if you really mean to replace those keys", path)
	}
	keys, err := vault.GenerateKeys()
	if err != nil {
		return err
	}
	if err := vault.WriteKeyFile(path, keys); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "wrote %s (key-encryption key %s)\n", path, keys.ActiveKEK())
	return nil
}

func runKeysRotate(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "keys rotate", "[flags]",
		"Rotates the vault's key-encryption key: writes a new key to the key file\n"+
			"(keeping the old one for reading), re-wraps every record's data key under it\n"+
			"without decrypting any record, re-seals the console accounts' authenticator\n"+
			"secrets under it, checks that nothing is left under the old key and that the\n"+
			"new one opens everything, then writes the key file with the new key\n"+
			"alone. Interrupted, it can be run again and finishes the job. Afterwards the\n"+
			"old key is no longer needed; backups taken before need it to be read.")
	flags := config.RegisterFlags(fset)
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errUsage
	}
	cfg, db, err := openConfigured(ctx, env, flags)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.Vault.KeyFile == "" {
		return errors.New("vault.key_file is not set: rotation writes the new keys to the key file, so it needs one")
	}
	keys, err := vault.LoadKeyFile(cfg.Vault.KeyFile)
	if err != nil {
		return err
	}
	v, err := vault.New(db, keys)
	if err != nil {
		return err
	}
	next, err := keys.WithNewKEK()
	if err != nil {
		return err
	}
	// The new key is on disk before any record depends on it.
	if err := vault.WriteKeyFile(cfg.Vault.KeyFile, next); err != nil {
		return err
	}
	n, err := v.Rotate(ctx, next, vault.RotateOptions{})
	if err != nil {
		return fmt.Errorf("%w (the key file holds the old and the new key; run noren keys rotate again to finish)", err)
	}
	// The authenticator secrets of console accounts are sealed with the
	// same KEK; those stored unsealed are sealed on the way.
	accounts, err := account.NewStore(db, account.Options{Secrets: next})
	if err != nil {
		return err
	}
	resealed, err := accounts.SealTOTPSecrets(ctx)
	if err != nil {
		return fmt.Errorf("%w (the key file holds the old and the new key; run noren keys rotate again to finish)", err)
	}
	inv, err := v.Report(ctx, time.Now())
	if err != nil {
		return err
	}
	secrets, err := accounts.TOTPSecretsByKEK(ctx)
	if err != nil {
		return err
	}
	for _, under := range []struct {
		what   string
		counts map[string]int
	}{{"records", inv.KEKs}, {"authenticator secrets", secrets}} {
		for id, count := range under.counts {
			if id != next.ActiveKEK() && count > 0 {
				return fmt.Errorf("%d %s are still under key %q (another Noren running with the old key file?); restart every instance with the new key file and run noren keys rotate again", count, under.what, id)
			}
		}
	}
	if err := v.Verify(ctx); err != nil {
		return err
	}
	if err := accounts.VerifyTOTPSecrets(ctx); err != nil {
		return err
	}
	if err := vault.WriteKeyFile(cfg.Vault.KeyFile, next.ActiveOnly()); err != nil {
		return err
	}
	if _, err := audit.New(db).Append(ctx, audit.Entry{Actor: cliActor, Role: "system", Action: "vault.rotate",
		Object: "kek:" + next.ActiveKEK(), Outcome: audit.OK,
		Detail: map[string]string{"rewrapped": strconv.Itoa(n), "totp_resealed": strconv.Itoa(resealed)}}); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "re-wrapped %d records and %d authenticator secrets under key %s; %s now holds that key alone\n", n, resealed, next.ActiveKEK(), cfg.Vault.KeyFile)
	return nil
}

const vaultUsage = `Usage: noren vault report [flags]

Takes stock of the personal data held in the vault: records by form and kind,
live and shredded, the oldest record, those past their retention, and the
keys in use. For the operator's records, and for a report of a leak if one
is ever needed.
`

func runVault(ctx context.Context, env *environment, args []string) error {
	return subcommands(ctx, env, "vault", vaultUsage, args, map[string]func(context.Context, *environment, []string) error{
		"report": runVaultReport,
	})
}

func runVaultReport(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "vault report", "[flags]", "Prints the inventory of the personal data held in the vault. It decrypts nothing.")
	flags := config.RegisterFlags(fset)
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errUsage
	}
	cfg, db, err := openConfigured(ctx, env, flags)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := loadVaultKeys(cfg, env)
	if err != nil {
		return err
	}
	v, err := vault.New(db, keys)
	if err != nil {
		return err
	}
	now := time.Now()
	inv, err := v.Report(ctx, now)
	if err != nil {
		return err
	}
	accounts, err := account.NewStore(db, account.Options{Secrets: keys})
	if err != nil {
		return err
	}
	secrets, err := accounts.TOTPSecretsByKEK(ctx)
	if err != nil {
		return err
	}
	return printInventory(env.stdout, inv, secrets, now)
}

// accountSecrets returns the vault keys that seal the console accounts'
// authenticator secrets, for a command other than serve: those configured,
// else the demo's beside its database, else none.
func accountSecrets(cfg *config.Config, env *environment) (*vault.Keys, error) {
	if _, fromEnv := envValue(env, vault.EnvKeys); cfg.Vault.KeyFile != "" || fromEnv {
		return loadVaultKeys(cfg, env)
	}
	// Where noren demo keeps its generated keys.
	keys, err := vault.LoadKeyFile(filepath.Join(cfg.DataDir, "demo-vault.keys"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return keys, err
}

// openConfiguredAccounts opens the console accounts of db for a command
// other than serve, with the keys that seal their authenticator secrets.
func openConfiguredAccounts(cfg *config.Config, env *environment, db *store.DB) (*account.Store, error) {
	secrets, err := accountSecrets(cfg, env)
	if err != nil {
		return nil, err
	}
	return account.NewStore(db, account.Options{Secrets: secrets})
}

// loadVaultKeys reads the vault's keys from vault.key_file, or from
// NOREN_VAULT_KEYS when no file is configured.
func loadVaultKeys(cfg *config.Config, env *environment) (*vault.Keys, error) {
	if cfg.Vault.KeyFile != "" {
		return vault.LoadKeyFile(cfg.Vault.KeyFile)
	}
	if value, ok := envValue(env, vault.EnvKeys); ok {
		return vault.ParseKeys([]byte(value))
	}
	return nil, fmt.Errorf("no vault keys: set vault.key_file or %s (noren keys generate writes a key file)", vault.EnvKeys)
}

func printInventory(out io.Writer, inv vault.Inventory, secrets map[string]int, now time.Time) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "form\tkind\tlive\tshredded\tpast retention\t\n")
	for _, g := range inv.Groups {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t\n", g.Form, g.Kind, g.Live, g.Shredded, g.PastExpiry)
	}
	fmt.Fprintf(tw, "total\t\t%d\t%d\t%d\t\n", inv.Live, inv.Shredded, inv.PastExpiry)
	if err := tw.Flush(); err != nil {
		return err
	}
	if inv.Oldest.ID != "" {
		fmt.Fprintf(out, "oldest live record: %s (%s, %s), kept until %s\n", inv.Oldest.Created.Format(time.DateOnly),
			inv.Oldest.Form, inv.Oldest.Kind, inv.Oldest.Expires.Format(time.DateOnly))
	}
	for id, n := range inv.KEKs {
		fmt.Fprintf(out, "records under key %s: %d\n", id, n)
	}
	for _, id := range slices.Sorted(maps.Keys(secrets)) {
		if id == "" {
			fmt.Fprintf(out, "authenticator secrets not sealed: %d (sealed at the next start of noren serve)\n", secrets[id])
			continue
		}
		fmt.Fprintf(out, "authenticator secrets under key %s: %d\n", id, secrets[id])
	}
	fmt.Fprintf(out, "as of %s\n", now.UTC().Format(time.RFC3339))
	return nil
}

// sealTOTPSecrets prepares the console accounts' authenticator secrets
// when serving starts. With vault keys it seals those stored as issued and
// checks that the keys open every sealed one, so that a wrong key file
// stops the server rather than a sign-in. Without keys it refuses to start
// if secrets are sealed, since no one with an authenticator could sign in,
// and warns if secrets are stored as issued.
func sealTOTPSecrets(ctx context.Context, accounts *account.Store, haveKeys bool, logger *slog.Logger) error {
	if haveKeys {
		n, err := accounts.SealTOTPSecrets(ctx)
		if err != nil {
			return fmt.Errorf("the vault's keys do not open the authenticator secrets: %w", err)
		}
		if n > 0 {
			logger.Info("sealed authenticator secrets stored as issued with the vault's key", "accounts", n)
		}
		if err := accounts.VerifyTOTPSecrets(ctx); err != nil {
			return fmt.Errorf("the vault's keys do not open the authenticator secrets: %w", err)
		}
		return nil
	}
	counts, err := accounts.TOTPSecretsByKEK(ctx)
	if err != nil {
		return err
	}
	for kek, n := range counts {
		if kek != "" && n > 0 {
			return fmt.Errorf("%d authenticator secrets are sealed with the vault key %s; configure vault.key_file or %s", n, kek, vault.EnvKeys)
		}
	}
	if n := counts[""]; n > 0 {
		logger.Warn("authenticator secrets are stored unsealed: configure vault keys (vault.key_file or "+vault.EnvKeys+") to seal them", "accounts", n)
	}
	return nil
}

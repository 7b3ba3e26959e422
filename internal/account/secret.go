package account

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"github.com/noren-web/noren/internal/vault"
)

// totpUse is what an authenticator secret's sealing is bound to, with the
// account's id.
const totpUse = "totp"

// ErrSecretsLocked means an account's authenticator secret is sealed and
// the store has no keys to open it: Options.Secrets is nil, or lacks the
// key-encryption key that sealed it.
var ErrSecretsLocked = errors.New("account: the authenticator secret is sealed with vault keys this process does not have")

// sealTOTP returns what set-totp stores for secret: the secret sealed and
// base64-encoded with the sealing KEK's id, or, without keys, the secret as
// issued and no KEK. An empty secret stays empty.
func (s *Store) sealTOTP(id int64, secret string) (stored, kekID string, err error) {
	if secret == "" || s.secrets == nil {
		return secret, "", nil
	}
	kekID, sealed, err := s.secrets.SealSecret(totpUse, []byte(secret), strconv.FormatInt(id, 10))
	if err != nil {
		return "", "", fmt.Errorf("account: seal the authenticator secret of account %d: %w", id, err)
	}
	return base64.StdEncoding.EncodeToString(sealed), kekID, nil
}

// openTOTP reverses sealTOTP for account id. A secret stored before
// sealing was turned on (no KEK) is returned as it is.
func (s *Store) openTOTP(id int64, stored, kekID string) (string, error) {
	if kekID == "" || stored == "" {
		return stored, nil
	}
	if s.secrets == nil {
		return "", fmt.Errorf("%w (account %d, key-encryption key %s): configure vault.key_file or %s", ErrSecretsLocked, id, kekID, vault.EnvKeys)
	}
	sealed, err := base64.StdEncoding.Strict().DecodeString(stored)
	if err != nil {
		return "", fmt.Errorf("account: open the authenticator secret of account %d: not base64: %w", id, vault.ErrDecrypt)
	}
	plain, err := s.secrets.OpenSecret(totpUse, kekID, sealed, strconv.FormatInt(id, 10))
	if errors.Is(err, vault.ErrUnknownKEK) {
		return "", fmt.Errorf("%w (account %d): %w", ErrSecretsLocked, id, err)
	}
	if err != nil {
		return "", fmt.Errorf("account: open the authenticator secret of account %d: %w", id, err)
	}
	return string(plain), nil
}

// sealBatch is how many secrets SealTOTPSecrets reseals per query.
const sealBatch = 100

// SealTOTPSecrets seals every authenticator secret that is not yet under
// the active key-encryption key of Options.Secrets: those stored as issued
// (before sealing was turned on, or by a process without keys) and those
// under an older KEK, which a key rotation leaves behind. It returns how
// many it resealed; run again, it reseals none. A secret that none of the
// keys opens stops it with an error naming the account, and is left as it
// was. An enrolment that changes a secret meanwhile wins over the reseal.
func (s *Store) SealTOTPSecrets(ctx context.Context) (int, error) {
	if s.secrets == nil {
		return 0, errors.New("account: seal authenticator secrets: no vault keys")
	}
	active := s.secrets.ActiveKEK()
	total := 0
	for {
		type row struct {
			id          int64
			stored, kek string
		}
		var batch []row
		rows, err := s.db.QueryContext(ctx, s.query("totp-to-seal"), active, sealBatch)
		if err != nil {
			return total, fmt.Errorf("account: seal authenticator secrets: %w", err)
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.stored, &r.kek); err != nil {
				rows.Close()
				return total, fmt.Errorf("account: seal authenticator secrets: %w", err)
			}
			batch = append(batch, r)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return total, fmt.Errorf("account: seal authenticator secrets: %w", err)
		}
		// The batch is read whole first, so that no update runs while
		// its rows are open.
		for _, r := range batch {
			plain, err := s.openTOTP(r.id, r.stored, r.kek)
			if err != nil {
				return total, err
			}
			sealed, kekID, err := s.sealTOTP(r.id, plain)
			if err != nil {
				return total, err
			}
			res, err := s.db.ExecContext(ctx, s.query("reseal-totp"), r.id, sealed, kekID, r.stored, r.kek)
			if err != nil {
				return total, fmt.Errorf("account: seal the authenticator secret of account %d: %w", r.id, err)
			}
			if n, err := res.RowsAffected(); err == nil && n == 1 {
				total++
			}
		}
		if len(batch) < sealBatch {
			return total, nil
		}
	}
}

// TOTPSecretsByKEK counts the authenticator secrets under each
// key-encryption key; the key "" counts those stored as issued. An old KEK
// may be discarded once neither this nor the vault's report counts
// anything under it.
func (s *Store) TOTPSecretsByKEK(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, s.query("totp-by-kek"))
	if err != nil {
		return nil, fmt.Errorf("account: count authenticator secrets: %w", err)
	}
	defer rows.Close()
	out := make(map[string]int)
	for rows.Next() {
		var (
			kek string
			n   int
		)
		if err := rows.Scan(&kek, &n); err != nil {
			return nil, fmt.Errorf("account: count authenticator secrets: %w", err)
		}
		out[kek] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account: count authenticator secrets: %w", err)
	}
	return out, nil
}

// VerifyTOTPSecrets checks that the keys open every sealed authenticator
// secret, as Vault.Verify does for records, so that a wrong or incomplete
// key file is found at start rather than at someone's sign-in.
func (s *Store) VerifyTOTPSecrets(ctx context.Context) error {
	// Reading an account opens its secret.
	if _, err := s.List(ctx); err != nil {
		return fmt.Errorf("account: verify authenticator secrets: %w", err)
	}
	return nil
}

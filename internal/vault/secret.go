package vault

import (
	"errors"
	"fmt"
	"strings"
)

// secretPurpose starts the additional data of a sealed secret, so that
// neither a payload nor a wrapped data key opens as one.
const secretPurpose = "noren-vault secret v1"

// maxSecret bounds what SealSecret takes: it is for seeds and tokens, not
// for records, which belong in the vault proper.
const maxSecret = 1 << 10

// secretAD binds a sealed secret to its use, to the row it belongs to and
// to the KEK that sealed it.
func secretAD(use, kekID string, binding []string) []byte {
	return additionalData(secretPurpose, append([]string{use, kekID}, binding...)...)
}

// SealSecret encrypts a small secret that lives in another table than the
// vault's records, such as an authenticator app's seed, directly under the
// active KEK with AES-256-GCM. use says what the secret is ("totp") and
// binding names the row it belongs to (an account's id): both are
// additional data, with the KEK's id, so the ciphertext opens only for the
// same use in the same row. It returns the KEK's id, to be stored beside
// the ciphertext for OpenSecret and for rotation.
func (k *Keys) SealSecret(use string, plaintext []byte, binding ...string) (kekID string, sealed []byte, err error) {
	if use == "" {
		return "", nil, errors.New("vault: seal secret: no use given")
	}
	if len(plaintext) > maxSecret {
		return "", nil, fmt.Errorf("vault: seal %s secret: %d bytes, more than %d", use, len(plaintext), maxSecret)
	}
	active := k.keks[0]
	return active.id, sealBlob(active.aead, plaintext, secretAD(use, active.id, binding)), nil
}

// OpenSecret reverses SealSecret: kekID is the id SealSecret returned, and
// may name an older KEK of k. It fails with an error matching ErrUnknownKEK
// when k lacks that KEK, or ErrDecrypt when the ciphertext does not
// authenticate for this use and binding.
func (k *Keys) OpenSecret(use, kekID string, sealed []byte, binding ...string) ([]byte, error) {
	e, ok := k.kek(kekID)
	if !ok {
		return nil, fmt.Errorf("vault: open %s secret sealed by KEK %q: %w (the keys have %s)", use, kekID, ErrUnknownKEK, strings.Join(k.KEKs(), ", "))
	}
	plain, err := openBlob(e.aead, sealed, secretAD(use, kekID, binding))
	if err != nil {
		return nil, fmt.Errorf("vault: open %s secret sealed by KEK %s: %v: %w", use, kekID, err, ErrDecrypt)
	}
	return plain, nil
}

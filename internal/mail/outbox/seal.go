package outbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/noren-web/noren/internal/vault"
)

// sealUse is the vault's name for the data keys of queued messages.
const sealUse = "mail-outbox"

// seal encrypts a message's content under a fresh data key and wraps that
// key with the vault's active KEK, bound to the message's id: a message is
// larger than Keys.SealSecret takes, and a row's content cannot be moved
// to another row and still open.
func seal(keys *vault.Keys, id string, plain []byte) (kekID string, sealedKey, content []byte, err error) {
	dek := make([]byte, 32)
	if _, err := rand.Read(dek); err != nil {
		return "", nil, nil, fmt.Errorf("seal: data key: %w", err)
	}
	aead, err := newAEAD(dek)
	if err != nil {
		return "", nil, nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, nil, fmt.Errorf("seal: nonce: %w", err)
	}
	content = aead.Seal(nonce, nonce, plain, []byte(id))
	kekID, sealedKey, err = keys.SealSecret(sealUse, dek, id)
	if err != nil {
		return "", nil, nil, fmt.Errorf("seal: %w", err)
	}
	return kekID, sealedKey, content, nil
}

// open reverses seal.
func open(keys *vault.Keys, id, kekID string, sealedKey, content []byte) ([]byte, error) {
	dek, err := keys.OpenSecret(sealUse, kekID, sealedKey, id)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(dek)
	if err != nil {
		return nil, err
	}
	if len(content) < aead.NonceSize() {
		return nil, errors.New("open: sealed content is too short")
	}
	plain, err := aead.Open(nil, content[:aead.NonceSize()], content[aead.NonceSize():], []byte(id))
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	return plain, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return aead, nil
}

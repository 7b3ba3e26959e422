package vault

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// formatV1 is the first byte of every stored ciphertext (payloads and
// wrapped data keys): AES-256-GCM, 12-byte random nonce, 16-byte tag.
const formatV1 byte = 1

// Purposes that start the additional data of each kind of ciphertext and
// the blind index's input, so that no value made for one use is accepted
// for another.
const (
	payloadPurpose = "noren-vault payload v1"
	dataKeyPurpose = "noren-vault data key v1"
	subjectPurpose = "noren-vault subject v1"
)

// maxSubject bounds a subject's length; an e-mail address has at most 254
// characters.
const maxSubject = 320

// additionalData binds a ciphertext to the row it belongs to: each field is
// length-prefixed, so no two different rows give the same bytes.
func additionalData(purpose string, fields ...string) []byte {
	b := []byte(purpose)
	for _, f := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

func payloadAD(id, kind, form string) []byte {
	return additionalData(payloadPurpose, id, kind, form)
}

// dataKeyAD also names the KEK, so a wrapped key is accepted only under the
// id it was wrapped for.
func dataKeyAD(id, kind, form, kekID string) []byte {
	return additionalData(dataKeyPurpose, id, kind, form, kekID)
}

// sealBlob encrypts plaintext with aead, which picks the nonce, behind the
// format byte.
func sealBlob(aead cipher.AEAD, plaintext, ad []byte) []byte {
	return aead.Seal([]byte{formatV1}, nil, plaintext, ad)
}

// openBlob reverses sealBlob. Its error says nothing about the content.
func openBlob(aead cipher.AEAD, blob, ad []byte) ([]byte, error) {
	if len(blob) == 0 || blob[0] != formatV1 {
		return nil, errors.New("unknown ciphertext format")
	}
	plain, err := aead.Open(nil, nil, blob[1:], ad)
	if err != nil {
		return nil, errors.New("authentication failed")
	}
	return plain, nil
}

// encodePayload puts the subject and the data in one plaintext, so the
// subject is kept encrypted with its record: uvarint length, subject, data.
func encodePayload(subject string, data []byte) []byte {
	b := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(subject)+len(data)), uint64(len(subject)))
	b = append(b, subject...)
	return append(b, data...)
}

func decodePayload(b []byte) (subject string, data []byte, err error) {
	n, size := binary.Uvarint(b)
	if size <= 0 || n > uint64(len(b)-size) {
		return "", nil, errors.New("malformed payload")
	}
	rest := b[size:]
	return string(rest[:n]), rest[n:], nil
}

// NormalizeSubject returns the form of an e-mail address that the blind
// index is computed over: surrounding space trimmed and the whole address,
// local part included, lower-cased. Nothing else is rewritten: dots and
// "+tags" can name different mailboxes. It returns an error for something
// that is not an address: no "@" with text on both sides, or too long.
func NormalizeSubject(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	switch {
	case at <= 0 || at == len(s)-1:
		return "", errors.New("vault: subject is not an e-mail address")
	case len(s) > maxSubject:
		return "", fmt.Errorf("vault: subject is longer than %d bytes", maxSubject)
	}
	return s, nil
}

// blindIndex is the keyed hash of a normalised subject stored next to its
// records: equal for equal addresses, and meaningless without the index
// key.
func (k *Keys) blindIndex(normalized string) []byte {
	m := hmac.New(sha256.New, k.index)
	m.Write([]byte(subjectPurpose))
	m.Write([]byte{0})
	m.Write([]byte(normalized))
	return m.Sum(nil)
}

package vault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// keyFileHeader is the first line of every key file.
const keyFileHeader = "noren-vault-key v1"

// EnvKeys is the environment variable that, in Noren's wiring, carries the
// key file's content when there is no key file.
const EnvKeys = "NOREN_VAULT_KEYS"

// keySize is the size of every key: KEKs, data keys and the index key.
const keySize = 32

// maxKeyFile bounds what LoadKeyFile reads; a real key file is a few
// hundred bytes.
const maxKeyFile = 64 << 10

// kekIDPattern is what a key-encryption key's id may look like: short, and
// safe to print in logs and error messages.
var kekIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// kek is one key-encryption key.
type kek struct {
	id   string
	key  []byte
	aead cipher.AEAD
}

// Keys are the vault's secrets: the active key-encryption key (KEK), which
// wraps every new data key, older KEKs that are accepted for unwrapping
// only, and the blind-index key. A Keys value is immutable and safe for
// concurrent use. Printing it with fmt or log/slog shows the KEK ids only.
type Keys struct {
	keks  []kek // keks[0] is the active one
	index []byte
}

// GenerateKeys returns new keys: one fresh KEK with a random id, and a fresh
// index key.
func GenerateKeys() (*Keys, error) {
	active, err := generateKEK()
	if err != nil {
		return nil, err
	}
	index := make([]byte, keySize)
	if _, err := rand.Read(index); err != nil {
		return nil, fmt.Errorf("vault: generate index key: %w", err)
	}
	return &Keys{keks: []kek{active}, index: index}, nil
}

func generateKEK() (kek, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return kek{}, fmt.Errorf("vault: generate key-encryption key: %w", err)
	}
	// rand.Text is base32 of 128 random bits; twelve letters (60 bits) tell
	// keys apart without being long to read out.
	return newKEK(strings.ToLower(rand.Text()[:12]), key)
}

func newKEK(id string, key []byte) (kek, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return kek{}, fmt.Errorf("vault: key-encryption key %s: %w", id, err)
	}
	return kek{id: id, key: key, aead: aead}, nil
}

// newAEAD returns AES-256-GCM under key, choosing a random nonce for every
// message and prepending it to the ciphertext.
func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// WithNewKEK returns keys for a rotation: a fresh KEK becomes the active
// one, every KEK of k is kept for reading, and the index key stays the
// same.
func (k *Keys) WithNewKEK() (*Keys, error) {
	active, err := generateKEK()
	if err != nil {
		return nil, err
	}
	return &Keys{keks: append([]kek{active}, k.keks...), index: k.index}, nil
}

// ActiveOnly returns k without its older KEKs, as the key file should be
// once a rotation has finished and no record needs them.
func (k *Keys) ActiveOnly() *Keys {
	return &Keys{keks: k.keks[:1:1], index: k.index}
}

// ActiveKEK returns the id of the KEK that wraps new data keys.
func (k *Keys) ActiveKEK() string { return k.keks[0].id }

// KEKs returns the ids of every KEK, the active one first.
func (k *Keys) KEKs() []string {
	ids := make([]string, len(k.keks))
	for i, e := range k.keks {
		ids[i] = e.id
	}
	return ids
}

// String describes k without any key material.
func (k *Keys) String() string {
	return fmt.Sprintf("vault keys (active KEK %s, KEKs %s)", k.ActiveKEK(), strings.Join(k.KEKs(), ","))
}

// Format writes String for every verb, so that no verb of fmt (%x, %d, %#v
// …) can print the key bytes.
func (k *Keys) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// kek returns the KEK called id, if k has it.
func (k *Keys) kek(id string) (kek, bool) {
	for _, e := range k.keks {
		if e.id == id {
			return e, true
		}
	}
	return kek{}, false
}

// Marshal returns k in the key file format.
func (k *Keys) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(keyFileHeader + "\n")
	for i, e := range k.keks {
		if i == 1 {
			b.WriteString("# Older keys, for reading records not yet re-wrapped.\n")
		}
		fmt.Fprintf(&b, "kek %s %s\n", e.id, base64.StdEncoding.EncodeToString(e.key))
	}
	fmt.Fprintf(&b, "index %s\n", base64.StdEncoding.EncodeToString(k.index))
	return b.Bytes()
}

// ParseKeys reads keys in the key file format (see the package
// documentation). Lines may also be separated by ";", so that the content
// fits on one line in an environment variable. Errors name the line, never
// its content, which may be a key.
func ParseKeys(text []byte) (*Keys, error) {
	lines := strings.Split(strings.ReplaceAll(string(text), ";", "\n"), "\n")
	k := &Keys{}
	header := false
	seen := make(map[string]bool)
	for n, line := range lines {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		where := fmt.Sprintf("vault: key line %d", n+1)
		if !header {
			if strings.Join(fields, " ") != keyFileHeader {
				return nil, fmt.Errorf("%s: want the header %q first", where, keyFileHeader)
			}
			header = true
			continue
		}
		switch fields[0] {
		case "kek":
			if len(fields) != 3 {
				return nil, fmt.Errorf("%s: want \"kek ID KEY\"", where)
			}
			id := fields[1]
			if !kekIDPattern.MatchString(id) {
				return nil, fmt.Errorf("%s: a KEK id is 1 to 32 characters of a-z, 0-9, _ and -, starting with a letter or digit", where)
			}
			if seen[id] {
				return nil, fmt.Errorf("%s: KEK %s appears twice", where, id)
			}
			seen[id] = true
			key, err := decodeKey(fields[2])
			if err != nil {
				return nil, fmt.Errorf("%s: KEK %s: %w", where, id, err)
			}
			e, err := newKEK(id, key)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			k.keks = append(k.keks, e)
		case "index":
			if len(fields) != 2 {
				return nil, fmt.Errorf("%s: want \"index KEY\"", where)
			}
			if k.index != nil {
				return nil, fmt.Errorf("%s: a second index key", where)
			}
			key, err := decodeKey(fields[1])
			if err != nil {
				return nil, fmt.Errorf("%s: index key: %w", where, err)
			}
			k.index = key
		default:
			return nil, fmt.Errorf("%s: unknown entry; want kek or index", where)
		}
	}
	switch {
	case !header:
		return nil, fmt.Errorf("vault: keys: empty; want the header %q", keyFileHeader)
	case len(k.keks) == 0:
		return nil, errors.New("vault: keys: no kek line")
	case k.index == nil:
		return nil, errors.New("vault: keys: no index line")
	}
	if err := k.distinct(); err != nil {
		return nil, err
	}
	return k, nil
}

// distinct refuses a key used twice: a copy-and-paste slip that would
// otherwise go unnoticed, and would tie the blind index to a KEK.
func (k *Keys) distinct() error {
	all := [][]byte{k.index}
	names := []string{"the index key"}
	for _, e := range k.keks {
		all = append(all, e.key)
		names = append(names, "KEK "+e.id)
	}
	for i := range all {
		for j := range i {
			if subtle.ConstantTimeCompare(all[i], all[j]) == 1 {
				return fmt.Errorf("vault: keys: %s and %s are the same key", names[j], names[i])
			}
		}
	}
	return nil
}

// decodeKey decodes a base64 (standard alphabet, padded) key of keySize
// bytes that is not all zeros.
func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("not valid base64")
	}
	if len(key) != keySize {
		return nil, fmt.Errorf("%d bytes, want %d", len(key), keySize)
	}
	if subtle.ConstantTimeCompare(key, make([]byte, keySize)) == 1 {
		return nil, errors.New("all zeros, which is a placeholder, not a key")
	}
	return key, nil
}

// LoadKeyFile reads the key file at path. It refuses a file that its group
// or other users may read or write: the key file is the one thing that
// makes the database readable.
func LoadKeyFile(path string) (*Keys, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vault: key file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault: key file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("vault: key file %s: not a regular file", path)
	}
	// Windows has no such mode bits; its ACLs are the operator's to set.
	if perm := info.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("vault: key file %s has mode %04o, open to its group or other users; it must be for its owner only (chmod 600 %s)", path, perm, path)
	}
	text, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("vault: key file %s: %w", path, err)
	}
	if len(text) > maxKeyFile {
		return nil, fmt.Errorf("vault: key file %s: larger than %d bytes", path, maxKeyFile)
	}
	k, err := ParseKeys(text)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return k, nil
}

// LoadKeyEnv reads keys from the environment variable name, in the key
// file format.
func LoadKeyEnv(name string) (*Keys, error) {
	text, ok := os.LookupEnv(name)
	if !ok || strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("vault: environment variable %s is not set", name)
	}
	k, err := ParseKeys([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("%w (in $%s)", err, name)
	}
	return k, nil
}

// WriteKeyFile writes k to path with mode 0600, replacing any file there
// atomically: a reader sees the old keys or the new ones, never a mix, and
// a crash leaves one of the two in place.
func WriteKeyFile(path string, k *Keys) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("vault: write key file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("vault: write key file %s: %w", path, err)
	}
	if _, err := tmp.Write(k.Marshal()); err != nil {
		return fmt.Errorf("vault: write key file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("vault: write key file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("vault: write key file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("vault: write key file %s: %w", path, err)
	}
	// The rename is durable only once the directory is synced; losing the
	// new key file after records were re-wrapped under it would lose them.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("vault: write key file %s: sync directory: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("vault: write key file %s: sync directory: %w", path, err)
	}
	return nil
}

// Derive returns a 32-byte secret for purpose, such as signing the
// challenges of a form, computed from the index key: it lives outside the
// database with the other keys and, like the index key, stays the same
// across rotations. Different purposes get unrelated secrets.
func (k *Keys) Derive(purpose string) []byte {
	mac := hmac.New(sha256.New, k.index)
	mac.Write([]byte("noren derived secret\x00" + purpose))
	return mac.Sum(nil)
}

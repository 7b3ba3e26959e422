package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/store"
)

// anchorTag opens every signed anchor, so that no other signed message of
// the same key is taken for an anchor.
const anchorTag = "noren-audit-anchor-1"

// anchorKeyHeader is the first line of an anchor key file.
const anchorKeyHeader = "noren-audit-anchor-key v1"

// publicKeyPrefix starts the text form of an anchor public key.
const publicKeyPrefix = "ed25519:"

// maxAnchorKeyFile bounds what LoadAnchorKey reads.
const maxAnchorKeyFile = 4 << 10

// AnchorKey is the private key that signs anchors. Printing it with fmt or
// log/slog shows its id only.
type AnchorKey struct {
	priv ed25519.PrivateKey
	pub  AnchorPublicKey
}

// AnchorPublicKey checks anchors. Its text form (String) is
// "ed25519:" and the standard base64 of the raw 32-byte key.
type AnchorPublicKey struct {
	key ed25519.PublicKey
	id  string
}

// GenerateAnchorKey returns a new random anchor key.
func GenerateAnchorKey() (*AnchorKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("audit: generate anchor key: %w", err)
	}
	return newAnchorKey(priv), nil
}

func newAnchorKey(priv ed25519.PrivateKey) *AnchorKey {
	return &AnchorKey{priv: priv, pub: newPublicKey(priv.Public().(ed25519.PublicKey))}
}

func newPublicKey(key ed25519.PublicKey) AnchorPublicKey {
	sum := sha256.Sum256(key)
	return AnchorPublicKey{key: key, id: hex.EncodeToString(sum[:8])}
}

// Public returns the key that checks k's anchors.
func (k *AnchorKey) Public() AnchorPublicKey { return k.pub }

// String names k by its id, without key material.
func (k *AnchorKey) String() string { return "audit anchor key " + k.pub.id }

// Format writes String for every verb, so that no verb of fmt can print
// the private key.
func (k *AnchorKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// Marshal returns k in the key file format: a header line, then
// "private" and the standard base64 of the 32-byte Ed25519 seed.
func (k *AnchorKey) Marshal() []byte {
	return []byte(anchorKeyHeader + "\n# public " + k.pub.String() + "\nprivate " +
		base64.StdEncoding.EncodeToString(k.priv.Seed()) + "\n")
}

// ParseAnchorKey reads an anchor key in the key file format. Blank lines
// and lines starting with # are ignored. Errors never hold key material.
func ParseAnchorKey(text []byte) (*AnchorKey, error) {
	var (
		header bool
		seed   []byte
	)
	for n, line := range strings.Split(string(text), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		where := fmt.Sprintf("audit: anchor key line %d", n+1)
		switch {
		case !header:
			if strings.Join(fields, " ") != anchorKeyHeader {
				return nil, fmt.Errorf("%s: want the header %q first", where, anchorKeyHeader)
			}
			header = true
		case fields[0] == "private" && len(fields) == 2:
			if seed != nil {
				return nil, fmt.Errorf("%s: a second private key", where)
			}
			b, err := base64.StdEncoding.Strict().DecodeString(fields[1])
			if err != nil || len(b) != ed25519.SeedSize {
				return nil, fmt.Errorf("%s: want the base64 of %d bytes", where, ed25519.SeedSize)
			}
			if subtle.ConstantTimeCompare(b, make([]byte, ed25519.SeedSize)) == 1 {
				return nil, fmt.Errorf("%s: all zeros, which is a placeholder, not a key", where)
			}
			seed = b
		default:
			return nil, fmt.Errorf("%s: want \"private KEY\"", where)
		}
	}
	switch {
	case !header:
		return nil, fmt.Errorf("audit: anchor key: empty; want the header %q", anchorKeyHeader)
	case seed == nil:
		return nil, errors.New("audit: anchor key: no private line")
	}
	return newAnchorKey(ed25519.NewKeyFromSeed(seed)), nil
}

// LoadAnchorKey reads the anchor key file at path. Like the vault's key
// file, it must be for its owner only: whoever reads it can sign anchors
// for a rewritten trail.
func LoadAnchorKey(path string) (*AnchorKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audit: anchor key file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("audit: anchor key file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("audit: anchor key file %s: not a regular file", path)
	}
	// Windows has no such mode bits; its ACLs are the operator's to set.
	if perm := info.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("audit: anchor key file %s has mode %04o, open to its group or other users; it must be for its owner only (chmod 600 %s)", path, perm, path)
	}
	text, err := io.ReadAll(io.LimitReader(f, maxAnchorKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("audit: anchor key file %s: %w", path, err)
	}
	if len(text) > maxAnchorKeyFile {
		return nil, fmt.Errorf("audit: anchor key file %s: larger than %d bytes", path, maxAnchorKeyFile)
	}
	k, err := ParseAnchorKey(text)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return k, nil
}

// WriteAnchorKey writes k to a new file at path with mode 0600. It refuses
// to replace a file: the anchors signed so far are checked with the key's
// public half, which the auditors already hold.
func WriteAnchorKey(path string, k *AnchorKey) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("audit: write anchor key: %w", err)
	}
	if _, err := f.Write(k.Marshal()); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("audit: write anchor key %s: %w", path, err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return fmt.Errorf("audit: write anchor key %s: %w", path, err)
	}
	return nil
}

// String returns the public key's text form, which ParseAnchorPublicKey
// reads.
func (p AnchorPublicKey) String() string {
	return publicKeyPrefix + base64.StdEncoding.EncodeToString(p.key)
}

// ID returns the key's id: the first 16 hex digits of the SHA-256 of the
// raw public key, which every anchor it signs names.
func (p AnchorPublicKey) ID() string { return p.id }

// ParseAnchorPublicKey reads a public key written as String writes it.
func ParseAnchorPublicKey(s string) (AnchorPublicKey, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), publicKeyPrefix)
	if !ok {
		return AnchorPublicKey{}, fmt.Errorf("audit: anchor public key: want %q and base64", publicKeyPrefix)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(rest)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return AnchorPublicKey{}, fmt.Errorf("audit: anchor public key: want %q and the base64 of %d bytes", publicKeyPrefix, ed25519.PublicKeySize)
	}
	return newPublicKey(b), nil
}

// Anchor is a signed head of the trail.
type Anchor struct {
	Head
	// At is when the head was signed, in UTC to the microsecond.
	At time.Time
	// Key is the id of the key that signed it.
	Key string
	// Sig is the Ed25519 signature of the anchor's signed form.
	Sig []byte
}

// anchorLine is an anchor as one line of an anchor file.
type anchorLine struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	At   string `json:"at"`
	Key  string `json:"key"`
	Sig  string `json:"sig"`
}

// signed returns the bytes an anchor's signature covers, as the comment at
// the top of this file defines them.
func (a Anchor) signed() []byte {
	b := append([]byte{'['}, `"`+anchorTag+`",`...)
	b = strconv.AppendInt(b, a.Seq, 10)
	b = append(b, ',')
	b = appendString(b, formatTime(a.At))
	b = append(b, ',')
	b = appendString(b, a.Hash)
	b = append(b, ',')
	b = appendString(b, a.Key)
	return append(b, ']')
}

// Sign returns an anchor of head h at time at.
func (k *AnchorKey) Sign(h Head, at time.Time) Anchor {
	a := Anchor{Head: h, At: at.UTC().Truncate(time.Microsecond), Key: k.pub.id}
	a.Sig = ed25519.Sign(k.priv, a.signed())
	return a
}

// Verify reports whether a was signed by p, and is a well-formed head.
func (p AnchorPublicKey) Verify(a Anchor) error {
	if a.Key != p.id {
		return fmt.Errorf("signed by key %s, not by the public key given (%s)", a.Key, p.id)
	}
	if !ed25519.Verify(p.key, a.signed(), a.Sig) {
		return errors.New("its signature does not verify: the anchor was altered")
	}
	if err := a.Head.check(); err != nil {
		return err
	}
	return nil
}

// MarshalLine returns a as one line of an anchor file, without the line
// end.
func (a Anchor) MarshalLine() []byte {
	b, err := json.Marshal(anchorLine{Seq: a.Seq, Hash: a.Hash, At: formatTime(a.At), Key: a.Key, Sig: base64.StdEncoding.EncodeToString(a.Sig)})
	if err != nil {
		// Strings and an integer always marshal.
		panic(err)
	}
	return b
}

// parseAnchorLine reads one line of an anchor file.
func parseAnchorLine(line []byte) (Anchor, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var l anchorLine
	if err := dec.Decode(&l); err != nil {
		return Anchor{}, errors.New("not an anchor (want a JSON object with seq, hash, at, key and sig)")
	}
	if dec.More() {
		return Anchor{}, errors.New("more than one JSON value")
	}
	at, ok := parseTime(l.At)
	if !ok {
		return Anchor{}, fmt.Errorf("its time %q is not written as anchors write times", l.At)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(l.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Anchor{}, errors.New("its signature is not the base64 of an Ed25519 signature")
	}
	return Anchor{Head: Head{Seq: l.Seq, Hash: l.Hash}, At: at, Key: l.Key, Sig: sig}, nil
}

// ReadAnchors reads an anchor file and checks every anchor's signature with
// p. It fails on the first line that is not an anchor signed by p, naming
// the line: an anchor file is written by Noren alone, so any such line is
// tampering or a mix-up of keys. It returns the anchors as checkpoints for
// VerifyCheckpoints.
func ReadAnchors(r io.Reader, p AnchorPublicKey) ([]Checkpoint, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4<<10), 64<<10)
	var out []Checkpoint
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		a, err := parseAnchorLine(line)
		if err == nil {
			err = p.Verify(a)
		}
		if err != nil {
			return nil, fmt.Errorf("audit: anchor on line %d: %w", n, err)
		}
		out = append(out, Checkpoint{Head: a.Head, Source: fmt.Sprintf(
			"signed as the head in the anchor of %s (line %d)", formatTime(a.At), n)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("audit: read anchors: %w", err)
	}
	return out, nil
}

// AppendAnchor adds a to the anchor file at path, creating it with mode
// 0600, and syncs it, so that an anchor reported written survives a crash.
func AppendAnchor(path string, a Anchor) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit: append anchor: %w", err)
	}
	_, err = f.Write(append(a.MarshalLine(), '\n'))
	if err == nil {
		err = f.Sync()
	}
	if err := errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("audit: append anchor to %s: %w", path, err)
	}
	return nil
}

// Head returns the trail's newest entry as it is stored, without checking
// the chain: 0 with 64 zeros for an empty trail.
func (t *Trail) Head(ctx context.Context) (Head, error) {
	h := Head{Hash: zeroHash}
	err := t.db.QueryRowContext(ctx, t.q.last).Scan(&h.Seq, &h.Hash)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Head{}, fmt.Errorf("audit: read the head: %w", err)
	}
	return h, nil
}

package vault

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/noren-web/noren/internal/store"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// Errors that Open and the other methods wrap; match them with errors.Is.
var (
	// ErrNotFound means there is no record with the id.
	ErrNotFound = errors.New("vault: no such record")
	// ErrShredded means the record existed and was shredded: its content
	// is gone for good.
	ErrShredded = errors.New("vault: record shredded")
	// ErrUnknownKEK means the record's data key is wrapped by a KEK that
	// the keys lack, typically an old key discarded before a rotation had
	// finished.
	ErrUnknownKEK = errors.New("vault: record wrapped by a key-encryption key the keys lack")
	// ErrDecrypt means a ciphertext failed authentication: the key is not
	// the one it was made with (a different key file with the same KEK
	// id), or the row was altered or moved.
	ErrDecrypt = errors.New("vault: does not decrypt: wrong key, or the row was altered")
)

// namePattern is what a kind or a form may be called: the manifest's ids.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Vault keeps records encrypted in a database. It is safe for concurrent
// use.
type Vault struct {
	db *store.DB
	q  map[string]string

	// mu guards keys, which Rotate replaces. Seal holds it for reading
	// until its row is written, so that once Rotate has swapped the keys
	// no row wrapped under the old active KEK is still on its way.
	mu   sync.RWMutex
	keys *Keys
}

// Item is what Seal stores.
type Item struct {
	// Kind says what the record is (a contact message, a data-subject
	// request …) and Form which collection point it came from; both are
	// ids of a-z, 0-9, _ and -, stored in the clear for the inventory.
	Kind, Form string
	// Subject is the e-mail address of the person the record is about, or
	// "". It is encrypted with the data, and its blind index is stored so
	// Find can look the record up.
	Subject string
	// Expires is when the retention period ends; ShredExpired shreds the
	// record from then on.
	Expires time.Time
	// Data is the payload, encrypted as is.
	Data []byte
}

// Meta is what is stored of a record in the clear.
type Meta struct {
	ID, Kind, Form   string
	Created, Expires time.Time
}

// Record is a decrypted record.
type Record struct {
	Meta
	Subject string
	Data    []byte
}

// New returns a vault over db, which must be migrated, using keys.
func New(db *store.DB, keys *Keys) (*Vault, error) {
	if keys == nil {
		return nil, errors.New("vault: no keys")
	}
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, fmt.Errorf("vault: queries: %w", err)
	}
	q, err := db.Dialect().ReadQueries(sub)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return &Vault{db: db, q: q, keys: keys}, nil
}

// Seal encrypts item under a fresh data key, stores it, and returns the new
// record's id: 26 characters of a-z and 2-7, random and safe in URLs.
func (v *Vault) Seal(ctx context.Context, item Item) (string, error) {
	if !namePattern.MatchString(item.Kind) {
		return "", fmt.Errorf("vault: seal: kind %q: want 1 to 64 of a-z, 0-9, _ and -", item.Kind)
	}
	if !namePattern.MatchString(item.Form) {
		return "", fmt.Errorf("vault: seal: form %q: want 1 to 64 of a-z, 0-9, _ and -", item.Form)
	}
	created := time.Now().UTC().Truncate(time.Microsecond)
	if !item.Expires.After(created) {
		return "", errors.New("vault: seal: the expiry time must be in the future")
	}
	subject := strings.TrimSpace(item.Subject)
	var normalized string
	if subject != "" {
		var err error
		if normalized, err = NormalizeSubject(subject); err != nil {
			return "", fmt.Errorf("vault: seal: %w", err)
		}
	}

	id := strings.ToLower(rand.Text())
	dek := make([]byte, keySize)
	if _, err := rand.Read(dek); err != nil {
		return "", fmt.Errorf("vault: seal: data key: %w", err)
	}
	aead, err := newAEAD(dek)
	if err != nil {
		return "", fmt.Errorf("vault: seal: %w", err)
	}
	ciphertext := sealBlob(aead, encodePayload(subject, item.Data), payloadAD(id, item.Kind, item.Form))

	v.mu.RLock()
	defer v.mu.RUnlock()
	active := v.keys.keks[0]
	wrapped := sealBlob(active.aead, dek, dataKeyAD(id, item.Kind, item.Form, active.id))
	var index any
	if normalized != "" {
		index = v.keys.blindIndex(normalized)
	}
	_, err = v.db.ExecContext(ctx, v.q["seal"], id, item.Kind, item.Form, created, item.Expires,
		index, active.id, wrapped, ciphertext)
	if err != nil {
		return "", fmt.Errorf("vault: seal %s record of form %s: %w", item.Kind, item.Form, err)
	}
	return id, nil
}

// currentKeys returns the keys in use now.
func (v *Vault) currentKeys() *Keys {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.keys
}

// validID reports whether id could have been made by Seal.
func validID(id string) bool {
	if len(id) != 26 {
		return false
	}
	for _, c := range []byte(id) {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// Open decrypts the record id. It fails with an error matching ErrNotFound,
// ErrShredded, ErrUnknownKEK or ErrDecrypt as the case may be.
func (v *Vault) Open(ctx context.Context, id string) (Record, error) {
	if !validID(id) {
		return Record{}, fmt.Errorf("vault: open record %q: %w", id, ErrNotFound)
	}
	rec := Record{Meta: Meta{ID: id}}
	var (
		kekID               sql.NullString
		wrapped, ciphertext []byte
		shredded            sql.NullTime
	)
	err := v.db.QueryRowContext(ctx, v.q["open"], id).Scan(
		&rec.Kind, &rec.Form, &rec.Created, &rec.Expires, &kekID, &wrapped, &ciphertext, &shredded)
	if errors.Is(err, store.ErrNotFound) {
		return Record{}, fmt.Errorf("vault: open record %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Record{}, fmt.Errorf("vault: open record %s: %w", id, err)
	}
	if shredded.Valid {
		return Record{}, fmt.Errorf("vault: open record %s: %w on %s", id, ErrShredded, shredded.Time.Format(time.DateOnly))
	}
	dek, err := v.currentKeys().unwrap(rec.Meta, kekID.String, wrapped)
	if err != nil {
		return Record{}, fmt.Errorf("vault: open record %s: %w", id, err)
	}
	aead, err := newAEAD(dek)
	if err != nil {
		return Record{}, fmt.Errorf("vault: open record %s: %w", id, err)
	}
	plain, err := openBlob(aead, ciphertext, payloadAD(id, rec.Kind, rec.Form))
	if err != nil {
		return Record{}, fmt.Errorf("vault: open record %s: payload: %v: %w", id, err, ErrDecrypt)
	}
	if rec.Subject, rec.Data, err = decodePayload(plain); err != nil {
		return Record{}, fmt.Errorf("vault: open record %s: %w", id, err)
	}
	return rec, nil
}

// unwrap returns the data key of the record m, wrapped by the KEK kekID.
func (k *Keys) unwrap(m Meta, kekID string, wrapped []byte) ([]byte, error) {
	e, ok := k.kek(kekID)
	if !ok {
		return nil, fmt.Errorf("data key wrapped by KEK %q: %w (the keys have %s)", kekID, ErrUnknownKEK, strings.Join(k.KEKs(), ", "))
	}
	dek, err := openBlob(e.aead, wrapped, dataKeyAD(m.ID, m.Kind, m.Form, kekID))
	if err != nil {
		return nil, fmt.Errorf("data key wrapped by KEK %s: %v: %w", kekID, err, ErrDecrypt)
	}
	if len(dek) != keySize {
		return nil, fmt.Errorf("data key wrapped by KEK %s: %d bytes: %w", kekID, len(dek), ErrDecrypt)
	}
	return dek, nil
}

// Find returns the live records of the person with the e-mail address
// subject, oldest first, without decrypting any record. Addresses match
// as NormalizeSubject describes.
func (v *Vault) Find(ctx context.Context, subject string) ([]Meta, error) {
	normalized, err := NormalizeSubject(subject)
	if err != nil {
		return nil, fmt.Errorf("vault: find: %w", err)
	}
	metas, err := v.metas(ctx, v.db, "find", v.currentKeys().blindIndex(normalized))
	if err != nil {
		return nil, fmt.Errorf("vault: find: %w", err)
	}
	return metas, nil
}

// metas runs the query name, which selects id, kind, form, created_at and
// expires_at, and collects the rows.
func (v *Vault) metas(ctx context.Context, q store.Querier, name string, args ...any) ([]Meta, error) {
	rows, err := q.QueryContext(ctx, v.q[name], args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Meta
	for rows.Next() {
		var m Meta
		if err := rows.Scan(&m.ID, &m.Kind, &m.Form, &m.Created, &m.Expires); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Verify proves that the keys open the records in the database: for every
// KEK that live records are wrapped by, it decrypts one of them and, if it
// has a subject, checks its blind index with the index key. Run it after
// loading a key file, and before discarding an old key.
func (v *Vault) Verify(ctx context.Context) error {
	inv, err := v.Report(ctx, time.Now())
	if err != nil {
		return fmt.Errorf("vault: verify: %w", err)
	}
	keys := v.currentKeys()
	for kekID := range inv.KEKs {
		var id string
		if err := v.db.QueryRowContext(ctx, v.q["verify"], kekID).Scan(&id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				continue // shredded since the report
			}
			return fmt.Errorf("vault: verify KEK %s: %w", kekID, err)
		}
		rec, err := v.Open(ctx, id)
		if errors.Is(err, ErrShredded) {
			continue
		}
		if err != nil {
			return fmt.Errorf("vault: verify: %w", err)
		}
		if rec.Subject == "" {
			continue
		}
		normalized, err := NormalizeSubject(rec.Subject)
		if err != nil {
			return fmt.Errorf("vault: verify record %s: %w", id, err)
		}
		found, err := v.metas(ctx, v.db, "find", keys.blindIndex(normalized))
		if err != nil {
			return fmt.Errorf("vault: verify record %s: %w", id, err)
		}
		if !containsID(found, id) {
			return fmt.Errorf("vault: verify record %s: its blind index does not match the index key: the key file's index key is not the one the records were sealed with", id)
		}
	}
	return nil
}

func containsID(metas []Meta, id string) bool {
	for _, m := range metas {
		if m.ID == id {
			return true
		}
	}
	return false
}

package contact

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
)

// The statuses a submission moves through in the console inbox.
const (
	StatusNew      = "new"
	StatusOpen     = "open"
	StatusAnswered = "answered"
	StatusClosed   = "closed"
)

// NoteKind is the vault kind of the records that hold staff notes.
const NoteKind = "note"

// MaxNote is the longest note, in bytes, that AddNote accepts.
const MaxNote = 8 << 10

// ErrNoSubmission means there is no submission with the id.
var ErrNoSubmission = errors.New("contact: no such submission")

// ErrDeleted means the submission's content was shredded, by retention or
// a deletion request, so nothing more can be added to it.
var ErrDeleted = errors.New("contact: the submission's content is deleted")

// Statuses returns the statuses of a submission in the order they are
// usually reached.
func Statuses() []string {
	return []string{StatusNew, StatusOpen, StatusAnswered, StatusClosed}
}

// Submission is what the inbox shows of a submission without opening it:
// nothing the person wrote.
type Submission struct {
	ID, Form, Reference string
	Created, Expires    time.Time
	Status              string
	// AssignedTo is the id of the account handling the submission, or 0.
	AssignedTo    int64
	Lang          string
	PolicyVersion string
	// Deleted means the content was shredded: the row stays so the
	// reference can still be answered for, but nothing can be opened.
	Deleted bool
	// Expired lists, as Open finds them, the ids of the fields whose
	// answers were deleted at the end of their own, shorter retention
	// while the rest of the submission is kept.
	Expired []string
}

// Note is a staff note on a submission, decrypted.
type Note struct {
	ID      string
	Author  string
	Created time.Time
	// Text is empty and Deleted true once the note's record is shredded.
	Text    string
	Deleted bool
}

// InboxFilter selects the submissions List returns.
type InboxFilter struct {
	// Forms limits the list to these forms; empty means every form, so a
	// caller that scopes by assignment must not pass an empty list for an
	// account assigned none.
	Forms []string
	// Status limits the list to one status; empty means any.
	Status string
	// Limit caps the page (default and maximum 200); Offset skips.
	Limit, Offset int
}

// maxPage is the largest page List returns.
const maxPage = 200

// Inbox reads and updates submissions for the administration console. It
// decrypts on request only; auditing who opened what is the caller's job,
// since only the caller knows who asks and why.
type Inbox struct {
	db    *store.DB
	vault *vault.Vault
	q     map[string]string
	// now is the clock that decides whether a part has expired before the
	// vault's retention has shredded it.
	now func() time.Time
}

// NewInbox returns an inbox over db, which must be migrated, opening the
// vault v.
func NewInbox(db *store.DB, v *vault.Vault) (*Inbox, error) {
	if db == nil || v == nil {
		return nil, errors.New("contact: inbox: a database and a vault are required")
	}
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, fmt.Errorf("contact: inbox queries: %w", err)
	}
	q, err := db.Dialect().ReadQueries(sub)
	if err != nil {
		return nil, fmt.Errorf("contact: inbox: %w", err)
	}
	return &Inbox{db: db, vault: v, q: q, now: time.Now}, nil
}

// List returns a page of submissions, newest first.
func (in *Inbox) List(ctx context.Context, f InboxFilter) ([]Submission, error) {
	for _, form := range f.Forms {
		if form == "" || strings.Contains(form, ",") {
			return nil, fmt.Errorf("contact: list submissions: bad form id %q", form)
		}
	}
	if f.Status != "" && !slices.Contains(Statuses(), f.Status) {
		return nil, fmt.Errorf("contact: list submissions: unknown status %q", f.Status)
	}
	if f.Limit <= 0 || f.Limit > maxPage {
		f.Limit = maxPage
	}
	f.Offset = max(f.Offset, 0)
	rows, err := in.db.QueryContext(ctx, in.q["inbox-list"], strings.Join(f.Forms, ","), f.Status, f.Limit, f.Offset)
	if err != nil {
		return nil, fmt.Errorf("contact: list submissions: %w", err)
	}
	defer rows.Close()
	var out []Submission
	for rows.Next() {
		var s Submission
		if err := rows.Scan(&s.ID, &s.Form, &s.Reference, &s.Created, &s.Expires, &s.Status,
			&s.AssignedTo, &s.Lang, &s.PolicyVersion, &s.Deleted); err != nil {
			return nil, fmt.Errorf("contact: list submissions: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("contact: list submissions: %w", err)
	}
	return out, nil
}

// Get returns a submission's metadata; it fails with ErrNoSubmission if
// there is none with the id.
func (in *Inbox) Get(ctx context.Context, id string) (Submission, error) {
	s, _, err := in.get(ctx, id)
	return s, err
}

func (in *Inbox) get(ctx context.Context, id string) (Submission, string, error) {
	var (
		s       Submission
		vaultID string
	)
	err := in.db.QueryRowContext(ctx, in.q["inbox-get"], id).Scan(&s.ID, &s.Form, &s.Reference, &s.Created,
		&s.Expires, &s.Status, &s.AssignedTo, &s.Lang, &s.PolicyVersion, &s.Deleted, &vaultID)
	if errors.Is(err, store.ErrNotFound) {
		return Submission{}, "", fmt.Errorf("contact: submission %q: %w", id, ErrNoSubmission)
	}
	if err != nil {
		return Submission{}, "", fmt.Errorf("contact: submission %s: %w", id, err)
	}
	return s, vaultID, nil
}

// Open decrypts a submission and returns its field values by field id,
// those kept apart for a shorter retention included. A submission whose
// content was shredded comes back with Deleted set and no values, not as an
// error; answers whose own retention has ended are left out and their
// fields listed in Expired. The caller records in the audit trail who
// opened it and for what purpose.
func (in *Inbox) Open(ctx context.Context, id string) (Submission, map[string]string, error) {
	s, vaultID, err := in.get(ctx, id)
	if err != nil || s.Deleted {
		return s, nil, err
	}
	values, err := in.openValues(ctx, vaultID)
	if errors.Is(err, vault.ErrShredded) {
		// Shredded between the two reads.
		s.Deleted = true
		return s, nil, nil
	}
	if err != nil {
		return Submission{}, nil, fmt.Errorf("contact: open submission %s: %w", id, err)
	}
	parts, err := in.parts(ctx, id)
	if err != nil {
		return Submission{}, nil, err
	}
	now := in.now()
	for _, p := range parts {
		if !p.shredded && now.Before(p.Expires) {
			partValues, err := in.openValues(ctx, p.VaultID)
			if err == nil {
				for _, f := range p.Fields {
					values[f] = partValues[f]
				}
				continue
			}
			if !errors.Is(err, vault.ErrShredded) {
				return Submission{}, nil, fmt.Errorf("contact: open submission %s: part: %w", id, err)
			}
		}
		for _, f := range p.Fields {
			delete(values, f)
			s.Expired = append(s.Expired, f)
		}
	}
	slices.Sort(s.Expired)
	return s, values, nil
}

// openValues decrypts the vault record id holding field values by field id.
func (in *Inbox) openValues(ctx context.Context, id string) (map[string]string, error) {
	rec, err := in.vault.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	var values map[string]string
	if err := json.Unmarshal(rec.Data, &values); err != nil {
		return nil, fmt.Errorf("decode record %s: %w", id, err)
	}
	if values == nil {
		values = map[string]string{}
	}
	return values, nil
}

// storedPart is a part of a submission as the inbox finds it.
type storedPart struct {
	part
	shredded bool
}

// parts returns the parts of the submission id, soonest to expire first.
func (in *Inbox) parts(ctx context.Context, id string) ([]storedPart, error) {
	rows, err := in.db.QueryContext(ctx, in.q["inbox-parts"], id)
	if err != nil {
		return nil, fmt.Errorf("contact: parts of submission %s: %w", id, err)
	}
	defer rows.Close()
	var out []storedPart
	for rows.Next() {
		var (
			p      storedPart
			fields string
		)
		if err := rows.Scan(&p.VaultID, &p.Expires, &fields, &p.shredded); err != nil {
			return nil, fmt.Errorf("contact: parts of submission %s: %w", id, err)
		}
		p.Fields = strings.Split(fields, ",")
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("contact: parts of submission %s: %w", id, err)
	}
	return out, nil
}

// SetStatus moves a submission to status, one of Statuses.
func (in *Inbox) SetStatus(ctx context.Context, id, status string) error {
	if !slices.Contains(Statuses(), status) {
		return fmt.Errorf("contact: set status of submission %s: unknown status %q", id, status)
	}
	return in.update(ctx, "inbox-set-status", "set status of", id, status)
}

// Assign gives a submission to the account with the id; 0 leaves it to
// nobody.
func (in *Inbox) Assign(ctx context.Context, id string, account int64) error {
	var to any
	if account != 0 {
		to = account
	}
	return in.update(ctx, "inbox-assign", "assign", id, to)
}

func (in *Inbox) update(ctx context.Context, query, verb, id string, value any) error {
	res, err := in.db.ExecContext(ctx, in.q[query], id, value)
	if err != nil {
		return fmt.Errorf("contact: %s submission %s: %w", verb, id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("contact: %s submission %s: %w", verb, id, err)
	} else if n == 0 {
		return fmt.Errorf("contact: %s submission %q: %w", verb, id, ErrNoSubmission)
	}
	return nil
}

// AddNote seals text in the vault as a note on the submission by author,
// filed under the same person as the submission,
// expiring with the submission, and returns it. A submission whose content
// is shredded takes no more notes (ErrDeleted).
func (in *Inbox) AddNote(ctx context.Context, id, author, text string) (Note, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" || len(text) > MaxNote {
		return Note{}, fmt.Errorf("contact: note on submission %s: want 1 to %d bytes of text", id, MaxNote)
	}
	if author == "" {
		return Note{}, fmt.Errorf("contact: note on submission %s: no author", id)
	}
	s, submissionVault, err := in.get(ctx, id)
	if err != nil {
		return Note{}, err
	}
	if s.Deleted {
		return Note{}, fmt.Errorf("contact: note on submission %s: %w", id, ErrDeleted)
	}
	// The note is filed under the person the submission is from, so that
	// a request to delete their data finds and shreds it too.
	rec, err := in.vault.Open(ctx, submissionVault)
	switch {
	case errors.Is(err, vault.ErrShredded):
		return Note{}, fmt.Errorf("contact: note on submission %s: %w", id, ErrDeleted)
	case err != nil:
		return Note{}, fmt.Errorf("contact: note on submission %s: %w", id, err)
	}
	vaultID, err := in.vault.Seal(ctx, vault.Item{Kind: NoteKind, Form: s.Form, Subject: rec.Subject, Expires: s.Expires, Data: []byte(text)})
	if err != nil {
		return Note{}, fmt.Errorf("contact: note on submission %s: %w", id, err)
	}
	n := Note{ID: strings.ToLower(rand.Text()), Author: author, Created: time.Now().UTC().Truncate(time.Microsecond), Text: text}
	if _, err := in.db.ExecContext(ctx, in.q["inbox-add-note"], n.ID, id, author, n.Created, vaultID); err != nil {
		// Without its row the sealed note is unreachable: shred it now
		// rather than leave it until its expiry.
		if shredErr := in.vault.Shred(context.WithoutCancel(ctx), vaultID); shredErr != nil {
			err = errors.Join(err, shredErr)
		}
		return Note{}, fmt.Errorf("contact: note on submission %s: %w", id, err)
	}
	return n, nil
}

// Notes decrypts a submission's notes, oldest first. Shredded notes, and
// every note of a submission whose content is shredded, come back with
// Deleted set and no text.
func (in *Inbox) Notes(ctx context.Context, id string) ([]Note, error) {
	s, err := in.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	rows, err := in.db.QueryContext(ctx, in.q["inbox-notes"], id)
	if err != nil {
		return nil, fmt.Errorf("contact: notes of submission %s: %w", id, err)
	}
	type sealed struct {
		note    Note
		vaultID string
	}
	var list []sealed
	for rows.Next() {
		var x sealed
		if err := rows.Scan(&x.note.ID, &x.note.Author, &x.note.Created, &x.vaultID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("contact: notes of submission %s: %w", id, err)
		}
		list = append(list, x)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("contact: notes of submission %s: %w", id, err)
	}
	out := make([]Note, 0, len(list))
	for _, x := range list {
		n := x.note
		if s.Deleted {
			n.Deleted = true
			out = append(out, n)
			continue
		}
		rec, err := in.vault.Open(ctx, x.vaultID)
		switch {
		case errors.Is(err, vault.ErrShredded):
			n.Deleted = true
		case err != nil:
			return nil, fmt.Errorf("contact: note %s of submission %s: %w", n.ID, id, err)
		default:
			n.Text = string(rec.Data)
		}
		out = append(out, n)
	}
	return out, nil
}

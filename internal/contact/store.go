package contact

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/store"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// errReplayed means the challenge was already used by a stored submission.
var errReplayed = errors.New("contact: the challenge was already used")

// referenceAttempts is how many fresh reference numbers are tried when one
// is already taken, which at 39 random bits practically never happens.
const referenceAttempts = 3

// row is what contact_submissions holds of a submission: nothing the
// person wrote.
type row struct {
	ID, Form, Reference string
	Created, Expires    time.Time
	VaultID             string
	PolicyVersion       string
	PolicyHash          string
	Lang                string
	Parts               []part
}

// part is a vault record holding the answers to fields kept for less time
// than the rest of the submission.
type part struct {
	VaultID string
	Expires time.Time
	// Fields are the ids of the fields whose answers the record holds.
	Fields []string
}

// submissions writes the contact tables.
type submissions struct {
	db *store.DB
	q  map[string]string
	// loc is the site's time zone, whose calendar gives reference numbers
	// their year.
	loc *time.Location
}

func newSubmissions(db *store.DB, loc *time.Location) (*submissions, error) {
	sub, err := fs.Sub(queryFiles, "queries")
	if err != nil {
		return nil, fmt.Errorf("contact: queries: %w", err)
	}
	q, err := db.Dialect().ReadQueries(sub)
	if err != nil {
		return nil, fmt.Errorf("contact: %w", err)
	}
	return &submissions{db: db, q: q, loc: loc}, nil
}

// used reports whether challenge id has been used by a stored submission.
func (s *submissions) used(ctx context.Context, id string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q["challenge-used"], id).Scan(&n); err != nil {
		return false, fmt.Errorf("contact: look up challenge: %w", err)
	}
	return n > 0, nil
}

// add stores r with its parts and marks the challenge id used until challengeExpires, in
// one transaction. It fills in r.ID and r.Reference, drawing another
// reference if the first is taken, and fails with errReplayed if the
// challenge was used meanwhile.
func (s *submissions) add(ctx context.Context, r *row, challengeID string, challengeExpires time.Time) error {
	r.ID = strings.ToLower(rand.Text())
	for attempt := 1; ; attempt++ {
		r.Reference = newReference(r.Created.In(s.loc))
		err := s.db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, s.q["purge-challenges"], r.Created); err != nil {
				return fmt.Errorf("contact: purge used challenges: %w", err)
			}
			if _, err := tx.ExecContext(ctx, s.q["use-challenge"], challengeID, challengeExpires); err != nil {
				if store.IsUniqueViolation(err) {
					return errReplayed
				}
				return fmt.Errorf("contact: mark challenge used: %w", err)
			}
			_, err := tx.ExecContext(ctx, s.q["add-submission"], r.ID, r.Form, r.Reference, r.Created,
				r.VaultID, r.PolicyVersion, r.PolicyHash, r.Lang, r.Expires)
			if err != nil {
				return fmt.Errorf("contact: store submission of form %s: %w", r.Form, err)
			}
			for _, p := range r.Parts {
				if _, err := tx.ExecContext(ctx, s.q["add-part"], r.ID, p.VaultID, p.Expires, strings.Join(p.Fields, ",")); err != nil {
					return fmt.Errorf("contact: store part of submission of form %s: %w", r.Form, err)
				}
			}
			return nil
		})
		if err == nil || errors.Is(err, errReplayed) || !store.IsUniqueViolation(err) || attempt == referenceAttempts {
			return err
		}
	}
}

package ratelimit

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"
)

// secretSize is the length of a day's secret, the key of the HMAC.
const secretSize = 32

// dayLayout names a UTC day in the ratelimit_secrets table.
const dayLayout = "2006-01-02"

// secret offers a random secret for the UTC day d and returns the one
// stored, which is another instance's when it offered first: so every
// instance, and the same one after a restart, keys a day alike.
func (s *Shared) secret(ctx context.Context, d time.Time) ([]byte, error) {
	name := d.Format(dayLayout)
	offer := make([]byte, secretSize)
	rand.Read(offer)
	if _, err := s.db.ExecContext(ctx, s.q["offer-secret"], name, offer, time.Now()); err != nil {
		return nil, fmt.Errorf("ratelimit: store the secret of %s: %w", name, err)
	}
	var secret []byte
	if err := s.db.QueryRowContext(ctx, s.q["secret"], name).Scan(&secret); err != nil {
		return nil, fmt.Errorf("ratelimit: read the secret of %s: %w", name, err)
	}
	if len(secret) != secretSize {
		return nil, fmt.Errorf("ratelimit: the secret of %s has %d bytes, want %d", name, len(secret), secretSize)
	}
	return secret, nil
}

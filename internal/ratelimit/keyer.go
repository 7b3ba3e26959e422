package ratelimit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"hash"
	"sync"
	"time"
)

// Key is the HMAC-SHA256 of what a limiter counts, under a secret of one
// day.
type Key [sha256.Size]byte

const day = 24 * time.Hour

// utcDay returns the midnight UTC that starts t's day. Truncate counts from
// the zero Time, itself a midnight UTC, and days have no leap seconds.
func utcDay(t time.Time) time.Time { return t.Truncate(day) }

// keyer turns what a limiter counts into Keys under a secret of the UTC
// day, keeping the day before's secret for one day more. It is safe for
// concurrent use; the zero value is ready and draws random secrets of its
// own.
type keyer struct {
	// secret, when set, returns the secret of a day, so that every keyer
	// given the same one makes the same Keys: the secrets a fleet shares
	// through its database.
	secret func(ctx context.Context, day time.Time) ([]byte, error)

	mu   sync.Mutex
	days [2]daySecret // today's, then the day before's
	sum  []byte
}

type daySecret struct {
	day time.Time
	mac hash.Hash
}

// key returns value's key under the secret of now's day. It is for a
// keyer without a secret function, which cannot fail.
func (k *keyer) key(now time.Time, value []byte) Key {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.turnRandom(utcDay(now))
	return k.hmac(k.days[0].mac, value)
}

// keys returns value's key under the secret of now's day and, while it is
// kept, under the day before's; ok is false when there is none.
func (k *keyer) keys(ctx context.Context, now time.Time, value []byte) (today, yesterday Key, ok bool, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.secret == nil {
		k.turnRandom(utcDay(now))
	} else if err := k.turnShared(ctx, utcDay(now)); err != nil {
		return Key{}, Key{}, false, err
	}
	today = k.hmac(k.days[0].mac, value)
	if k.days[1].mac == nil {
		return today, Key{}, false, nil
	}
	return today, k.hmac(k.days[1].mac, value), true, nil
}

// turnRandom draws a new secret when day has none, keeping the current one
// as the day before's only if it is.
func (k *keyer) turnRandom(d time.Time) {
	if k.days[0].mac != nil && k.days[0].day.Equal(d) {
		return
	}
	key := make([]byte, 32)
	rand.Read(key)
	k.days = [2]daySecret{{day: d, mac: hmac.New(sha256.New, key)}, k.dayBefore(d)}
}

// turnShared fetches the secrets of day and the day before when day is not
// the current one. What it holds stays as it is when a fetch fails.
func (k *keyer) turnShared(ctx context.Context, d time.Time) error {
	if k.days[0].mac != nil && k.days[0].day.Equal(d) {
		return nil
	}
	before := k.dayBefore(d)
	if before.mac == nil {
		secret, err := k.secret(ctx, d.Add(-day))
		if err != nil {
			return err
		}
		before = daySecret{day: d.Add(-day), mac: hmac.New(sha256.New, secret)}
	}
	secret, err := k.secret(ctx, d)
	if err != nil {
		return err
	}
	k.days = [2]daySecret{{day: d, mac: hmac.New(sha256.New, secret)}, before}
	return nil
}

// dayBefore returns the current secret if it is that of the day before d,
// and none otherwise.
func (k *keyer) dayBefore(d time.Time) daySecret {
	if k.days[0].mac != nil && k.days[0].day.Equal(d.Add(-day)) {
		return k.days[0]
	}
	return daySecret{}
}

func (k *keyer) hmac(mac hash.Hash, value []byte) Key {
	mac.Reset()
	mac.Write(value)
	k.sum = mac.Sum(k.sum[:0])
	return Key(k.sum)
}

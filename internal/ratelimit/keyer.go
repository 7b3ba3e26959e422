package ratelimit

import (
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

// keyer turns what a limiter counts into Keys under a random secret of the
// UTC day, keeping the day before's secret for one day more. It is safe
// for concurrent use; the zero value is ready.
type keyer struct {
	mu   sync.Mutex
	days [2]secret // today's, then the day before's
	sum  []byte
}

type secret struct {
	day time.Time
	mac hash.Hash
}

// key returns value's key under the secret of now's day.
func (k *keyer) key(now time.Time, value []byte) Key {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.turn(now)
	return k.hmac(k.days[0].mac, value)
}

// keys returns value's key under the secret of now's day and, while it is
// kept, under the day before's; ok is false when there is none.
func (k *keyer) keys(now time.Time, value []byte) (today, yesterday Key, ok bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.turn(now)
	today = k.hmac(k.days[0].mac, value)
	if k.days[1].mac == nil {
		return today, Key{}, false
	}
	return today, k.hmac(k.days[1].mac, value), true
}

// turn makes a new secret when now's day has none, keeping the current one
// as the day before's only if it is.
func (k *keyer) turn(now time.Time) {
	d := utcDay(now)
	if k.days[0].mac != nil && k.days[0].day.Equal(d) {
		return
	}
	var before secret
	if k.days[0].mac != nil && k.days[0].day.Equal(d.Add(-day)) {
		before = k.days[0]
	}
	key := make([]byte, 32)
	rand.Read(key)
	k.days = [2]secret{{day: d, mac: hmac.New(sha256.New, key)}, before}
}

func (k *keyer) hmac(mac hash.Hash, value []byte) Key {
	mac.Reset()
	mac.Write(value)
	k.sum = mac.Sum(k.sum[:0])
	return Key(k.sum)
}

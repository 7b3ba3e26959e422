package analytics

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"net/netip"
	"sync"
	"time"
)

// visitorKey computes one UTC day's visitor ids:
//
//	Visitor = first 8 bytes of HMAC-SHA256(salt, site || 0 || address || 0 || user agent)
//
// read as a big-endian uint64, where address is the client address in its
// textual form. The same person on the same site gets the same id all day
// and an unrelated one the next day, when the salt has changed; once the
// salt is deleted, nothing can map an address and user agent to the id
// again. Neither the address nor the user agent is kept anywhere.
type visitorKey struct {
	start time.Time // midnight UTC at the start of the key's day
	pool  sync.Pool // of *visitorHash keyed with the day's salt
}

// maxPooledHashInput bounds the scratch buffer a pooled hash keeps.
const maxPooledHashInput = 4 << 10

// visitorHash is a keyed HMAC and the scratch space its input is built in.
type visitorHash struct {
	mac hash.Hash
	buf []byte
}

func newVisitorKey(t time.Time, salt []byte) *visitorKey {
	t = t.UTC()
	k := &visitorKey{start: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
	// A keyed HMAC resets to its keyed state, so pooling them saves
	// hashing the key for every event.
	key := append([]byte(nil), salt...)
	k.pool.New = func() any {
		return &visitorHash{mac: hmac.New(sha256.New, key), buf: make([]byte, 0, 512)}
	}
	return k
}

// covers reports whether t, in UTC, falls on the key's day.
func (k *visitorKey) covers(t time.Time) bool {
	return !t.Before(k.start) && t.Before(k.start.Add(24*time.Hour))
}

// visitor returns the id of the visitor at addr with user agent ua on site.
func (k *visitorKey) visitor(site string, addr netip.Addr, ua string) uint64 {
	h := k.pool.Get().(*visitorHash)
	b := append(h.buf[:0], site...)
	b = append(b, 0)
	b = addr.AppendTo(b)
	b = append(b, 0)
	b = append(b, ua...)
	h.mac.Reset()
	h.mac.Write(b)
	sum := h.mac.Sum(b[:0])
	id := binary.BigEndian.Uint64(sum)
	// Leave no copy of the address or user agent in the pooled buffer,
	// and no buffer grown by an outsized header.
	if cap(b) > maxPooledHashInput {
		b = make([]byte, 0, 512)
	}
	clear(b[:cap(b)])
	h.buf = b[:0]
	k.pool.Put(h)
	return id
}

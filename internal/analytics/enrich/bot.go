package enrich

import (
	"strings"
)

// The tokens come from the public crawler list in bots, which is vendored
// rather than fetched so that builds stay reproducible and offline; run go
// generate after updating it or bots/local.txt.
//go:generate go run ./internal/botgen

// botIndex finds botTokens in one pass over a lower-cased User-Agent.
var botIndex = newTokenIndex(botTokens)

// tokenIndex is a set of tokens of at least three bytes, arranged for
// search: at each position of the searched text, a bit set of hashes of the
// tokens' first three bytes rules out almost every start before the few
// tokens that begin with those bytes are looked up and compared.
type tokenIndex struct {
	heads [1 << 16 / 64]uint64 // bit headHash(t[:3]) of each token t
	slots []tokenSlot          // open addressing on headHash
	mask  uint32               // len(slots)-1
}

// tokenSlot holds the tokens that begin with the same three bytes.
type tokenSlot struct {
	head   uint32 // the three bytes; 0, which no token begins with, when empty
	tokens []string
}

// newTokenIndex indexes tokens, which must be at least three bytes long and
// hold no NUL bytes.
func newTokenIndex(tokens []string) *tokenIndex {
	heads := map[uint32]bool{}
	for _, t := range tokens {
		heads[head(t[0], t[1], t[2])] = true
	}
	// At most half full, so that a miss ends after a probe or two.
	n := 16
	for n < 2*len(heads) {
		n *= 2
	}
	idx := &tokenIndex{slots: make([]tokenSlot, n), mask: uint32(n - 1)}
	for _, t := range tokens {
		h := head(t[0], t[1], t[2])
		x := headHash(h)
		idx.heads[x/64] |= 1 << (x % 64)
		j := x & idx.mask
		for idx.slots[j].head != 0 && idx.slots[j].head != h {
			j = (j + 1) & idx.mask
		}
		idx.slots[j].head = h
		idx.slots[j].tokens = append(idx.slots[j].tokens, t)
	}
	return idx
}

// head packs the first three bytes of a token.
func head(a, b, c byte) uint32 { return uint32(a)<<16 | uint32(b)<<8 | uint32(c) }

// headHash spreads a head over 16 bits by Fibonacci hashing.
func headHash(h uint32) uint32 { return h * 0x9E3779B1 >> 16 }

// find returns the first token found in s and where it starts, or "" and -1.
func (idx *tokenIndex) find(s []byte) (string, int) {
	for i := 0; i+2 < len(s); i++ {
		h := head(s[i], s[i+1], s[i+2])
		x := headHash(h)
		if idx.heads[x/64]&(1<<(x%64)) == 0 {
			continue
		}
		for j := x & idx.mask; idx.slots[j].head != 0; j = (j + 1) & idx.mask {
			if idx.slots[j].head != h {
				continue
			}
			for _, t := range idx.slots[j].tokens {
				if len(s)-i >= len(t) && string(s[i:i+len(t)]) == t {
					return t, i
				}
			}
			break
		}
	}
	return "", -1
}

// maxScanned bounds the bytes of a User-Agent that are examined; real ones
// are a few hundred bytes, and the bound keeps the lower-case copy on the
// stack.
const maxScanned = 512

// IsBot reports whether ua belongs to something other than a person's
// browser. An empty User-Agent, and one that does not start like a browser's
// ("Mozilla/" or the old "Opera/"), count as bots.
func IsBot(ua string) bool {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return true
	}
	if !strings.HasPrefix(ua, "Mozilla/") && !strings.HasPrefix(ua, "Opera/") {
		return true
	}
	if len(ua) > maxScanned {
		ua = ua[:maxScanned]
	}
	var buf [maxScanned]byte
	lower := buf[:len(ua)]
	for i := 0; i < len(ua); i++ {
		c := ua[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	for len(lower) > 0 {
		t, i := botIndex.find(lower)
		if i < 0 {
			return false
		}
		// Cubot is a phone maker, not a crawler.
		if t != "bot" || i < 2 || string(lower[i-2:i]) != "cu" {
			return true
		}
		lower = lower[i+len(t):]
	}
	return false
}

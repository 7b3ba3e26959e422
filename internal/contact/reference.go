package contact

import (
	"crypto/rand"
	"strconv"
	"time"
)

// referenceAlphabet leaves out the characters people confuse when reading
// a number aloud or copying it by hand: 0 and O, 1, I and L, U and V.
const referenceAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"

// newReference returns a reference number such as "C-2026-7KQM-X3HD": the
// year of now, which the caller gives in the site's time zone so that the
// year is the one the sender's calendar shows, then eight random
// characters (about 39 bits). It is random rather than counted, so it
// reveals nothing about how many messages the site receives, and it opens
// nothing: it only names the submission in a reply.
func newReference(now time.Time) string {
	var b [8]byte
	for i := range b {
		b[i] = referenceAlphabet[randIndex(len(referenceAlphabet))]
	}
	return "C-" + strconv.Itoa(now.Year()) + "-" + string(b[:4]) + "-" + string(b[4:])
}

// randIndex returns a uniformly random number below n (n < 256).
func randIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// validReference reports whether s has the form newReference makes.
func validReference(s string) bool {
	if len(s) != 16 || s[:2] != "C-" || s[6] != '-' || s[11] != '-' {
		return false
	}
	for i := 2; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	for _, i := range []int{7, 8, 9, 10, 12, 13, 14, 15} {
		if !containsByte(referenceAlphabet, s[i]) {
			return false
		}
	}
	return true
}

func containsByte(s string, c byte) bool {
	for i := range len(s) {
		if s[i] == c {
			return true
		}
	}
	return false
}

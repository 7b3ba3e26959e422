package consent

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CookieName is the name of the cookie that holds a visitor's choice.
const CookieName = "noren_consent"

// cookieFormat is the first field of the cookie value, so that a later
// format can be told apart.
const cookieFormat = "1"

// maxCookieValue bounds the value ParseCookie reads; browsers keep at most
// 4096 bytes per cookie anyway.
const maxCookieValue = 4096

// receiptLen is the length of a receipt: 16 random bytes in unpadded
// base64url.
const receiptLen = 22

// Choice is a visitor's decision as the noren_consent cookie carries it:
//
//	1.<receipt>.<unix seconds given>.<consent version>.<policy short hash>.<categories>.<tools>
//
// where categories and tools are lists like "analytics:1|advertising:0" of
// every category and tool that needed consent when the choice was made (1
// accepted, 0 refused), empty when there were none.
type Choice struct {
	// Receipt identifies the choice and its Record.
	Receipt string
	// Given is when the choice was made, to the second.
	Given time.Time
	// Version is the consent version (see Version) the choice was made
	// under, and Policy the manifest's short hash then.
	Version, Policy string
	// Categories and Tools hold the decision on every category and tool
	// that needed consent then.
	Categories, Tools map[string]bool
}

// ParseCookie reads the value of a noren_consent cookie.
func ParseCookie(value string) (Choice, error) {
	if len(value) > maxCookieValue {
		return Choice{}, fmt.Errorf("consent: cookie: %d bytes, at most %d", len(value), maxCookieValue)
	}
	f := strings.Split(value, ".")
	if len(f) != 7 {
		return Choice{}, fmt.Errorf("consent: cookie: %d fields, want 7", len(f))
	}
	if f[0] != cookieFormat {
		return Choice{}, fmt.Errorf("consent: cookie: unknown format %q", f[0])
	}
	var c Choice
	if !validReceipt(f[1]) {
		return Choice{}, errors.New("consent: cookie: bad receipt")
	}
	c.Receipt = f[1]
	sec, err := parseSeconds(f[2])
	if err != nil {
		return Choice{}, fmt.Errorf("consent: cookie: time given: %w", err)
	}
	c.Given = time.Unix(sec, 0).UTC()
	if !isShortHash(f[3]) {
		return Choice{}, errors.New("consent: cookie: bad consent version")
	}
	c.Version = f[3]
	if !isShortHash(f[4]) {
		return Choice{}, errors.New("consent: cookie: bad policy hash")
	}
	c.Policy = f[4]
	if c.Categories, err = parseDecisions(f[5]); err != nil {
		return Choice{}, fmt.Errorf("consent: cookie: categories: %w", err)
	}
	if c.Tools, err = parseDecisions(f[6]); err != nil {
		return Choice{}, fmt.Errorf("consent: cookie: tools: %w", err)
	}
	return c, nil
}

// CookieValue writes c as the value of a noren_consent cookie, with the
// decisions in id order.
func (c Choice) CookieValue() string {
	var b strings.Builder
	b.Grow(64 + 24*(len(c.Categories)+len(c.Tools)))
	b.WriteString(cookieFormat)
	b.WriteByte('.')
	b.WriteString(c.Receipt)
	b.WriteByte('.')
	b.WriteString(strconv.FormatInt(c.Given.Unix(), 10))
	b.WriteByte('.')
	b.WriteString(c.Version)
	b.WriteByte('.')
	b.WriteString(c.Policy)
	b.WriteByte('.')
	writeDecisions(&b, c.Categories)
	b.WriteByte('.')
	writeDecisions(&b, c.Tools)
	return b.String()
}

func writeDecisions(b *strings.Builder, d map[string]bool) {
	for i, id := range slices.Sorted(maps.Keys(d)) {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(id)
		if d[id] {
			b.WriteString(":1")
		} else {
			b.WriteString(":0")
		}
	}
}

func parseDecisions(s string) (map[string]bool, error) {
	d := make(map[string]bool, strings.Count(s, "|")+1)
	if s == "" {
		return d, nil
	}
	for entry := range strings.SplitSeq(s, "|") {
		id, v, ok := strings.Cut(entry, ":")
		if !ok || !validID(id) {
			return nil, fmt.Errorf("bad entry %q", entry)
		}
		if _, dup := d[id]; dup {
			return nil, fmt.Errorf("%q given twice", id)
		}
		switch v {
		case "1":
			d[id] = true
		case "0":
			d[id] = false
		default:
			return nil, fmt.Errorf("bad decision %q for %q, want 0 or 1", v, id)
		}
	}
	return d, nil
}

// parseSeconds reads a whole number of seconds written without sign or
// leading zeros, so that a value has one spelling only.
func parseSeconds(s string) (int64, error) {
	if s == "" || len(s) > 12 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("bad number %q", s)
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("bad number %q", s)
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// validID reports whether s is a manifest id: [a-z0-9][a-z0-9_-]{0,63}.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '-' || c == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

func isShortHash(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// validReceipt reports whether s is a receipt: 16 bytes in canonical
// unpadded base64url.
func validReceipt(s string) bool {
	if len(s) != receiptLen {
		return false
	}
	// The decoder skips line breaks, so the alphabet is checked first.
	for i := range len(s) {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

// newReceipt returns a fresh random receipt. It never starts with '-', so
// that a spreadsheet opening the CSV export cannot take one for a formula.
func newReceipt() string {
	for {
		var b [16]byte
		rand.Read(b[:])
		if s := base64.RawURLEncoding.EncodeToString(b[:]); s[0] != '-' {
			return s
		}
	}
}

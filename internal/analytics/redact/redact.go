// Package redact removes personal data from the free text an analytics
// event carries before it is stored. Page paths, referrers, campaign tags,
// custom properties, site-search terms, link targets and event names are
// written by visitors and by whoever calls the collector, so they can hold
// anything: Text finds IP addresses, e-mail addresses, long runs of digits
// (phone and card numbers) and user-agent strings in them and replaces each
// with a marker ("[ip]", "[email]", "[number]", "[ua]").
//
// The rules are deliberately few and predictable, so that an operator can
// tell in advance what is kept; they are described with each Kind and in
// docs/analytics.md. Text reads percent-encoded bytes (%40, %2E, %3A …) and
// full-width characters (＠, １, ．, －, the ideographic space) as the ASCII
// they stand for, and dashes (‐, −, ー) as "-", so that encoding or
// typing an address the Japanese way does not hide it.
//
// Text is written for the collector's hot path: it uses no regular
// expressions, and text without anything to redact is returned unchanged
// without allocating.
package redact

import "strings"

// Kind is a kind of personal data that Text replaces.
type Kind int

// The kinds of personal data, in the order Text looks for them: an e-mail
// address is found before the digits of its local part could be taken for
// a number, and a user agent before its version numbers could be taken for
// IPv4 addresses.
const (
	// Email is an e-mail address: "@" followed by a domain of at least
	// two labels whose last is two or more letters, together with the
	// local part before it (ASCII letters, digits, ".", "_", "+", "-"),
	// which may be empty, so that "@example.com" after a name in another
	// script goes too. Replaced by "[email]".
	Email Kind = iota
	// Agent is a user-agent string: a product token Name/Version (a
	// version starting with a digit) that is "Mozilla" or "Opera" (as
	// every browser's user agent begins), or a known HTTP client
	// ("curl/8.1", "python-requests/2.31" …), or that is followed by a
	// comment in parentheses or by another product token, together with
	// the comments, products and words that follow. A product token
	// right after "/" counts only for Mozilla and Opera, so that paths
	// such as /downloads/curl/8.1/ are kept. Replaced by "[ua]".
	Agent
	// IP is an IPv4 address (four dot-separated numbers of at most three
	// digits, each at most 255, leading zeros allowed) or an IPv6 address
	// (compressed, IPv4-mapped, with a port after it or in brackets) of
	// at least two groups holding a digit, so that words such as
	// "dead::beef" are kept. Loopback and unspecified addresses
	// (127.0.0.1, ::1, 0.0.0.0) are no one's and are kept too. Replaced
	// by "[ip]".
	IP
	// Number is a run of digits that may be broken by up to three
	// spaces, hyphens or parentheses between groups ("03-1234-5678",
	// "(03) 1234 5678", "+81-90-1234-5678", "4111 1111 1111 1111"):
	// twelve digits or more always; ten or eleven when the run starts
	// with 0, "+" or "(" or is written in groups, as phone numbers are.
	// Dates written YYYY-MM-DD break a run and are kept, and so is the
	// first or last stretch of a run (its groups up to a space) when it
	// is joined to a letter, "_" or a decimal point, as in identifiers
	// such as UUIDs and in decimals. Replaced by "[number]".
	Number
	numKinds
)

// Kinds returns every kind, in the order Text looks for them.
func Kinds() []Kind { return []Kind{Email, Agent, IP, Number} }

// String returns the kind's name, the marker without its brackets: "ip",
// "email", "number" or "ua".
func (k Kind) String() string {
	switch k {
	case Email:
		return "email"
	case Agent:
		return "ua"
	case IP:
		return "ip"
	case Number:
		return "number"
	}
	return "unknown"
}

// Marker returns the text that replaces data of the kind.
func (k Kind) Marker() string {
	switch k {
	case Email:
		return "[email]"
	case Agent:
		return "[ua]"
	case IP:
		return "[ip]"
	case Number:
		return "[number]"
	}
	return "[redacted]"
}

// Counts tallies replacements by kind: Counts[IP] is how many IP addresses
// were replaced.
type Counts [numKinds]int

// Total returns the number of replacements of every kind.
func (c *Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// maxRounds bounds how often Text runs its rules over its own output. A
// replacement can join what surrounds it into something a rule finds; the
// rules run again until nothing changes, which takes one round for almost
// any text and two for a dirty one.
const maxRounds = 4

// Text returns s with every e-mail address, user-agent string, IP address
// and long digit run replaced by its kind's marker, and adds the
// replacements to n, which may be nil. Text that holds none is returned as
// it is, without allocating.
func Text(s string, n *Counts) string {
	h := hints(s)
	for range maxRounds {
		if h == 0 {
			break
		}
		out, changed := round(s, h, n)
		if !changed {
			break
		}
		s, h = out, hints(out)
	}
	return s
}

// span is a stretch of the text as the rules read it, [start, end), that
// holds personal data of kind.
type span struct {
	start, end int
	kind       Kind
}

// round runs the rule of each kind in the hints h of s once over s, each
// on the output of the one before.
func round(s string, h uint, n *Counts) (string, bool) {
	var buf [8]span
	changed := false
	var v view
	fresh := false
	for k := range numKinds {
		if h&(1<<k) == 0 {
			continue
		}
		if !fresh {
			v = newView(s)
			fresh = true
		}
		spans := find(k, v.s, buf[:0])
		if len(spans) == 0 {
			continue
		}
		s = v.replace(s, spans, n)
		changed, fresh = true, false
		h = hints(s)
	}
	return s, changed
}

// hints returns a set of the kinds whose rule could find something in s,
// bit k for kind k: an "@" for Email, a "/" followed by a digit for Agent,
// three dots and four digits or two colons for IP, phoneDigits digits for
// Number. One quick pass spares most texts the rules' scans and the view's
// decoding.
func hints(s string) uint {
	var h uint
	digits, dots, colons := 0, 0, 0
	slash := false
	for i := 0; i < len(s); {
		c, w := s[i], 1
		switch {
		case c > '@' && c < 0xe2:
			// Letters, most punctuation and most of any script
			// other than Latin: nothing a rule starts from.
			slash = false
			i++
			continue
		case c == '%' || c >= 0xe2:
			c, w = unit(s, i)
		}
		switch {
		case c == '@':
			h |= 1 << Email
		case c == '.':
			dots++
		case c == ':':
			colons++
		case isDigit(c):
			digits++
			if slash {
				h |= 1 << Agent
			}
		}
		slash = c == '/'
		i += w
	}
	if dots >= 3 && digits >= 4 || colons >= 2 {
		h |= 1 << IP
	}
	if digits >= phoneDigits {
		h |= 1 << Number
	}
	return h
}

// find appends to spans, in order, the spans of kind k in the text v as
// the rules read it.
func find(k Kind, v string, spans []span) []span {
	switch k {
	case Email:
		return findEmails(v, spans)
	case Agent:
		return findAgents(v, spans)
	case IP:
		return findAddrs(v, spans)
	case Number:
		return findNumbers(v, spans)
	}
	return spans
}

// view is a text as the rules read it: percent-encoded bytes decoded,
// full-width ASCII as ASCII, the ideographic space as a space and dashes
// as "-". Every byte of s stands for one byte or one encoded character of
// the original.
type view struct {
	s string
	// off[i] is the offset in the original of the character s[i]
	// stands for, and off[len(s)] the original's length; nil when s is
	// the original.
	off []int
}

// newView returns the view of s, which is s itself when nothing in it is
// encoded.
func newView(s string) view {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c == '%' || c >= 0xe2 {
			if _, w := unit(s, i); w > 1 {
				break
			}
		}
	}
	if i == len(s) {
		return view{s: s}
	}
	b := make([]byte, 0, len(s))
	off := make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		c, w := unit(s, i)
		b = append(b, c)
		off = append(off, i)
		i += w
	}
	off = append(off, len(s))
	return view{s: string(b), off: off}
}

// unit returns the byte the rules read at s[i] and how many bytes of s it
// stands for.
func unit(s string, i int) (byte, int) {
	c := s[i]
	if i+2 >= len(s) {
		return c, 1
	}
	c1, c2 := s[i+1], s[i+2]
	switch c {
	case '%':
		if isHex(c1) && isHex(c2) {
			return unhex(c1)<<4 | unhex(c2), 3
		}
	case 0xef: // U+FF01–U+FF5E, full-width ASCII
		switch {
		case c1 == 0xbc && c2 >= 0x81 && c2 <= 0xbf:
			return c2 - 0x60, 3
		case c1 == 0xbd && c2 >= 0x80 && c2 <= 0x9e:
			return c2 - 0x20, 3
		}
	case 0xe2: // U+2010–U+2015 hyphens and dashes, U+2212 minus
		if c1 == 0x80 && c2 >= 0x90 && c2 <= 0x95 || c1 == 0x88 && c2 == 0x92 {
			return '-', 3
		}
	case 0xe3:
		switch {
		case c1 == 0x80 && c2 == 0x80: // U+3000 ideographic space
			return ' ', 3
		case c1 == 0x83 && c2 == 0xbc: // U+30FC, often typed for a dash
			return '-', 3
		}
	}
	return c, 1
}

// replace returns the original s with the spans of the view replaced by
// their markers, counting them in n.
func (v view) replace(s string, spans []span, n *Counts) string {
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, sp := range spans {
		start, end := sp.start, sp.end
		if v.off != nil {
			start, end = v.off[start], v.off[end]
		}
		b.WriteString(s[last:start])
		b.WriteString(sp.kind.Marker())
		last = end
		if n != nil {
			n[sp.kind]++
		}
	}
	b.WriteString(s[last:])
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isHex(c byte) bool { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

func unhex(c byte) byte {
	if isDigit(c) {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

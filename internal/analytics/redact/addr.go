package redact

import (
	"net/netip"
	"strings"
)

// isAddr reports whether c may be part of an IP address as written.
func isAddr(c byte) bool { return isHex(c) || c == ':' || c == '.' }

// findAddrs appends the IP addresses in v to spans. It reads v as runs of
// hexadecimal digits, colons and dots: a run with two colons or more may
// be an IPv6 address; otherwise, or when it is not one, the runs of
// decimal digits and dots within it may be IPv4 addresses.
func findAddrs(v string, spans []span) []span {
	for i := 0; i < len(v); {
		if !isAddr(v[i]) {
			i++
			continue
		}
		end, colons := i, 0
		for end < len(v) && isAddr(v[end]) {
			if v[end] == ':' {
				colons++
			}
			end++
		}
		if colons >= 2 {
			if start, stop, ok := ipv6(v, i, end); ok {
				spans = append(spans, span{start, stop, IP})
				i = end
				continue
			}
		}
		spans = ipv4s(v, i, end, spans)
		i = end
	}
	return spans
}

// ipv6 returns the IPv6 address that v[start:end] holds, less dots around
// it and a colon before or after it (as in "host:2001:db8::1:" of a log
// line), when there is one.
func ipv6(v string, start, end int) (int, int, bool) {
	for start < end && v[start] == '.' {
		start++
	}
	for end > start && v[end-1] == '.' {
		end--
	}
	// A compressed address has "::"; a full one has seven colons, or six
	// before an IPv4 address. Times such as 12:30:45 have neither and
	// need no parsing.
	if s := v[start:end]; !strings.Contains(s, "::") && strings.Count(s, ":") < 6 {
		return 0, 0, false
	}
	for _, trim := range [...]struct{ start, end int }{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
		a, b := start+trim.start, end-trim.end
		if a >= b || trim.start == 1 && v[start] != ':' || trim.end == 1 && v[end-1] != ':' {
			continue
		}
		if isIPv6(v[a:b]) {
			return a, b, true
		}
	}
	return 0, 0, false
}

// isIPv6 reports whether s is an IPv6 address of two groups or more, one
// of them with a digit, other than the unspecified and loopback addresses:
// "dead::beef" is a word and "::1" is no one's.
func isIPv6(s string) bool {
	addr, err := netip.ParseAddr(s)
	if err != nil || !addr.Is6() || addr.IsUnspecified() || addr.IsLoopback() {
		return false
	}
	groups, digit := 0, false
	for g := range strings.SplitSeq(s, ":") {
		if g != "" {
			groups++
		}
		digit = digit || strings.ContainsAny(g, "0123456789")
	}
	return groups >= 2 && digit
}

// ipv4s appends the IPv4 addresses among the runs of digits and dots in
// v[start:end] to spans.
func ipv4s(v string, start, end int, spans []span) []span {
	for i := start; i < end; {
		if !isDigit(v[i]) && v[i] != '.' {
			i++
			continue
		}
		run := i
		for i < end && (isDigit(v[i]) || v[i] == '.') {
			i++
		}
		a, b := run, i
		for a < b && v[a] == '.' {
			a++
		}
		for b > a && v[b-1] == '.' {
			b--
		}
		if isIPv4(v[a:b]) {
			spans = append(spans, span{a, b, IP})
		}
	}
	return spans
}

// isIPv4 reports whether s is four dot-separated decimal numbers of one to
// three digits, each at most 255, other than a loopback address
// (127.0.0.0/8) or 0.0.0.0, which are no one's.
func isIPv4(s string) bool {
	parts, first, sum := 0, 0, 0
	for part := range strings.SplitSeq(s, ".") {
		parts++
		if parts > 4 || part == "" || len(part) > 3 {
			return false
		}
		n := 0
		for i := 0; i < len(part); i++ {
			n = n*10 + int(part[i]-'0')
		}
		if n > 255 {
			return false
		}
		if parts == 1 {
			first = n
		}
		sum += n
	}
	return parts == 4 && first != 127 && sum != 0
}

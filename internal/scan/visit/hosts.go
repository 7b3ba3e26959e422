package visit

import (
	"net/url"
	"strings"
)

// maxURL is the longest request URL kept; a longer one is cut, since
// what matters is where it went.
const maxURL = 512

// hostOf returns the lower-case host name of raw without a port, or ""
// for an address that is not http(s) or ws(s).
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
		return strings.ToLower(u.Hostname())
	}
	return ""
}

// maxKey is the longest cookie name, storage key or domain kept from a
// page's note.
const maxKey = 256

// cutURL shortens raw to maxURL bytes without splitting a UTF-8 sequence.
func cutURL(raw string) string { return cutText(raw, maxURL) }

// cutText shortens s to n bytes without splitting a UTF-8 sequence.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// cookieDomain is a cookie's domain as a host name: lower case, without
// the leading dot of a domain cookie.
func cookieDomain(d string) string {
	return strings.TrimLeft(strings.ToLower(d), ".")
}

// sameSite reports whether a cookie of domain d belongs to host: d is the
// host itself or a domain the host is under.
func sameSite(d, host string) bool {
	d = cookieDomain(d)
	return d == host || strings.HasSuffix(host, "."+d)
}

// stripFragment drops the fragment and the line and column that a stack
// frame's URL may carry, keeping the script's address.
func stripFragment(raw string) string {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	return raw
}

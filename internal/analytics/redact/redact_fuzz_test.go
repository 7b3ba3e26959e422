package redact

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// The oracles below restate the rules with regular expressions, apart from
// the scanners they check.
var (
	// oracleEmail matches what Email describes.
	oracleEmail = regexp.MustCompile(`@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:[^A-Za-z0-9-]|$)`)
	// oracleDotted matches the runs IPv4 addresses are looked for in.
	oracleDotted = regexp.MustCompile(`[0-9.]+`)
	// oracleHex matches the runs IPv6 addresses are looked for in.
	oracleHex = regexp.MustCompile(`[0-9A-Fa-f:.]+`)
)

// decoded returns s as the rules read it, written apart from view: escapes
// decoded, full-width ASCII as ASCII, the ideographic space as a space,
// dashes as "-".
func decoded(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '%' && i+2 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= 0xff01 && r <= 0xff5e:
			b.WriteByte(byte(r - 0xfee0))
		case r == 0x3000:
			b.WriteByte(' ')
		case r >= 0x2010 && r <= 0x2015, r == 0x2212, r == 0x30fc:
			b.WriteByte('-')
		default:
			b.WriteString(s[i : i+w])
		}
		i += w
	}
	return b.String()
}

// leftovers returns what the oracles still find in s: IPv4 and IPv6
// addresses and e-mail addresses.
func leftovers(s string) []string {
	v := decoded(s)
	var found []string
	for _, run := range oracleDotted.FindAllString(v, -1) {
		run = strings.Trim(run, ".")
		parts := strings.Split(run, ".")
		if len(parts) != 4 {
			continue
		}
		ok, octets := true, make([]int, 4)
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			ok = ok && err == nil && len(p) <= 3 && n <= 255
			octets[i] = n
		}
		// Loopback and unspecified addresses are no one's.
		if ok && octets[0] != 127 && octets[0]+octets[1]+octets[2]+octets[3] != 0 {
			found = append(found, run)
		}
	}
	for _, run := range oracleHex.FindAllString(v, -1) {
		run = strings.Trim(run, ".")
		trimmed := strings.TrimPrefix(run, ":")
		for _, c := range []string{run, strings.TrimSuffix(run, ":"), trimmed, strings.TrimSuffix(trimmed, ":")} {
			addr, err := netip.ParseAddr(c)
			if err != nil || !addr.Is6() || addr.IsUnspecified() || addr.IsLoopback() {
				continue
			}
			groups := 0
			for _, g := range strings.Split(c, ":") {
				if g != "" {
					groups++
				}
			}
			if groups >= 2 && strings.ContainsAny(c, "0123456789") {
				found = append(found, c)
			}
		}
	}
	found = append(found, oracleEmail.FindAllString(v, -1)...)
	return found
}

// secrets are personal data of every kind, each of which must be gone
// from any text that holds it between spaces.
var secrets = []string{
	"192.168.1.1", "203.0.113.77", "2001:db8:85a3::8a2e:370:7334", "::ffff:198.51.100.9", "fe80::1",
	"taro.yamada+news@example.co.jp", "hanako%40example.com",
	"03-1234-5678", "090-1234-5678", "+81-90-1234-5678", "4111 1111 1111 1111", "０９０－１２３４－５６７８",
	chrome, "curl/8.1", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
}

// FuzzText checks Text's promises on any text: no panic, valid UTF-8 stays
// valid, redacting twice changes nothing, counts match the changes, the
// oracles find nothing left, and every secret placed between spaces is
// gone whatever surrounds it (unless what surrounds it holds it too, as
// "A090-1234-5678" does, an identifier kept by design).
func FuzzText(f *testing.F) {
	f.Add("/user/192.168.1.1/", "")
	f.Add("taro@example.com", "utm")
	f.Add(chrome, "/ua/")
	f.Add("090-1234-5678", "(03) ")
	f.Add("2026-12-07 10:30", "a716-")
	f.Add("2001%3Adb8%3A%3A1", "%40")
	f.Fuzz(func(t *testing.T, s, around string) {
		var n Counts
		out := Text(s, &n)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("Text(%q) = %q, not UTF-8", s, out)
		}
		if again := Text(out, nil); again != out {
			t.Fatalf("Text(%q) = %q, and again %q", s, out, again)
		}
		if (out != s) != (n.Total() > 0) {
			t.Fatalf("Text(%q) = %q with counts %v", s, out, n)
		}
		if left := leftovers(out); len(left) > 0 {
			t.Fatalf("Text(%q) = %q still holds %q", s, out, left)
		}
		for _, secret := range secrets {
			if strings.Contains(s, secret) || strings.Contains(around, secret) {
				continue
			}
			in := around + " " + secret + " " + s
			if out := Text(in, nil); strings.Contains(out, secret) {
				t.Fatalf("Text(%q) = %q keeps %q", in, out, secret)
			}
		}
	})
}

package visit

import (
	"strings"
	"testing"
)

// FuzzParseSetCookie checks the reading of Set-Cookie lines, which come
// from any server a scanned page contacts.
func FuzzParseSetCookie(f *testing.F) {
	f.Add("sid=abc; Path=/; HttpOnly")
	f.Add("_ga=GA1.2; Domain=.Example.com")
	f.Fuzz(func(t *testing.T, line string) {
		name, domain, ok := parseSetCookie(line)
		if !ok {
			if name != "" || domain != "" {
				t.Fatalf("parseSetCookie(%q) = %q, %q without ok", line, name, domain)
			}
			return
		}
		if name == "" || strings.ContainsAny(name, ";=") || name != strings.TrimSpace(name) {
			t.Fatalf("parseSetCookie(%q): name %q", line, name)
		}
		if strings.HasPrefix(domain, ".") || domain != strings.ToLower(domain) {
			t.Fatalf("parseSetCookie(%q): domain %q", line, domain)
		}
		s := newSetters()
		s.responseCookies("https://example.org/", line)
	})
}

// FuzzNote checks the reading of the notes a page's frames send, which a
// page's own scripts can forge.
func FuzzNote(f *testing.F) {
	f.Add(`{"t":"cookie","k":"_ga","d":"example.org","s":"https://example.org/a.js","o":"https://example.org"}`)
	f.Add(`{"t":"local_storage","k":"","s":"x"}`)
	f.Fuzz(func(t *testing.T, payload string) {
		tb := &tab{set: newSetters()}
		tb.note(payload)
		for k, by := range tb.set.cookies {
			if by.url == "" || len(by.url) > maxURL || strings.HasPrefix(k, "\x00") {
				t.Fatalf("note(%q) kept %q: %+v", payload, k, by)
			}
		}
	})
}

package visit

import (
	"errors"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
)

func TestParseSetCookie(t *testing.T) {
	tests := []struct {
		line, name, domain string
		ok                 bool
	}{
		{"sid=abc; Path=/; HttpOnly", "sid", "", true},
		{" _ga = GA1.2 ; Domain=.Example.COM; Max-Age=60", "_ga", "example.com", true},
		{"a=b;domain=shop.example.org", "a", "shop.example.org", true},
		{"empty=", "empty", "", true},
		{"novalue", "", "", false},
		{"=value", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		name, domain, ok := parseSetCookie(tt.line)
		if name != tt.name || domain != tt.domain || ok != tt.ok {
			t.Errorf("parseSetCookie(%q) = %q, %q, %v; want %q, %q, %v", tt.line, name, domain, ok, tt.name, tt.domain, tt.ok)
		}
	}
}

func TestResponseCookies(t *testing.T) {
	s := newSetters()
	s.responseCookies("https://www.example.org/a?b=c", "sid=1; Path=/\n_ga=2; Domain=.example.org\nbad")
	s.responseCookies("https://other.example/", "sid=2")
	tests := []struct {
		name, domain, url string
		ok                bool
	}{
		{"sid", "www.example.org", "https://www.example.org/a?b=c", true},
		{"_ga", ".example.org", "https://www.example.org/a?b=c", true},
		{"sid", "other.example", "https://other.example/", true},
		{"bad", "www.example.org", "", false},
	}
	for _, tt := range tests {
		by, ok := s.cookieSetter(tt.name, tt.domain)
		if ok != tt.ok || by.url != tt.url || ok && by.kind != setByResponse {
			t.Errorf("setter of %s on %s = %+v, %v; want %q, %v", tt.name, tt.domain, by, ok, tt.url, tt.ok)
		}
	}
	// The first setter stays: a later write of the same cookie is a
	// page using what was set, not what set it.
	s.cookie("sid", "www.example.org", setter{url: "https://www.example.org/late.js", kind: setByScript})
	if by, _ := s.cookieSetter("sid", "www.example.org"); by.kind != setByResponse {
		t.Errorf("a later script replaced the first setter: %+v", by)
	}
}

func TestHosts(t *testing.T) {
	hosts := map[string]string{
		"https://WWW.Example.org:8443/x": "www.example.org",
		"http://127.0.0.2:80/":           "127.0.0.2",
		"wss://live.example/socket":      "live.example",
		"http://[::1]:8080/":             "::1",
		"data:text/plain,hi":             "",
		"blob:https://example.org/1":     "",
		"::":                             "",
	}
	for in, want := range hosts {
		if got := hostOf(in); got != want {
			t.Errorf("hostOf(%q) = %q, want %q", in, got, want)
		}
	}
	same := []struct {
		domain, host string
		want         bool
	}{
		{"example.org", "example.org", true},
		{".example.org", "www.example.org", true},
		{"EXAMPLE.org", "www.example.org", true},
		{"www.example.org", "example.org", false},
		{"ample.org", "example.org", false},
		{".tracker.example", "example.org", false},
	}
	for _, tt := range same {
		if got := sameSite(tt.domain, tt.host); got != tt.want {
			t.Errorf("sameSite(%q, %q) = %v, want %v", tt.domain, tt.host, got, tt.want)
		}
	}
	long := "https://example.org/" + strings.Repeat("あ", 300)
	if got := cutURL(long); len(got) > maxURL || !strings.HasPrefix(long, got) || !strings.HasSuffix(got, "あ") {
		t.Errorf("cutURL cut %d bytes to %d, ending %q", len(long), len(got), got[len(got)-4:])
	}
}

func TestInitiatorURL(t *testing.T) {
	const doc = "https://example.org/page"
	tests := []struct {
		name string
		in   network.Initiator
		want string
	}{
		{"the initiator's own", network.Initiator{Type: network.InitiatorTypeParser, URL: "https://example.org/page#top"}, "https://example.org/page"},
		{"the innermost script", network.Initiator{Type: network.InitiatorTypeScript, Stack: &runtime.StackTrace{
			CallFrames: []*runtime.CallFrame{{URL: ""}, {URL: "https://cdn.example/tag.js"}, {URL: "https://example.org/app.js"}},
		}}, "https://cdn.example/tag.js"},
		{"a parent stack", network.Initiator{Type: network.InitiatorTypeScript, Stack: &runtime.StackTrace{
			Parent: &runtime.StackTrace{CallFrames: []*runtime.CallFrame{{URL: "https://cdn.example/async.js"}}},
		}}, "https://cdn.example/async.js"},
		{"markup without a URL", network.Initiator{Type: network.InitiatorTypeParser}, doc},
		{"nothing known", network.Initiator{Type: network.InitiatorTypeOther}, ""},
	}
	for _, tt := range tests {
		if got := initiatorURL(&tt.in, doc); got != tt.want {
			t.Errorf("%s: initiatorURL = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestNote(t *testing.T) {
	tb := &tab{set: newSetters()}
	notes := []string{
		`{"t":"cookie","k":"_ga","d":"example.org","s":"https://www.googletagmanager.com/gtag/js","o":"https://example.org"}`,
		`{"t":"local_storage","k":"seen","s":"https://example.org/app.js#x","o":"https://example.org"}`,
		`{"t":"indexed_db","k":"db","s":"","o":"https://example.org"}`, // no script: nothing to note
		`{"t":"other","k":"x","s":"https://example.org/a.js"}`,
		`not json`,
	}
	for _, n := range notes {
		tb.note(n)
	}
	if by, ok := tb.set.cookieSetter("_ga", ".example.org"); !ok || by.kind != setByScript || by.url != "https://www.googletagmanager.com/gtag/js" {
		t.Errorf("_ga setter: %+v, %v", by, ok)
	}
	if got := tb.set.storeSetter(LocalStorage, "https://example.org", "seen"); got != "https://example.org/app.js" {
		t.Errorf("seen setter: %q", got)
	}
	if got := tb.set.storeSetter(IndexedDB, "https://example.org", "db"); got != "" {
		t.Errorf("db setter: %q, want none", got)
	}
}

func TestFindBrowser(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := FindBrowser("")
	if !errors.Is(err, ErrNoBrowser) || !strings.Contains(err.Error(), "apt install chromium") {
		t.Errorf("FindBrowser on an empty PATH: %v; want ErrNoBrowser naming Debian's package", err)
	}
	if _, err := FindBrowser("no-such-browser"); !errors.Is(err, ErrNoBrowser) {
		t.Errorf("FindBrowser(no-such-browser): %v; want ErrNoBrowser", err)
	}
}

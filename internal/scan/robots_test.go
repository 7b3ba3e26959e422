package scan

import (
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/robots"
)

// TestRobots checks the rules the scanner obeys under its own token; the
// parser's own cases are in the robots package.
func TestRobots(t *testing.T) {
	const txt = `# comment
User-agent: *
Disallow: /private/
Disallow: /*.php$
Allow: /private/open/

User-agent: Other-bot
Disallow: /

Sitemap: https://www.example.jp/sitemap-a.xml
`
	r := robots.Parse(strings.NewReader(txt), Agent)
	tests := []struct {
		path string
		want bool
	}{
		{"/", true},
		{"/private/x", false},
		{"/private/open/x", true},
		{"/index.php", false},
		{"/index.php?x=1", true},
		{"/robots.txt", true},
	}
	for _, tt := range tests {
		if got := r.Allowed(tt.path); got != tt.want {
			t.Errorf("Allowed(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if want := []string{"https://www.example.jp/sitemap-a.xml"}; !slices.Equal(r.Sitemaps(), want) {
		t.Errorf("sitemaps = %v, want %v", r.Sitemaps(), want)
	}
	// A group for the scanner's own token replaces the * group.
	own := robots.Parse(strings.NewReader("User-agent: *\nDisallow: /\n\nUser-agent: noren-scan\nDisallow: /secret\n"), Agent)
	if !own.Allowed("/page") || own.Allowed("/secret/x") {
		t.Error("the scanner's own group does not decide")
	}
	// RFC 9309 matches product tokens whole: a group for "noren" is not
	// the scanner's, though its token starts with it.
	other := robots.Parse(strings.NewReader("User-agent: noren\nDisallow: /\n"), Agent)
	if !other.Allowed("/page") {
		t.Error("a group for another token decides")
	}
}

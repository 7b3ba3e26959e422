package verdict

import (
	"testing"

	"github.com/noren-web/noren/internal/manifest"
)

// FuzzParseRetention checks that any retention text of a cookie database
// either gives a duration the manifest reads back the same, or none.
func FuzzParseRetention(f *testing.F) {
	for _, s := range []string{"2 years", "Session", "30 seconds till 1 year", "90 Days", "forever"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetention(s)
		if !ok {
			return
		}
		back, err := manifest.ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("parseRetention(%q) = %q, which reads back as %v, %v", s, d, back, err)
		}
	})
}

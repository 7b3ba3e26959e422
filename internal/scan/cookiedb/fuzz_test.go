package cookiedb

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzLoad checks that any input either loads into a database whose
// entries Lookup finds again, or fails with an error, never a panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("\ufeff" + strings.ReplaceAll(sample, "\n", "\r\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		db, err := Load(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			return
		}
		for _, e := range db.entries {
			if e.Name == "" {
				t.Fatalf("entry without a name: %+v", e)
			}
			got, ok := db.Lookup(e.Name, e.Domain)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", e.Name)
			}
			if e.Wildcard && !strings.HasPrefix(e.Name, got.Name) {
				t.Fatalf("Lookup(%q) = %q, not a prefix", e.Name, got.Name)
			}
		}
	})
}

package audit_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/noren-web/noren/internal/audit"
)

// FuzzVerifyExport feeds VerifyExport arbitrary files, which come from
// outside: it must never panic, and what it calls intact must hang
// together.
func FuzzVerifyExport(f *testing.F) {
	if golden, err := os.ReadFile(filepath.Join("testdata", "export.jsonl")); err == nil {
		f.Add(golden)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := audit.VerifyExport(bytes.NewReader(data))
		if err != nil {
			return
		}
		if rep.Problem != nil {
			if rep.Problem.Kind == "" || rep.Problem.Message == "" {
				t.Errorf("problem without a kind or message: %+v", rep.Problem)
			}
			return
		}
		switch {
		case rep.Entries == 0 && (rep.First != 0 || rep.Head.Seq != 0):
			t.Errorf("no entries but %+v", rep)
		case rep.Entries > 0 && rep.Head.Seq != rep.First+rep.Entries-1:
			t.Errorf("intact export of %d entries from %d ends at %d", rep.Entries, rep.First, rep.Head.Seq)
		}
		if _, err := audit.ParseHead(rep.Head.String()); err != nil {
			t.Errorf("the reported head %s does not parse: %v", rep.Head, err)
		}
	})
}

// FuzzParseHead feeds ParseHead arbitrary text, as given on the command
// line: it must never panic, and what it accepts must print back the same.
func FuzzParseHead(f *testing.F) {
	f.Add("42:8fc77df79073431740a7e25612840215388ce78e4d56031bdbcce01067f35591")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := audit.ParseHead(s)
		if err != nil {
			return
		}
		again, err := audit.ParseHead(h.String())
		if err != nil || again != h {
			t.Errorf("ParseHead(%q) = %v, which reads back as %v, %v", s, h, again, err)
		}
	})
}

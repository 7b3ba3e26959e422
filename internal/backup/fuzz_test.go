package backup_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/noren-web/noren/internal/backup"
)

// FuzzExtract feeds Extract arbitrary files, which come from outside: it
// must never panic, never write outside its folder, and what it accepts
// must read back with the same metadata.
func FuzzExtract(f *testing.F) {
	f.Add(sampleArchive(f, false))
	f.Add(sampleArchive(f, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "x")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		meta, names, err := backup.Extract(bytes.NewReader(data), dir)
		entries, _ := os.ReadDir(parent)
		if len(entries) != 1 {
			t.Fatalf("Extract wrote beside its folder: %v", entries)
		}
		if err != nil {
			return
		}
		for _, n := range names {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(n))); err != nil {
				t.Errorf("entry %q reported but not written: %v", n, err)
			}
		}
		again, err := backup.ReadMetadata(bytes.NewReader(data))
		if err != nil || again != meta {
			t.Errorf("ReadMetadata after Extract: %+v, %v; Extract said %+v", again, err, meta)
		}
	})
}

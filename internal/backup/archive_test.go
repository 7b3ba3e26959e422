package backup_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/backup"
)

// sampleMetadata is the metadata of the archives these tests write.
func sampleMetadata() backup.Metadata {
	return backup.Metadata{
		Created:      time.Date(2026, 12, 8, 1, 2, 3, 0, time.UTC),
		NorenVersion: "test",
		Database:     "sqlite",
		AuditHead:    "3:" + strings.Repeat("ab", 32),
		ManifestHash: strings.Repeat("cd", 32),
		Manifest:     backup.ManifestDir + "manifest.yaml",
	}
}

// sampleArchive writes an archive of a database, a manifest and a data
// file.
func sampleArchive(t testing.TB, compress bool) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := backup.NewWriter(&b, sampleMetadata(), compress)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		backup.SQLiteName:                    "SQLite format 3\x00 pretend",
		backup.ManifestDir + "manifest.yaml": "site:\n  name: テスト\n",
		backup.DataDir + "logs/access.log":   "one line\n",
	} {
		if err := w.AddBytes(name, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestArchiveRoundTrip(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(map[bool]string{false: "tar", true: "gzip"}[compress], func(t *testing.T) {
			data := sampleArchive(t, compress)
			meta, err := backup.ReadMetadata(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			want := sampleMetadata()
			want.Format, want.Version = backup.Format, backup.Version
			if meta != want {
				t.Errorf("metadata %+v, want %+v", meta, want)
			}
			dir := t.TempDir()
			meta, names, err := backup.Extract(bytes.NewReader(data), dir)
			if err != nil {
				t.Fatal(err)
			}
			if meta != want || len(names) != 3 {
				t.Errorf("Extract: %+v %v", meta, names)
			}
			got, err := os.ReadFile(filepath.Join(dir, "data", "logs", "access.log"))
			if err != nil || string(got) != "one line\n" {
				t.Errorf("data file: %q, %v", got, err)
			}
			st, err := os.Stat(filepath.Join(dir, "database", "noren.db"))
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("database file: %v, %v", st, err)
			}
		})
	}
}

// TestArchiveRefusals: a damaged backup is called damaged, a file that is
// no backup is called foreign, and neither extracts.
func TestArchiveRefusals(t *testing.T) {
	good := sampleArchive(t, false)
	flipped := bytes.Clone(good)
	i := bytes.Index(flipped, []byte("one line"))
	flipped[i] ^= 1

	var unsafe bytes.Buffer
	tw := tar.NewWriter(&unsafe)
	meta := []byte(`{"format":"noren-backup","version":1,"database":"sqlite","audit_head":"0:` + strings.Repeat("0", 64) + `"}`)
	for _, e := range []struct{ name, data string }{{backup.MetadataName, string(meta)}, {"data/../../evil", "x"}} {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Size: int64(len(e.data)), Mode: 0o600})
		tw.Write([]byte(e.data))
	}
	tw.Close()

	var later bytes.Buffer
	tw = tar.NewWriter(&later)
	newer := bytes.Replace(meta, []byte(`"version":1`), []byte(`"version":2`), 1)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: backup.MetadataName, Size: int64(len(newer)), Mode: 0o600})
	tw.Write(newer)
	tw.Close()

	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"flipped byte", flipped, backup.ErrCorrupt},
		{"truncated", good[:len(good)-2048], backup.ErrCorrupt},
		{"path out of the folder", unsafe.Bytes(), backup.ErrCorrupt},
		{"text file", []byte("hello, this is not a backup\n"), backup.ErrForeign},
		{"empty", nil, backup.ErrForeign},
		{"later layout", later.Bytes(), backup.ErrForeign},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			_, _, err := backup.Extract(bytes.NewReader(c.data), dir)
			if !errors.Is(err, c.want) {
				t.Fatalf("Extract: %v, want %v", err, c.want)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "evil")); err == nil {
				t.Error("an entry was written outside the folder")
			}
		})
	}
}

func TestWriterRefusesNames(t *testing.T) {
	w, err := backup.NewWriter(&bytes.Buffer{}, sampleMetadata(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../x", "data/../x", "/etc/passwd", "elsewhere/x", "manifest/a/b", backup.SumsName, backup.MetadataName} {
		if err := w.AddBytes(name, nil); err == nil {
			t.Errorf("AddBytes(%q) accepted", name)
		}
	}
	if _, err := backup.NewWriter(&bytes.Buffer{}, backup.Metadata{Database: "sqlite"}, false); err == nil {
		t.Error("NewWriter accepted metadata without an audit head")
	}
}

package accesslog

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/clocktest"
	"github.com/noren-web/noren/internal/manifest"
)

func tokyo(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRotation checks that lines go to the file of their day in the
// site's time zone, not UTC's, and that a new day starts a new file.
func TestRotation(t *testing.T) {
	dir := t.TempDir()
	loc := tokyo(t)
	// 23:59 on the 31st of March in Tokyo is still the 31st in UTC too;
	// a minute later it is the 1st in Tokyo and 15:00 of the 31st in UTC.
	clock := clocktest.New(time.Date(2026, 3, 31, 23, 59, 0, 0, loc))
	f, err := Open(filepath.Join(dir, "logs", "access.log"), Options{Location: loc, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.Pattern(), filepath.Join(dir, "logs", "access-YYYY-MM-DD.log"); got != want {
		t.Errorf("Pattern = %q, want %q", got, want)
	}
	steps := []struct {
		advance time.Duration
		line    string
		file    string
	}{
		{0, "first\n", "access-2026-03-31.log"},
		{30 * time.Second, "second\n", "access-2026-03-31.log"},
		{30 * time.Second, "third\n", "access-2026-04-01.log"},
		{24 * time.Hour, "fourth\n", "access-2026-04-02.log"},
	}
	want := map[string]string{}
	for _, s := range steps {
		clock.Advance(s.advance)
		if _, err := f.Write([]byte(s.line)); err != nil {
			t.Fatal(err)
		}
		want[s.file] += s.line
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "logs"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("%d files, want %d", len(entries), len(want))
	}
	for name, lines := range want {
		if got := readFile(t, filepath.Join(dir, "logs", name)); got != lines {
			t.Errorf("%s holds %q, want %q", name, got, lines)
		}
	}
	info, err := os.Stat(filepath.Join(dir, "logs", "access-2026-04-01.log"))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode %v, want 0600", perm)
	}
}

// TestPrune checks that a day's file is deleted once its day began the
// retention ago, so that no line outlives it, and that the file being
// written and files of other names stay.
func TestPrune(t *testing.T) {
	loc := tokyo(t)
	day := func(d int) time.Time { return time.Date(2026, 4, d, 0, 0, 0, 0, loc) }
	tests := []struct {
		name    string
		keep    string
		now     time.Time
		deleted []string
	}{
		{"nothing past 3d", "3d", day(4).Add(-time.Minute), nil},
		{"the 1st at 3d", "3d", day(4), []string{"access-2026-04-01.log"}},
		{"two past 2d", "2d", day(4).Add(time.Hour), []string{"access-2026-04-01.log", "access-2026-04-02.log"}},
		{"a month from the 1st", "1mo", time.Date(2026, 5, 1, 0, 0, 0, 0, loc), []string{"access-2026-04-01.log"}},
		{"the open file stays", "1d", day(5).Add(time.Hour), []string{"access-2026-04-01.log", "access-2026-04-02.log", "access-2026-04-03.log"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			others := []string{"access.log", "access-2026-04-01.log.gz", "access-2026-4-1.log", "access-yesterday.log", "error-2026-04-01.log"}
			for _, name := range append([]string{"access-2026-04-01.log", "access-2026-04-02.log", "access-2026-04-03.log"}, others...) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("line\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			clock := clocktest.New(tt.now)
			f, err := Open(filepath.Join(dir, "access.log"), Options{Location: loc, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if tt.now.Equal(day(5).Add(time.Hour)) {
				// The file of the 5th is being written when pruning runs
				// an hour into the day.
				clock.Set(day(5).Add(time.Minute))
				if _, err := f.Write([]byte("open\n")); err != nil {
					t.Fatal(err)
				}
				clock.Set(tt.now)
			}
			keep, err := manifest.ParseDuration(tt.keep)
			if err != nil {
				t.Fatal(err)
			}
			deleted, err := f.Prune(keep)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range deleted {
				names = append(names, filepath.Base(p))
			}
			if !slices.Equal(names, tt.deleted) {
				t.Errorf("deleted %v, want %v", names, tt.deleted)
			}
			kept := others
			if f.file != nil {
				kept = append(kept, "access-2026-04-05.log")
			}
			for _, name := range kept {
				if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
					t.Errorf("%s was to stay: %v", name, err)
				}
			}
		})
	}
}

func TestOpenRefusesNoName(t *testing.T) {
	loc := tokyo(t)
	if _, err := Open(filepath.Join(t.TempDir(), ".log"), Options{Location: loc}); err == nil || !strings.Contains(err.Error(), "names no file") {
		t.Errorf("Open(.log) = %v, want an error", err)
	}
	if _, err := Open("access.log", Options{}); err == nil {
		t.Error("Open without a time zone succeeded")
	}
}

// TestPruneIdleFile checks that the file left open by the last line of an
// earlier day is pruned like any other once past the retention, when no
// line has come since to close it: a quiet server keeps no line longer
// than the retention either.
func TestPruneIdleFile(t *testing.T) {
	loc := tokyo(t)
	dir := t.TempDir()
	clock := clocktest.New(time.Date(2026, 4, 4, 23, 0, 0, 0, loc))
	f, err := Open(filepath.Join(dir, "access.log"), Options{Location: loc, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write([]byte("last line\n")); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 4, 8, 0, 0, 0, 0, loc))
	keep, err := manifest.ParseDuration("3d")
	if err != nil {
		t.Fatal(err)
	}
	deleted, err := f.Prune(keep)
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) != 1 || filepath.Base(deleted[0]) != "access-2026-04-04.log" {
		t.Errorf("deleted %v, want the file of the 4th, idle since then", deleted)
	}
	if _, err := f.Write([]byte("next line\n")); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "access-2026-04-08.log")); got != "next line\n" {
		t.Errorf("the next line went to a file holding %q", got)
	}
}

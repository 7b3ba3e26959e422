// Package accesslog keeps Noren's access log in files of its own, one a
// day, named after the day in the site's time zone, and deletes the files
// past the retention the privacy manifest states for the log, so that the
// policy's retention is one Noren enforces.
package accesslog

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/noren-web/noren/internal/manifest"
)

// Options configures Files.
type Options struct {
	// Location is the site's time zone, where each file's day begins.
	Location *time.Location
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger is told when a day's file cannot be opened; nil discards it.
	Logger *slog.Logger
}

// Files is the access log's files. For the path "logs/access.log" the
// lines of the 1st of April 2026 go to logs/access-2026-04-01.log. It is
// an io.Writer for a log handler, safe for concurrent use; each Write is
// kept whole in one file.
type Files struct {
	dir, stem, ext string
	opt            Options

	mu   sync.Mutex
	file *os.File
	day  string // the day of file, as its name writes it
	// failed is the day whose file could not be opened, so that the
	// failure is logged once rather than at every line.
	failed string
}

// dayLayout is how a file's name writes its day.
const dayLayout = time.DateOnly

// Open returns the files of path, creating its folder when it is missing.
// The day's file is opened at the first Write.
func Open(path string, opt Options) (*Files, error) {
	if opt.Location == nil {
		return nil, errors.New("accesslog: no time zone")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	dir, base := filepath.Split(path)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	if stem == "" {
		return nil, fmt.Errorf("accesslog: %q names no file", path)
	}
	if ext == "" {
		ext = ".log"
	}
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("accesslog: folder of %s: %w", path, err)
	}
	return &Files{dir: filepath.Clean(dir), stem: stem, ext: ext, opt: opt}, nil
}

// Pattern names the files as a person reads it: logs/access-YYYY-MM-DD.log.
func (f *Files) Pattern() string {
	return filepath.Join(f.dir, f.stem+"-YYYY-MM-DD"+f.ext)
}

// name is the file of day.
func (f *Files) name(day string) string {
	return filepath.Join(f.dir, f.stem+"-"+day+f.ext)
}

// Write appends p to the file of the current day, opening it first when
// the day has changed since the last line.
func (f *Files) Write(p []byte) (int, error) {
	day := f.opt.Now().In(f.opt.Location).Format(dayLayout)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.file == nil || f.day != day {
		if err := f.rotate(day); err != nil {
			return 0, err
		}
	}
	return f.file.Write(p)
}

// rotate closes the previous day's file and opens day's.
func (f *Files) rotate(day string) error {
	file, err := os.OpenFile(f.name(day), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		if f.failed != day {
			f.failed = day
			f.opt.Logger.Error("access log: the day's file cannot be opened; its lines are lost", "file", f.name(day), "err", err)
		}
		return fmt.Errorf("accesslog: %w", err)
	}
	if f.file != nil {
		if err := f.file.Close(); err != nil {
			f.opt.Logger.Error("access log: closing the previous day's file", "file", f.name(f.day), "err", err)
		}
	}
	f.file, f.day = file, day
	return nil
}

// Close closes the open file.
func (f *Files) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.file == nil {
		return nil
	}
	err := f.file.Close()
	f.file = nil
	if err != nil {
		return fmt.Errorf("accesslog: close %s: %w", f.name(f.day), err)
	}
	return nil
}

// Prune deletes the files whose day began keep ago or earlier, so that no
// line is kept longer than keep, and returns the names it deleted. The
// file being written today is kept. Other files in the folder are left
// alone.
func (f *Files) Prune(keep manifest.Duration) ([]string, error) {
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return nil, fmt.Errorf("accesslog: prune %s: %w", f.dir, err)
	}
	now := f.opt.Now()
	f.mu.Lock()
	if f.file != nil && f.day != now.In(f.opt.Location).Format(dayLayout) {
		// Left open by the last line of an earlier day, on a quiet server:
		// closed, it is pruned as the others are, and the next line opens
		// its own day's file.
		if err := f.file.Close(); err != nil {
			f.opt.Logger.Error("access log: closing the previous day's file", "file", f.name(f.day), "err", err)
		}
		f.file = nil
	}
	open := f.day
	if f.file == nil {
		open = ""
	}
	f.mu.Unlock()
	var deleted []string
	var errs []error
	for _, e := range entries {
		day, ok := f.dayOf(e)
		if !ok || day.Format(dayLayout) == open || keep.From(day).After(now) {
			continue
		}
		path := filepath.Join(f.dir, e.Name())
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("accesslog: prune: %w", err))
			continue
		}
		deleted = append(deleted, path)
	}
	return deleted, errors.Join(errs...)
}

// dayOf is the start of the day whose file e is, in the site's time zone;
// ok is false for any other entry.
func (f *Files) dayOf(e fs.DirEntry) (time.Time, bool) {
	if !e.Type().IsRegular() {
		return time.Time{}, false
	}
	s, ok := strings.CutPrefix(e.Name(), f.stem+"-")
	if !ok {
		return time.Time{}, false
	}
	if s, ok = strings.CutSuffix(s, f.ext); !ok {
		return time.Time{}, false
	}
	day, err := time.ParseInLocation(dayLayout, s, f.opt.Location)
	if err != nil || day.Format(dayLayout) != s {
		return time.Time{}, false
	}
	return day, true
}

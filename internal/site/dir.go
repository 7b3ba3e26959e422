package site

import (
	"io/fs"
	"os"
	"sync"
	"time"
)

// dirCheckInterval is how often a Dir checks that its path still names the
// folder it has open, so that a site deployed by swapping folders (or a
// symbolic link to one) is served within about this long.
const dirCheckInterval = time.Second

// Dir is the file system of a site folder on disk, for NewStatic. Unlike
// os.DirFS it cannot be led out of the folder: every name is opened through
// an os.Root, so neither ".." nor a symbolic link reaches a file outside it,
// such as /etc/passwd, the vault's key file or Noren's database. Symbolic
// links that stay inside the folder work, if they are relative: os.Root
// refuses absolute ones, wherever they point.
//
// The folder is opened on first use and again whenever its path comes to
// name another folder; while it cannot be opened, every file is missing.
type Dir struct {
	path  string
	every time.Duration // how often to check the path

	mu   sync.RWMutex
	root *os.Root  // nil while the folder cannot be opened
	next time.Time // when to check the path again
}

// DirFS returns the site folder at path as a Dir.
func DirFS(path string) *Dir {
	return &Dir{path: path, every: dirCheckInterval}
}

// Open opens a file of the site, as fs.FS asks.
func (d *Dir) Open(name string) (fs.File, error) {
	root, done := d.acquire()
	defer done()
	if root == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return root.FS().Open(name)
}

// Stat describes a file of the site, following links inside the folder, as
// fs.StatFS asks.
func (d *Dir) Stat(name string) (fs.FileInfo, error) {
	root, done := d.acquire()
	defer done()
	if root == nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return root.FS().(fs.StatFS).Stat(name)
}

// acquire returns the open folder, or nil, and the function that releases
// it: the folder is not closed while in use.
func (d *Dir) acquire() (*os.Root, func()) {
	now := time.Now()
	d.mu.RLock()
	if now.Before(d.next) {
		return d.root, d.mu.RUnlock
	}
	d.mu.RUnlock()
	d.refresh(now)
	d.mu.RLock()
	return d.root, d.mu.RUnlock
}

// refresh opens the folder at d.path unless the one open is still there.
func (d *Dir) refresh(now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if now.Before(d.next) {
		return
	}
	d.next = now.Add(d.every)
	if d.root != nil {
		there, err := os.Stat(d.path)
		open, err2 := d.root.Stat(".")
		if err == nil && err2 == nil && os.SameFile(there, open) {
			return
		}
		d.root.Close()
		d.root = nil
	}
	if root, err := os.OpenRoot(d.path); err == nil {
		d.root = root
	}
}

package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
)

// sqliteFileMode is the mode of every file of a SQLite database: it holds
// the console's accounts, the consent records and the audit trail, which
// no other user of the machine has any business reading.
const sqliteFileMode = 0o600

// restrictSQLiteFiles creates the database file at path with mode 0600
// when it does not exist yet, and takes away any access its group or other
// users have to it and to its -wal, -shm and -journal files when it
// exists. SQLite gives the files it creates beside the database the
// database file's mode, so they follow once it is right. A file that
// belongs to another user and that this one may not change is left as its
// owner set it.
func restrictSQLiteFiles(path string) error {
	if runtime.GOOS == "windows" {
		// Windows has no such mode bits; its ACLs are the operator's to set.
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, sqliteFileMode)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return fmt.Errorf("store: create sqlite %s: %w", path, err)
		}
		return nil
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("store: create sqlite %s: %w", path, err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		info, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: sqlite file %s: %w", name, err)
		}
		perm := info.Mode().Perm()
		if perm&0o077 == 0 {
			continue
		}
		if err := os.Chmod(name, perm&^0o077); err != nil && !errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("store: restrict sqlite file %s to its owner: %w", name, err)
		}
	}
	return nil
}

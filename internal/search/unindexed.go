package search

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// unindexedFile keeps, next to the index, the versions of the pages that
// asked not to be indexed: they have no document to carry a version, and
// without it every restart would read them all again.
const unindexedFile = "UNINDEXED.json"

// maxUnindexedBytes bounds the file read back; a larger one is not ours.
const maxUnindexedBytes = 64 << 20

// loadUnindexed reads the versions of left-out pages. A missing file is
// an empty list; an unreadable one is dropped with a warning, since the
// only cost is reading those pages once more.
func (ix *Index) loadUnindexed() {
	path := filepath.Join(ix.dir, unindexedFile)
	b, err := readSmall(path, maxUnindexedBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	m := map[string]string{}
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		ix.log.Warn("search index: list of pages left out is unreadable; they will be read again",
			"file", path, "err", err)
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for p, v := range m {
		if _, indexed := ix.versions[p]; !indexed && p != "" && v != "" {
			ix.unindexed[p] = v
		}
	}
}

func readSmall(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes, more than %d", path, info.Size(), max)
	}
	b := make([]byte, info.Size())
	_, err = f.ReadAt(b, 0)
	if err != nil && info.Size() > 0 {
		return nil, err
	}
	return b, nil
}

// saveUnindexed writes the versions of left-out pages when they changed,
// through a temporary file so a crash leaves the old list or the new one.
func (ix *Index) saveUnindexed() error {
	ix.mu.Lock()
	if !ix.unindexedDirty {
		ix.mu.Unlock()
		return nil
	}
	b, err := json.Marshal(ix.unindexed)
	ix.unindexedDirty = false
	ix.mu.Unlock()
	if err != nil {
		return fmt.Errorf("save pages left out of %s: %w", ix.dir, err)
	}
	path := filepath.Join(ix.dir, unindexedFile)
	tmp := path + ".tmp"
	err = os.WriteFile(tmp, b, 0o640)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		ix.mu.Lock()
		ix.unindexedDirty = true
		ix.mu.Unlock()
		return fmt.Errorf("save pages left out of %s: %w", ix.dir, err)
	}
	return nil
}

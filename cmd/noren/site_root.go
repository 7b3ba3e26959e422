package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// checkSiteRoot refuses a static site's folder that cannot be served: one
// that is missing, is not a folder, or cannot be read. Without the check
// Noren would start, report itself healthy and answer 404 to everything.
func checkSiteRoot(root string) error {
	name := root
	if abs, err := filepath.Abs(root); err == nil && abs != root {
		name = fmt.Sprintf("%s (%s)", root, abs)
	}
	info, err := os.Stat(root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("site.root: the folder %s does not exist", name)
	case err != nil:
		return fmt.Errorf("site.root: the folder %s cannot be read: %w", name, unwrapPath(err))
	case !info.IsDir():
		return fmt.Errorf("site.root: %s is a file, not a folder", name)
	}
	f, err := os.Open(root)
	if err == nil {
		_, err = f.ReadDir(1)
		f.Close()
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("site.root: the folder %s cannot be read: %w", name, unwrapPath(err))
	}
	return nil
}

// unwrapPath drops the operation and path of a *fs.PathError, which the
// message names already, keeping the reason ("permission denied").
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

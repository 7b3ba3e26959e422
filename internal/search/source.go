package search

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// FolderSource lists the pages (.html, .htm) and PDFs of a site folder.
// dir/index.html is listed as /dir/; hidden files and folders and 404
// pages are left out. A file's version is its size and modification time,
// or a hash of its content when the file system keeps no times (an
// embedded site).
func FolderSource(fsys fs.FS) Source {
	return folderSource{fsys: fsys}
}

type folderSource struct {
	fsys fs.FS
}

func (s folderSource) Walk(ctx context.Context, fn func(Item) error) error {
	err := fs.WalkDir(s.fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		base := d.Name()
		if name != "." && strings.HasPrefix(base, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		ct := contentTypeOf(base)
		if ct == "" || base == "404.html" || base == "404.htm" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("stat %s: %w", name, err)
		}
		version := fmt.Sprintf("%d-%d", info.Size(), info.ModTime().UnixNano())
		if info.ModTime().IsZero() {
			if version, err = s.hash(name); err != nil {
				return err
			}
		}
		return fn(Item{
			Path:        sitePath(name),
			Version:     version,
			ModTime:     info.ModTime(),
			ContentType: ct,
			Open: func(context.Context) (io.ReadCloser, error) {
				return s.fsys.Open(name)
			},
		})
	})
	if err != nil {
		return fmt.Errorf("walk site folder: %w", err)
	}
	return nil
}

func (s folderSource) hash(name string) (string, error) {
	f, err := s.fsys.Open(name)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", name, err)
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	return "sha256-" + hex.EncodeToString(h.Sum(nil)[:16]), nil
}

func contentTypeOf(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".html", ".htm":
		// No charset: a file says its own in a <meta> or a byte-order
		// mark, and older pages are in Shift_JIS or EUC-JP.
		return "text/html"
	case ".pdf":
		return "application/pdf"
	}
	return ""
}

// sitePath is the URL path a file of the site folder is served at.
func sitePath(name string) string {
	dir, base := path.Split(name)
	if base == "index.html" || base == "index.htm" {
		if dir == "" {
			return "/"
		}
		return "/" + dir
	}
	return "/" + name
}

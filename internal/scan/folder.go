package scan

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// FolderOptions bound a scan of a folder.
type FolderOptions struct {
	// Self are the site's own host names (its domain), whose addresses are
	// not third parties'.
	Self []string
	// MaxPages stops the scan after this many pages; 0 means 10,000.
	MaxPages int
}

// Folder scans every .html and .htm file under root, as a site served
// from that folder would show them. Hidden files and folders (whose names
// start with a dot) are skipped, as the static server refuses them. A page
// that cannot be read is reported in the Report's Problems, not as an
// error; the error is for a root that cannot be walked.
func Folder(ctx context.Context, root string, opt FolderOptions) (*Report, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("scan %s: not a folder", root)
	}
	limit := opt.MaxPages
	if limit <= 0 {
		limit = 10000
	}
	fsys := os.DirFS(root)
	r := &Report{}
	err = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if err != nil {
			r.Problems = append(r.Problems, Problem{Path: name, Err: err.Error()})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if name != "." && strings.HasPrefix(path.Base(name), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isHTMLName(name) {
			return nil
		}
		if len(r.Pages) >= limit {
			r.Truncated = true
			return fs.SkipAll
		}
		page, err := folderPage(fsys, name, opt.Self)
		if err != nil {
			r.Problems = append(r.Problems, Problem{Path: name, Err: err.Error()})
			return nil
		}
		r.Pages = append(r.Pages, *page)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	r.sort()
	return r, nil
}

// folderPage parses one file. Its charset comes from a byte order mark or
// <meta charset>, as a static server that sends no charset leaves it.
func folderPage(fsys fs.FS, name string, self []string) (*Page, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := ParsePage(f, "text/html", nil, self)
	if err != nil {
		return nil, err
	}
	p.Path = name
	return p, nil
}

func isHTMLName(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".html" || ext == ".htm"
}

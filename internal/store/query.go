package store

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// ReadQuery reads the query called name from fsys: NAME-sqlite.sql or
// NAME-postgres.sql when there is one for d, else NAME.sql. This lets a
// package keep its queries in embedded files and spell out a dialect's
// variant only where the two differ.
func (d Dialect) ReadQuery(fsys fs.FS, name string) (string, error) {
	for _, file := range []string{name + "-" + d.String() + ".sql", name + ".sql"} {
		text, err := fs.ReadFile(fsys, file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("store: read query %s: %w", file, err)
		}
		return string(text), nil
	}
	return "", fmt.Errorf("store: no query %s for %s: %w", name, d, fs.ErrNotExist)
}

// ReadQueries reads every query in the top folder of fsys, as ReadQuery
// would, into a map keyed by query name (the file name without ".sql" and
// without a dialect suffix). A package can so load its queries once, at
// construction, and fail early when one is missing.
func (d Dialect) ReadQueries(fsys fs.FS) (map[string]string, error) {
	files, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("store: list queries: %w", err)
	}
	out := make(map[string]string)
	for _, file := range files {
		name := strings.TrimSuffix(file, ".sql")
		name = strings.TrimSuffix(strings.TrimSuffix(name, "-sqlite"), "-postgres")
		if _, ok := out[name]; ok {
			continue
		}
		text, err := d.ReadQuery(fsys, name)
		if err != nil {
			return nil, err
		}
		out[name] = text
	}
	return out, nil
}

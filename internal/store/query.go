package store

import (
	"errors"
	"fmt"
	"io/fs"
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

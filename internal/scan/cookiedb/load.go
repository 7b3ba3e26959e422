package cookiedb

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Bounds of what Load reads: the real database is well under 1 MiB, with
// fields of a few hundred bytes.
const (
	// MaxFileSize bounds the size of the CSV file.
	MaxFileSize = 32 << 20
	// MaxFieldSize bounds the size of one field.
	MaxFieldSize = 8 << 10
)

// Columns of the database's header, as the Open Cookie Database names them.
const (
	colID         = "ID"
	colPlatform   = "Platform"
	colCategory   = "Category"
	colName       = "Cookie / Data Key name"
	colDomain     = "Domain"
	colDesc       = "Description"
	colRetention  = "Retention period"
	colController = "Data Controller"
	colPortal     = "User Privacy & GDPR Rights Portals"
	colWildcard   = "Wildcard match"
)

// requiredColumns are those without which an entry means nothing.
var requiredColumns = []string{colPlatform, colCategory, colName, colWildcard}

// optionalColumns may be missing; their fields are then empty.
var optionalColumns = []string{colID, colDomain, colDesc, colRetention, colController, colPortal}

// Load reads a database in CSV from r; name says where it came from, for
// errors and Name. Columns are found by their header, in any order; a
// byte-order mark and CRLF line ends are fine. A missing column, a
// malformed row, a field over MaxFieldSize or a file over MaxFileSize is
// an error naming the line and column.
func Load(r io.Reader, name string) (*DB, error) {
	br := bufio.NewReader(io.LimitReader(r, MaxFileSize+1))
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := &countingReader{r: br}
	c := csv.NewReader(cr)
	c.ReuseRecord = true
	header, err := c.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read cookie database %s: empty file", name)
	}
	if err != nil {
		return nil, fmt.Errorf("read cookie database %s: %w", name, sizeErr(cr, err))
	}
	cols, err := columns(header)
	if err != nil {
		return nil, fmt.Errorf("read cookie database %s: line 1: %w", name, err)
	}
	db := &DB{name: name}
	for {
		rec, err := c.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read cookie database %s: %w", name, sizeErr(cr, err))
		}
		if cr.n > MaxFileSize {
			return nil, fmt.Errorf("read cookie database %s: more than %d bytes", name, MaxFileSize)
		}
		for i, f := range rec {
			if len(f) > MaxFieldSize {
				line, col := c.FieldPos(i)
				return nil, fmt.Errorf("read cookie database %s: line %d, column %d: field of %d bytes, at most %d", name, line, col, len(f), MaxFieldSize)
			}
		}
		if isBlank(rec) {
			continue
		}
		e, bad, err := entry(rec, cols)
		if err != nil {
			line, col := c.FieldPos(bad)
			return nil, fmt.Errorf("read cookie database %s: line %d, column %d: %w", name, line, col, err)
		}
		db.entries = append(db.entries, e)
	}
	if cr.n > MaxFileSize {
		return nil, fmt.Errorf("read cookie database %s: more than %d bytes", name, MaxFileSize)
	}
	db.index()
	return db, nil
}

// sizeErr turns a parse error caused by the size cap cutting the file
// into an error that says so.
func sizeErr(cr *countingReader, err error) error {
	if cr.n > MaxFileSize {
		return fmt.Errorf("more than %d bytes", MaxFileSize)
	}
	return err
}

// columns maps each known column to its index in header, -1 when absent.
func columns(header []string) (map[string]int, error) {
	cols := make(map[string]int, len(requiredColumns)+len(optionalColumns))
	for _, c := range append(append([]string(nil), requiredColumns...), optionalColumns...) {
		cols[c] = -1
	}
	for i, h := range header {
		h = strings.TrimSpace(h)
		for c := range cols {
			if strings.EqualFold(h, c) {
				if cols[c] >= 0 {
					return nil, fmt.Errorf("column %q given twice", c)
				}
				cols[c] = i
			}
		}
	}
	var missing []string
	for _, c := range requiredColumns {
		if cols[c] < 0 {
			missing = append(missing, fmt.Sprintf("%q", c))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing column %s", strings.Join(missing, ", "))
	}
	return cols, nil
}

// entry reads one row; when it is malformed, bad is the index of the
// field at fault.
func entry(rec []string, cols map[string]int) (e Entry, bad int, err error) {
	field := func(c string) string {
		if i := cols[c]; i >= 0 && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	e = Entry{
		ID:          field(colID),
		Platform:    field(colPlatform),
		Category:    field(colCategory),
		Name:        field(colName),
		Domain:      field(colDomain),
		Description: field(colDesc),
		Retention:   field(colRetention),
		Controller:  field(colController),
		PrivacyURL:  field(colPortal),
	}
	switch w := field(colWildcard); w {
	case "0", "":
	case "1":
		e.Wildcard = true
	default:
		return Entry{}, cols[colWildcard], fmt.Errorf("%q: %q, want 0 or 1", colWildcard, w)
	}
	if e.Name == "" {
		return Entry{}, cols[colName], fmt.Errorf("%q: empty", colName)
	}
	return e, 0, nil
}

// isBlank reports whether every field of rec is empty, as a trailing line
// of commas left by a spreadsheet is.
func isBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// countingReader counts the bytes read through it, so that a file cut at
// MaxFileSize is told apart from one that ends there.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

package cookiedb

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// DB is a cookie database loaded in memory, indexed for Lookup. It is
// read-only once loaded, so any number of goroutines may use it.
type DB struct {
	name    string
	entries []Entry
	// exact maps a name to the indexes of its entries that are not
	// wildcards, in file order.
	exact map[string][]int
	// wildcards are the indexes of the wildcard entries, longest name
	// first, so that the first prefix that matches is the longest.
	wildcards []int
}

// Open reads the database in the CSV file at path.
func Open(path string) (*DB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open cookie database %s: %w", path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("read cookie database %s: %d bytes, at most %d", path, fi.Size(), MaxFileSize)
	}
	return Load(f, path)
}

// Len counts the entries.
func (db *DB) Len() int { return len(db.entries) }

// Name says where the database came from: the name given to Load.
func (db *DB) Name() string { return db.name }

// Lookup finds the entry of the cookie or storage key name set on domain
// (a cookie's domain or a storage origin's host, "" when unknown). An
// entry of that very name wins over wildcards; among several of one name,
// the first whose domain text mentions the registrable domain of domain,
// else the first of the file. Without one, the wildcard entry with the
// longest prefix of name wins.
func (db *DB) Lookup(name, domain string) (Entry, bool) {
	if db == nil || name == "" {
		return Entry{}, false
	}
	if idx := db.exact[name]; len(idx) > 0 {
		return db.entries[db.preferDomain(idx, domain)], true
	}
	for _, i := range db.wildcards {
		if strings.HasPrefix(name, db.entries[i].Name) {
			return db.entries[i], true
		}
	}
	return Entry{}, false
}

// preferDomain picks, among the entries idx of one name, the first whose
// Domain mentions the registrable domain of domain, else the first.
func (db *DB) preferDomain(idx []int, domain string) int {
	if len(idx) == 1 {
		return idx[0]
	}
	if site := registrable(domain); site != "" {
		for _, i := range idx {
			if strings.Contains(strings.ToLower(db.entries[i].Domain), site) {
				return i
			}
		}
	}
	return idx[0]
}

// registrable returns the registrable domain of a host or cookie domain
// ("www.example.co.jp" gives "example.co.jp"), or the name itself when it
// has none, such as a bare public suffix or a local name.
func registrable(domain string) string {
	d := strings.ToLower(strings.Trim(strings.TrimSpace(domain), "."))
	if d == "" {
		return ""
	}
	if site, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return site
	}
	return d
}

// index builds the lookup tables over db.entries.
func (db *DB) index() {
	db.exact = make(map[string][]int, len(db.entries))
	db.wildcards = db.wildcards[:0]
	for i, e := range db.entries {
		if e.Wildcard {
			db.wildcards = append(db.wildcards, i)
			continue
		}
		db.exact[e.Name] = append(db.exact[e.Name], i)
	}
	// Stable, so that prefixes of one length keep file order.
	slices.SortStableFunc(db.wildcards, func(a, b int) int {
		return cmp.Compare(len(db.entries[b].Name), len(db.entries[a].Name))
	})
}

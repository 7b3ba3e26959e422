package enrich

import (
	"fmt"
	"net/netip"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Countries finds the country of an IP address in a local database in the
// MaxMind DB format (GeoLite2-Country, GeoIP2-Country, DB-IP's country
// databases and the City ones of either). It never makes a network call.
type Countries struct {
	db *maxminddb.Reader
}

// OpenCountries opens the database file at path. The caller closes it.
func OpenCountries(path string) (*Countries, error) {
	db, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("enrich: open country database %s: %w", path, err)
	}
	return &Countries{db: db}, nil
}

// Country returns the ISO 3166-1 alpha-2 code of the country addr is in,
// or "" when the database does not know it. Addresses the database has no
// country for, such as satellite and anycast ranges, fall back to the
// country the range is registered in.
func (c *Countries) Country(addr netip.Addr) string {
	if c == nil || !addr.IsValid() {
		return ""
	}
	res := c.db.Lookup(addr.Unmap())
	if !res.Found() {
		return ""
	}
	for _, field := range [...]string{"country", "registered_country"} {
		var code string
		if err := res.DecodePath(&code, field, "iso_code"); err == nil && isCountryCode(code) {
			return code
		}
	}
	return ""
}

// isCountryCode reports whether s looks like an ISO 3166-1 alpha-2 code.
func isCountryCode(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}

// Close releases the database.
func (c *Countries) Close() error {
	if err := c.db.Close(); err != nil {
		return fmt.Errorf("enrich: close country database: %w", err)
	}
	return nil
}

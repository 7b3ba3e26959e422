package enrich

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/noren-web/noren/internal/goldentest"
)

// countriesFixture is testdata/countries.mmdb.
const countriesFixture = "testdata/countries.mmdb"

// buildCountriesFixture encodes, per the MaxMind DB file format 2.0, a tiny
// IPv4 country database with 24-bit records and three nodes:
//
//	node 0 splits on the first address bit: 128.0.0.0/1 is US, the rest node 1
//	node 1 splits on the second bit: 64.0.0.0/2 is JP, the rest node 2
//	node 2 splits on the third bit: 32.0.0.0/3 has only a registered
//	       country, DE; 0.0.0.0/3 has no data
//
// The file is the search tree, 16 zero bytes, the data section, and the
// metadata marker followed by the metadata map. TestCountriesFixture keeps
// the committed file equal to what this returns; run the tests with
// -update to rewrite it.
func buildCountriesFixture() []byte {
	var data bytes.Buffer
	record := func(field, code string) uint32 {
		off := uint32(data.Len())
		data.Write(mmdbMap(field, mmdbMap("iso_code", mmdbString(code))))
		return off
	}
	us := record("country", "US")
	jp := record("country", "JP")
	de := record("registered_country", "DE")

	const nodes = 3
	const empty = nodes // a record equal to the node count means no data
	// A data record points nodes+16 past the start of the data section,
	// which follows the tree and its 16-byte separator.
	toData := func(off uint32) uint32 { return nodes + 16 + off }
	tree := [nodes][2]uint32{
		{1, toData(us)},
		{2, toData(jp)},
		{empty, toData(de)},
	}

	var out bytes.Buffer
	for _, n := range tree {
		for _, r := range n {
			out.Write([]byte{byte(r >> 16), byte(r >> 8), byte(r)})
		}
	}
	out.Write(make([]byte, 16))
	out.Write(data.Bytes())
	out.WriteString("\xAB\xCD\xEFMaxMind.com")
	out.Write(mmdbMap(
		"binary_format_major_version", mmdbUint(5, 2),
		"binary_format_minor_version", mmdbUint(5, 0),
		"build_epoch", mmdbUint(9, 1767225600), // 2026-01-01T00:00:00Z
		"database_type", mmdbString("Noren-Test-Country"),
		"description", mmdbMap("en", mmdbString("Test fixture of Noren's country lookup")),
		"ip_version", mmdbUint(5, 4),
		"languages", mmdbArray(mmdbString("en")),
		"node_count", mmdbUint(6, nodes),
		"record_size", mmdbUint(5, 24),
	))
	return out.Bytes()
}

// mmdbControl returns the control bytes of a field of type typ and the
// given size; types above 7 are extended.
func mmdbControl(typ byte, size int) []byte {
	var b []byte
	var sizeBits byte
	var extra []byte
	switch {
	case size < 29:
		sizeBits = byte(size)
	case size < 29+256:
		sizeBits, extra = 29, []byte{byte(size - 29)}
	default:
		sizeBits, extra = 30, []byte{byte((size - 285) >> 8), byte(size - 285)}
	}
	if typ <= 7 {
		b = append(b, typ<<5|sizeBits)
	} else {
		b = append(b, sizeBits, typ-7)
	}
	return append(b, extra...)
}

// mmdbString encodes a UTF-8 string field.
func mmdbString(s string) []byte {
	return append(mmdbControl(2, len(s)), s...)
}

// mmdbUint encodes an unsigned integer field of type typ (5 uint16, 6
// uint32, 9 uint64) in as few bytes as it needs.
func mmdbUint(typ byte, v uint64) []byte {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], v)
	b := bytes.TrimLeft(buf[:], "\x00")
	return append(mmdbControl(typ, len(b)), b...)
}

// mmdbMap encodes a map field from alternating keys and encoded values.
func mmdbMap(kv ...any) []byte {
	b := mmdbControl(7, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		b = append(b, mmdbString(kv[i].(string))...)
		b = append(b, kv[i+1].([]byte)...)
	}
	return b
}

// mmdbArray encodes an array field of encoded values.
func mmdbArray(values ...[]byte) []byte {
	b := mmdbControl(11, len(values))
	for _, v := range values {
		b = append(b, v...)
	}
	return b
}

func TestCountriesFixture(t *testing.T) {
	goldentest.Check(t, countriesFixture, buildCountriesFixture())
	got, err := os.ReadFile(countriesFixture)
	if err != nil {
		t.Fatal(err)
	}
	db, err := maxminddb.OpenBytes(got)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Verify(); err != nil {
		t.Errorf("the fixture breaks the MaxMind DB format: %v", err)
	}
}

func TestCountries(t *testing.T) {
	c, err := OpenCountries(countriesFixture)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	}()
	for _, tt := range []struct {
		addr string
		want string
	}{
		{"203.0.113.7", "US"},
		{"128.0.0.0", "US"},
		{"255.255.255.255", "US"},
		{"100.64.1.2", "JP"},
		{"64.0.0.0", "JP"},
		{"127.255.255.255", "JP"},
		{"::ffff:100.64.1.2", "JP"},
		{"33.1.2.3", "DE"},
		{"10.0.0.1", ""},
		{"0.0.0.0", ""},
		{"2001:db8::1", ""},
	} {
		if got := c.Country(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Country(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
	if got := c.Country(netip.Addr{}); got != "" {
		t.Errorf("Country of the zero address = %q, want none", got)
	}
}

func TestCountriesNil(t *testing.T) {
	var c *Countries
	if got := c.Country(netip.MustParseAddr("203.0.113.7")); got != "" {
		t.Errorf("nil Countries found %q", got)
	}
}

func TestOpenCountriesErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "not.mmdb")
	if err := os.WriteFile(notDB, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing.mmdb"), notDB} {
		if c, err := OpenCountries(path); err == nil {
			c.Close()
			t.Errorf("OpenCountries(%s) succeeded", path)
		}
	}
}

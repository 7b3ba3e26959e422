package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// key is one configuration key: a leaf field of Config.
type key struct {
	path  string        // "site.upstream"
	value reflect.Value // the field, settable
	// names is how the value names a file or folder: "file" for a path,
	// "dsn" for a database DSN that may hold one, "" for neither.
	names string
}

// keys lists every key of c in struct order, sections depth first.
func (c *Config) keys() []key {
	var out []key
	collectKeys(reflect.ValueOf(c).Elem(), "", &out)
	return out
}

func collectKeys(v reflect.Value, prefix string, out *[]key) {
	t := v.Type()
	for i := range t.NumField() {
		path := t.Field(i).Tag.Get("yaml")
		if prefix != "" {
			path = prefix + "." + path
		}
		if isSection(t.Field(i).Type) {
			collectKeys(v.Field(i), path, out)
			continue
		}
		*out = append(*out, key{path: path, value: v.Field(i), names: t.Field(i).Tag.Get("path")})
	}
}

// isSection reports whether a field type groups further keys rather than
// holding a value.
func isSection(t reflect.Type) bool {
	return t.Kind() == reflect.Struct
}

// envName is the environment variable that sets the key at path.
func envName(path string) string {
	return "NOREN_" + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

// setText sets a key from its text form, as written in an environment
// variable or a flag: lists are comma-separated, and maps are
// "key=value value;key=value".
func setText(v reflect.Value, s string) error {
	switch v.Kind() {
	case reflect.Slice:
		var items []string
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		return setList(v, items)
	case reflect.Map:
		m, err := parseMapText(s)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(m))
		return nil
	}
	return setScalar(v, s)
}

// parseMapText reads "directive=source source;directive=source".
func parseMapText(s string) (map[string][]string, error) {
	m := map[string][]string{}
	for entry := range strings.SplitSeq(s, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		k, v, ok := strings.Cut(entry, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("entry %q: want name=value value", entry)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("%q is set twice", k)
		}
		m[k] = strings.Fields(v)
	}
	return m, nil
}

// setList replaces a slice with the parsed items, reporting every bad one.
func setList(v reflect.Value, items []string) error {
	out := reflect.MakeSlice(v.Type(), 0, len(items))
	var errs []error
	for _, item := range items {
		e := reflect.New(v.Type().Elem()).Elem()
		if err := setElem(e, item); err != nil {
			errs = append(errs, err)
			continue
		}
		out = reflect.Append(out, e)
	}
	if len(errs) > 0 {
		return joinInline(errs)
	}
	v.Set(out)
	return nil
}

func setElem(e reflect.Value, s string) error {
	s = strings.TrimSpace(s)
	switch e.Type() {
	case reflect.TypeFor[netip.Prefix]():
		p, err := parsePrefix(s)
		if err != nil {
			return err
		}
		e.Set(reflect.ValueOf(p))
		return nil
	}
	if s == "" {
		return errors.New("empty list item")
	}
	e.SetString(s)
	return nil
}

// ParsePrefixes reads a comma-separated list of CIDRs and single addresses,
// as trusted_proxies and http.metrics_allow take it from the environment or
// a flag. Host bits are cleared; an empty list is nil.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	if err := setText(reflect.ValueOf(&prefixes).Elem(), s); err != nil {
		return nil, err
	}
	if len(prefixes) == 0 {
		return nil, nil
	}
	return prefixes, nil
}

// parsePrefix reads a CIDR ("10.0.0.0/8") or a single address, which stands
// for itself alone. Host bits are cleared.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or 2001:db8::/32", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or an IP address", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func setScalar(v reflect.Value, s string) error {
	t := strings.TrimSpace(s)
	switch v.Type() {
	case reflect.TypeFor[time.Duration]():
		d, err := time.ParseDuration(t)
		if err != nil {
			return fmt.Errorf("%q is not a duration: want a number with a unit, such as 10s, 1m30s or 2h", s)
		}
		v.SetInt(int64(d))
		return nil
	case reflect.TypeFor[ByteSize]():
		b, err := ParseByteSize(t)
		if err != nil {
			return err
		}
		v.SetInt(int64(b))
		return nil
	case reflect.TypeFor[slog.Level]():
		var l slog.Level
		if err := l.UnmarshalText([]byte(t)); err != nil {
			return fmt.Errorf("%q: want debug, info, warn or error", s)
		}
		v.SetInt(int64(l))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(t)
		if err != nil {
			return fmt.Errorf("%q: want true or false", s)
		}
		v.SetBool(b)
	case reflect.Int:
		n, err := strconv.Atoi(t)
		if err != nil {
			return fmt.Errorf("%q: want a whole number", s)
		}
		v.SetInt(int64(n))
	default:
		return fmt.Errorf("keys of type %s cannot be set", v.Type())
	}
	return nil
}

// formatValue writes a key's value the way it is written in the file.
func formatValue(v reflect.Value) string {
	switch v.Type() {
	case reflect.TypeFor[time.Duration]():
		return formatDuration(time.Duration(v.Int()))
	case reflect.TypeFor[ByteSize]():
		return ByteSize(v.Int()).String()
	case reflect.TypeFor[slog.Level]():
		return strings.ToLower(slog.Level(v.Int()).String())
	}
	switch v.Kind() {
	case reflect.String:
		if v.String() == "" {
			return `""`
		}
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Slice:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = flowItem(fmt.Sprint(v.Index(i).Interface()))
		}
		return "[" + strings.Join(items, ", ") + "]"
	case reflect.Map:
		m := v.Interface().(map[string][]string)
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		slices.Sort(names)
		entries := make([]string, len(names))
		for i, k := range names {
			items := make([]string, len(m[k]))
			for j, src := range m[k] {
				items[j] = flowItem(src)
			}
			entries[i] = k + ": [" + strings.Join(items, ", ") + "]"
		}
		return "{" + strings.Join(entries, ", ") + "}"
	}
	return fmt.Sprint(v.Interface())
}

// flowItem quotes a list item that YAML would not read back as the same
// plain string inside [ ], such as "::1/128" or "'self'".
func flowItem(s string) string {
	if s == "" || strings.ContainsAny(s[:1], ":-?,[]{}#&*!|>'\"%@`") ||
		strings.ContainsAny(s, ",[]{}#") || strings.Contains(s, ": ") {
		return strconv.Quote(s)
	}
	return s
}

// typeName describes a key's type for people.
func typeName(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[time.Duration]():
		return "duration"
	case reflect.TypeFor[ByteSize]():
		return "size"
	case reflect.TypeFor[slog.Level]():
		return "level"
	case reflect.TypeFor[[]netip.Prefix]():
		return "list of CIDRs"
	case reflect.TypeFor[[]string]():
		return "list of strings"
	case reflect.TypeFor[map[string][]string]():
		return "map of lists"
	}
	switch t.Kind() {
	case reflect.Int:
		return "integer"
	}
	return t.Kind().String()
}

// formatDuration writes d without the zero units time.Duration.String
// keeps ("2m" rather than "2m0s").
func formatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// ByteSize is a size in bytes. It is written as a whole number of bytes,
// optionally with a binary unit: "65536", "64KiB", "1MiB", "1GiB".
type ByteSize int64

// byteUnits are the accepted units, largest first.
func byteUnits() []struct {
	name string
	size ByteSize
} {
	return []struct {
		name string
		size ByteSize
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
}

// ParseByteSize reads a ByteSize.
func ParseByteSize(s string) (ByteSize, error) {
	num, mult := s, ByteSize(1)
	for _, u := range byteUnits() {
		if strings.HasSuffix(s, u.name) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(s, u.name)), u.size
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/int64(mult) {
		return 0, fmt.Errorf("%q is not a size: want a whole number of bytes, optionally with KiB, MiB or GiB, such as 1MiB", s)
	}
	return ByteSize(n) * mult, nil
}

// String writes b in the largest unit that divides it exactly.
func (b ByteSize) String() string {
	for _, u := range byteUnits() {
		if u.size > 1 && b != 0 && b%u.size == 0 {
			return strconv.FormatInt(int64(b/u.size), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// joinInline joins errors on one line, for a problem that must stay one
// entry.
func joinInline(errs []error) error {
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return errors.New(strings.Join(msgs, "; "))
}

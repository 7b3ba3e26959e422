package manifest

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/noren-web/noren/internal/suggest"
)

// maxNodes bounds the work of decoding one document, so that a small file
// that expands through aliases into millions of nodes is refused.
const maxNodes = 200000

var (
	textType     = reflect.TypeFor[Text]()
	durationType = reflect.TypeFor[Duration]()
	dateType     = reflect.TypeFor[Date]()
)

// decoder walks a YAML node tree into Go values by reflection. Unlike
// yaml.Unmarshal it keeps going after an error, so that one run reports every
// problem, and it remembers the line of each path for later validation.
type decoder struct {
	file     string
	problems Problems
	lines    map[string]int
	nodes    int
	langs    map[string]bool
}

func (d *decoder) addf(line int, path, format string, args ...any) {
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	d.nodes++
	if d.nodes > maxNodes {
		if d.nodes == maxNodes+1 {
			d.addf(n.Line, path, "document too large (more than %d nodes, perhaps through aliases)", maxNodes)
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		d.decode(n.Alias, v, path)
		return
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		d.decode(n.Content[0], v, path)
		return
	}
	if _, seen := d.lines[path]; !seen {
		d.lines[path] = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}

	switch v.Type() {
	case textType:
		d.decodeText(n, v, path)
		return
	case durationType:
		if !d.scalar(n, path, "a duration such as \"30d\" or \"session\"") {
			return
		}
		dur, err := ParseDuration(n.Value)
		if err != nil {
			d.addf(n.Line, path, "%v", err)
			return
		}
		v.Set(reflect.ValueOf(dur))
		return
	case dateType:
		if !d.scalar(n, path, "a date written YYYY-MM-DD") {
			return
		}
		t, err := time.Parse(time.DateOnly, n.Value)
		if err != nil {
			d.addf(n.Line, path, "bad date %q: want YYYY-MM-DD", n.Value)
			return
		}
		v.Set(reflect.ValueOf(Date{t}))
		return
	}

	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.addf(n.Line, path, "want a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.String:
		if d.scalar(n, path, "a text") {
			v.SetString(n.Value)
		}
	case reflect.Bool:
		if !d.scalar(n, path, "true or false") {
			return
		}
		switch n.Value {
		case "true", "yes", "on":
			v.SetBool(true)
		case "false", "no", "off":
			v.SetBool(false)
		default:
			d.addf(n.Line, path, "want true or false, got %q", n.Value)
		}
	case reflect.Int:
		if !d.scalar(n, path, "a whole number") {
			return
		}
		i, err := strconv.Atoi(n.Value)
		if err != nil {
			d.addf(n.Line, path, "want a whole number, got %q", n.Value)
			return
		}
		v.SetInt(int64(i))
	case reflect.Float64:
		if !d.scalar(n, path, "a number") {
			return
		}
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			d.addf(n.Line, path, "want a number, got %q", n.Value)
			return
		}
		v.SetFloat(f)
	default:
		panic(fmt.Sprintf("manifest: no decoder for %s", v.Type()))
	}
}

func (d *decoder) scalar(n *yaml.Node, path, want string) bool {
	if n.Kind != yaml.ScalarNode {
		d.addf(n.Line, path, "want %s, got %s", want, describe(n))
		return false
	}
	return true
}

func (d *decoder) decodeText(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.addf(n.Line, path, "want a text in every language, such as {ja: ..., en: ...}, got %s", describe(n))
		return
	}
	t := Text{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := path + "." + k.Value
		d.lines[p] = k.Line
		if !d.langs[k.Value] {
			d.addf(k.Line, p, "unknown language %q (the manifest's languages are %s)", k.Value, strings.Join(sortedKeys(d.langs), ", "))
			continue
		}
		if _, dup := t[k.Value]; dup {
			d.addf(k.Line, p, "language %q given twice", k.Value)
			continue
		}
		if val.Kind != yaml.ScalarNode {
			d.addf(val.Line, p, "want a text, got %s", describe(val))
			continue
		}
		t[k.Value] = strings.TrimSpace(val.Value)
	}
	v.Set(reflect.ValueOf(t))
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.addf(n.Line, path, "want a mapping of keys, got %s", describe(n))
		return
	}
	fields := structFields(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		idx, ok := fields[k.Value]
		if !ok {
			msg := fmt.Sprintf("unknown key %q", k.Value)
			if s := suggest.Closest(k.Value, sortedKeys(fields)); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.addf(k.Line, p, "%s", msg)
			continue
		}
		if seen[k.Value] {
			d.addf(k.Line, p, "key given twice")
			continue
		}
		seen[k.Value] = true
		d.lines[p] = k.Line
		d.decode(val, v.Field(idx), p)
	}
}

// structFields maps yaml key names to field indexes.
func structFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		m[name] = i
	}
	return m
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

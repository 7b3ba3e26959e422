package config

import (
	"bytes"
	"errors"
	"fmt"
	namesuggest "github.com/noren-web/noren/internal/suggest"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the configuration: the defaults, then the YAML file at path
// (none when path is empty), then the NOREN_* variables in env, which has
// the form of os.Environ. Relative paths in the file are relative to the
// file's folder; those in env, to the working directory. It fills in the
// derived defaults and validates the result. Every problem found is
// reported at once, as Problems.
func Load(path string, env []string) (*Config, error) {
	return load(path, env, nil)
}

func load(path string, env []string, flags *Flags) (*Config, error) {
	if path == "" {
		return parse("", nil, env, flags)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parseIn(filepath.Dir(path), path, data, env, flags)
}

// parse builds a Config from file contents (named name in problems), the
// environment and the flags that were set, leaving relative paths as they
// are written.
func parse(name string, data []byte, env []string, flags *Flags) (*Config, error) {
	return parseIn("", name, data, env, flags)
}

// parseIn is parse for a file in the folder dir, against which the file's
// relative paths are anchored; "" anchors nothing.
func parseIn(dir, name string, data []byte, env []string, flags *Flags) (*Config, error) {
	c := Default()
	probs := c.decodeYAML(name, data)
	c.anchorPaths(dir)
	probs = append(probs, c.applyEnv(env)...)
	if flags != nil {
		probs = append(probs, flags.apply(c)...)
	}
	c.resolve()
	var p problems
	c.validate(&p)
	probs = append(probs, p.list...)
	if len(probs) > 0 {
		return nil, probs
	}
	return c, nil
}

// decodeYAML sets the keys written in a YAML document. Walking the node
// tree, rather than decoding into the struct, lets every unknown key and bad
// value be reported with its line, and a bad value not stop the rest.
func (c *Config) decodeYAML(name string, data []byte) Problems {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return Problems{yamlError(name, err)}
	}
	var probs Problems
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		probs = append(probs, fmt.Sprintf("%s:%d: only one YAML document is allowed", name, next.Line))
	case !errors.Is(err, io.EOF):
		probs = append(probs, yamlError(name, err))
	}
	if len(doc.Content) == 0 {
		return probs
	}
	root := doc.Content[0]
	if isNull(root) {
		return probs
	}
	if root.Kind != yaml.MappingNode {
		return append(probs, fmt.Sprintf("%s:%d: the file must be a mapping of keys, such as \"listen: 127.0.0.1:8080\"", name, root.Line))
	}
	d := yamlDecoder{file: name}
	d.section(root, reflect.ValueOf(c).Elem(), "")
	return append(probs, d.probs...)
}

// yamlError rewrites a yaml.v3 syntax error ("yaml: line 3: ...") in the
// file:line form of the other problems.
func yamlError(name string, err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if _, err := strconv.Atoi(num); err == nil {
				return fmt.Sprintf("%s:%s: %s", name, num, text)
			}
		}
	}
	return fmt.Sprintf("%s: %s", name, msg)
}

type yamlDecoder struct {
	file  string
	probs Problems
}

func (d *yamlDecoder) add(n *yaml.Node, format string, args ...any) {
	d.probs = append(d.probs, fmt.Sprintf("%s:%d: ", d.file, n.Line)+fmt.Sprintf(format, args...))
}

// section sets the fields of the struct v from the mapping n.
func (d *yamlDecoder) section(n *yaml.Node, v reflect.Value, prefix string) {
	t := v.Type()
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = t.Field(i).Tag.Get("yaml")
	}
	firstLine := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], resolveAlias(n.Content[i+1])
		path := kn.Value
		if prefix != "" {
			path = prefix + "." + kn.Value
		}
		if kn.Kind != yaml.ScalarNode {
			d.add(kn, "keys must be plain names")
			continue
		}
		if line, dup := firstLine[kn.Value]; dup {
			d.add(kn, "%s is set twice (first on line %d)", path, line)
			continue
		}
		firstLine[kn.Value] = kn.Line
		idx := indexOf(names, kn.Value)
		if idx < 0 {
			d.add(kn, "unknown key %q%s", path, suggest(kn.Value, names, prefix))
			continue
		}
		if isNull(vn) {
			continue
		}
		f := v.Field(idx)
		if isSection(f.Type()) {
			if vn.Kind != yaml.MappingNode {
				d.add(vn, "%s is a section: want keys under it", path)
				continue
			}
			d.section(vn, f, path)
			continue
		}
		if err := setNode(f, vn); err != nil {
			d.add(vn, "%s: %v", path, err)
		}
	}
}

// setNode sets a key from its YAML value.
func setNode(v reflect.Value, n *yaml.Node) error {
	switch v.Kind() {
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return errors.New("want a list, such as [a, b]")
		}
		items := make([]string, 0, len(n.Content))
		for _, item := range n.Content {
			item = resolveAlias(item)
			if item.Kind != yaml.ScalarNode || isNull(item) {
				return fmt.Errorf("list item on line %d must be a single value", item.Line)
			}
			items = append(items, item.Value)
		}
		return setList(v, items)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return errors.New("want a mapping of names to lists")
		}
		m := make(map[string][]string, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], resolveAlias(n.Content[i+1])
			if kn.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: names must be plain", kn.Line)
			}
			if _, dup := m[kn.Value]; dup {
				return fmt.Errorf("%q is set twice", kn.Value)
			}
			switch {
			case isNull(vn):
				m[kn.Value] = nil
			case vn.Kind == yaml.ScalarNode:
				m[kn.Value] = strings.Fields(vn.Value)
			case vn.Kind == yaml.SequenceNode:
				var list []string
				for _, item := range vn.Content {
					item = resolveAlias(item)
					if item.Kind != yaml.ScalarNode || isNull(item) {
						return fmt.Errorf("%s: list item on line %d must be a single value", kn.Value, item.Line)
					}
					list = append(list, strings.Fields(item.Value)...)
				}
				m[kn.Value] = list
			default:
				return fmt.Errorf("%s: want a list", kn.Value)
			}
		}
		v.Set(reflect.ValueOf(m))
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a single value, not a list or mapping")
	}
	return setScalar(v, n.Value)
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	// An alias may point at another alias; yaml.v3 rejects cycles when
	// parsing, and the depth bound keeps a hostile document cheap anyway.
	for i := 0; i < 8 && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports an empty value ("key:" or "key: ~"), which leaves the key
// as it was.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

// suggest formats a "did you mean" hint for a misspelt key, or "".
func suggest(name string, known []string, prefix string) string {
	best := namesuggest.Closest(name, known)
	if best == "" {
		return ""
	}
	if prefix != "" {
		best = prefix + "." + best
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// applyEnv sets the keys named by NOREN_* variables, later entries winning.
// Variables that name no key are left for other parts of the program.
func (c *Config) applyEnv(env []string) Problems {
	keys := map[string]key{}
	for _, k := range c.keys() {
		keys[envName(k.path)] = k
	}
	var probs Problems
	for _, kv := range env {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, "NOREN_") {
			continue
		}
		k, ok := keys[name]
		if !ok {
			continue
		}
		if err := setText(k.value, val); err != nil {
			probs = append(probs, fmt.Sprintf("%s (%s): %v", name, k.path, err))
		}
	}
	return probs
}

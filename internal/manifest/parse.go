package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SupportedLanguages are the languages Noren renders pages in.
var SupportedLanguages = []string{"ja", "en"}

// MaxSize is the largest manifest file accepted.
const MaxSize = 4 << 20

// Problem is one thing wrong with a manifest, located by file, line and the
// dotted path of the field.
type Problem struct {
	File    string
	Line    int
	Path    string
	Message string
}

// String formats p as "file:line: path: message".
func (p Problem) String() string {
	path := p.Path
	if path == "" {
		path = "(document)"
	}
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, path, p.Message)
}

// Problems lists everything wrong with a manifest; it is the error Parse
// returns for a manifest that does not validate.
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Load reads and validates the manifest at path.
func Load(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("manifest: read %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a manifest. name is used in problem messages.
// A manifest with problems yields a nil *Manifest and a Problems error that
// lists all of them.
func Parse(name string, data []byte) (*Manifest, error) {
	if len(data) > MaxSize {
		return nil, Problems{{File: name, Line: 1, Message: fmt.Sprintf("file too large (%d bytes, at most %d)", len(data), MaxSize)}}
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, Problems{{File: name, Line: yamlErrorLine(err), Message: "not valid YAML: " + yamlErrorText(err)}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, Problems{{File: name, Line: extra.Line, Message: "more than one YAML document; a manifest is a single document"}}
	}

	d := &decoder{file: name, lines: map[string]int{}, langs: map[string]bool{}}
	for _, l := range SupportedLanguages {
		d.langs[l] = true
	}
	m := &Manifest{}
	d.decode(&root, reflect.ValueOf(m).Elem(), "")
	if root.Kind == 0 || (len(root.Content) > 0 && root.Content[0].Kind != yaml.MappingNode) {
		return nil, Problems{{File: name, Line: 1, Message: "a manifest is a mapping of keys (schema, operator, purposes, ...)"}}
	}

	m.expandUses(d)
	written := map[string]int{}
	for i, c := range m.CookieCategories {
		if _, dup := written[c.ID]; !dup {
			written[c.ID] = i
		}
	}
	m.applyDefaults()
	v := &validator{m: m, d: d, written: written}
	v.validate()
	if len(d.problems) > 0 {
		d.problems.sort()
		return nil, d.problems
	}
	canon, err := m.Canonical()
	if err != nil {
		return nil, fmt.Errorf("manifest: canonical form: %w", err)
	}
	sum := sha256.Sum256(canon)
	m.hash = hex.EncodeToString(sum[:])
	m.file, m.lines = name, d.lines
	return m, nil
}

// Position is where the field at path ("security.tls_min_version") was
// written, as "file:line", or the line of its nearest written ancestor when
// the field was left to its default.
func (m *Manifest) Position(path string) string {
	return fmt.Sprintf("%s:%d", m.file, lineOf(m.lines, path))
}

// lineOf finds the line of path in lines, or of its nearest ancestor that
// has one, or else the first line.
func lineOf(lines map[string]int, path string) int {
	for p := path; p != ""; {
		if l, ok := lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 1
}

func (ps Problems) sort() {
	// Stable by line keeps problems in document order while grouping the
	// decoder's and the validator's findings together.
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Line < ps[j-1].Line; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

func yamlErrorLine(err error) int {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return 1
	}
	// yaml.v3 errors read "yaml: line N: message".
	var line int
	if _, scanErr := fmt.Sscanf(err.Error(), "yaml: line %d:", &line); scanErr == nil {
		return line
	}
	return 1
}

func yamlErrorText(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	if _, rest, ok := strings.Cut(s, ": "); ok && strings.HasPrefix(s, "line ") {
		return rest
	}
	return s
}

// Hash is the hex SHA-256 of the manifest's canonical form. Two manifests
// that differ only in comments, key order or layout have the same hash.
func (m *Manifest) Hash() string { return m.hash }

// ShortHash is the first 12 hex digits of Hash, as shown to visitors.
func (m *Manifest) ShortHash() string {
	if len(m.hash) < 12 {
		return m.hash
	}
	return m.hash[:12]
}

// VersionLabel is the policy version as shown to visitors: the operator's
// version label with the short content hash, e.g. "2026.1 (3f2a9c0b1d4e)".
func (m *Manifest) VersionLabel() string {
	return fmt.Sprintf("%s (%s)", m.Policy.Version, m.ShortHash())
}

// Canonical is the manifest's canonical form: compact JSON of the validated
// manifest with defaults applied and map keys sorted.
func (m *Manifest) Canonical() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// MarshalJSON writes d as in the manifest.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// MarshalJSON writes d as YYYY-MM-DD.
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

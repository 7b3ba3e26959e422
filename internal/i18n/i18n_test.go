package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/noren-web/noren/web"
)

func TestDefaultCatalogLoads(t *testing.T) {
	c, err := Load(locales)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []Lang{Japanese, English} {
		if !c.Supports(lang) {
			t.Errorf("the catalogue has no %s texts", lang)
		}
	}
	if len(c.Keys()) == 0 {
		t.Fatal("the catalogue is empty")
	}
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"key missing from a language",
			map[string]string{"locales/en/a.json": `{"a.x": "X", "a.y": "Y"}`, "locales/ja/a.json": `{"a.x": "エックス"}`},
			`key "a.y" has no ja text`},
		{"key defined in two files",
			map[string]string{"locales/en/a.json": `{"a.x": "X"}`, "locales/en/b.json": `{"a.x": "X"}`},
			`key "a.x" is already defined`},
		{"key given twice in one file",
			map[string]string{"locales/en/a.json": `{"a.x": "X", "a.x": "Y"}`},
			`key "a.x" is given twice`},
		{"verbs differ",
			map[string]string{"locales/en/a.json": `{"a.x": "%d days"}`, "locales/ja/a.json": `{"a.x": "%s 日"}`},
			`takes [d] but the ja text takes [s]`},
		{"empty text",
			map[string]string{"locales/en/a.json": `{"a.x": " "}`},
			`empty text`},
		{"not an object",
			map[string]string{"locales/en/a.json": `["a.x"]`},
			`not a JSON object`},
		{"not a string",
			map[string]string{"locales/en/a.json": `{"a.x": 1}`},
			`must be a string`},
		{"no language",
			map[string]string{"locales/README": `x`},
			`no language`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, text := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(text)}
			}
			_, err := Load(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load: %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestVerbOrderMayDiffer(t *testing.T) {
	fsys := fstest.MapFS{
		"locales/en/a.json": &fstest.MapFile{Data: []byte(`{"a.x": "%s of %d%%"}`)},
		"locales/ja/a.json": &fstest.MapFile{Data: []byte(`{"a.x": "%[2]d%%の%[1]s"}`)},
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T(Japanese, "a.x", "A", 5); got != "5%のA" {
		t.Errorf("T = %q", got)
	}
}

func TestT(t *testing.T) {
	fsys := fstest.MapFS{
		"locales/en/a.json": &fstest.MapFile{Data: []byte(`{"a.days": "%d days", "a.plain": "100%"}`)},
		"locales/ja/a.json": &fstest.MapFile{Data: []byte(`{"a.days": "%d 日", "a.plain": "100%"}`)},
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang Lang
		key  string
		args []any
		want string
	}{
		{Japanese, "a.days", []any{3}, "3 日"},
		{English, "a.days", []any{3}, "3 days"},
		{"fr", "a.days", []any{3}, "3 days"},
		{English, "a.plain", nil, "100%"},
		{English, "a.unknown", nil, "a.unknown"},
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%s, %s) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
}

// TestCountry checks that countries are named from the built-in table in
// each language, whatever the case of the code, and that a country the
// table lacks keeps its code.
func TestCountry(t *testing.T) {
	tests := []struct {
		lang       Lang
		code, want string
	}{
		{Japanese, "US", "アメリカ合衆国"},
		{English, "US", "United States"},
		{Japanese, "jp", "日本"},
		{English, "SG", "Singapore"},
		{Japanese, "ZZ", "ZZ"},
		{English, "", ""},
	}
	for _, tt := range tests {
		if got := Country(tt.lang, tt.code); got != tt.want {
			t.Errorf("Country(%s, %q) = %q, want %q", tt.lang, tt.code, got, tt.want)
		}
	}
}

// keyUse finds a literal key given to the catalogue: {{.T "k"}} or
// {{t .Lang "k"}} in templates, T(lang, "k") in Go. A key built at run time
// ("analytics.metric."+m) is checked by its caller's tests.
var (
	templateKey = regexp.MustCompile(`(?:\bT|\bt\s+[.$][\w.]*)\s+"([a-z0-9_.]+)"`)
	goKey       = regexp.MustCompile(`\bT\([^,()"]+,\s*"([a-z0-9_]+\.[a-z0-9_.]+)"\s*[,)]`)
)

func TestTemplatesUseKnownKeys(t *testing.T) {
	c := Default()
	err := fs.WalkDir(web.Templates, "templates", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".html") {
			return err
		}
		raw, err := fs.ReadFile(web.Templates, name)
		if err != nil {
			return err
		}
		for _, m := range templateKey.FindAllStringSubmatch(string(raw), -1) {
			if !c.Has(m[1]) {
				t.Errorf("%s uses the unknown message key %q", name, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestGoCodeUsesKnownKeys(t *testing.T) {
	c := Default()
	root := filepath.Join("..", "..")
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				return err
			}
			raw, err := os.ReadFile(name)
			if err != nil {
				return err
			}
			for _, m := range goKey.FindAllStringSubmatch(string(raw), -1) {
				if !c.Has(m[1]) {
					t.Errorf("%s uses the unknown message key %q", name, m[1])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerbs(t *testing.T) {
	tests := []struct {
		format string
		want   string
	}{
		{"plain", ""},
		{"%d days", "d"},
		{"%s of %5.1f%%", "s f"},
		{"%[2]d の %[1]s", "s d"},
		{"100%", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(verbs(tt.format), " "); got != tt.want {
			t.Errorf("verbs(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
}

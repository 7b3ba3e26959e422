package i18n

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/noren-web/noren/web"
)

// wordingRule is a form the texts must not use, with the one Noren uses
// for the concept instead, so that every page names a thing the same way.
type wordingRule struct {
	bad  *regexp.Regexp
	want string
	// public rules hold for the texts visitors read; the console's texts,
	// which address the signed-in staff member, may keep the form.
	public bool
}

var wordingRules = []wordingRule{
	{bad: regexp.MustCompile(`ブラウザ(?:[^ー]|$)`), want: "ブラウザー"},
	{bad: regexp.MustCompile(`カテゴリ`), want: "区分", public: true},
	{bad: regexp.MustCompile(`当方`), want: "the operator's name", public: true},
	{bad: regexp.MustCompile(`あなたの`), want: "ご本人, 利用者 or the operator's name", public: true},
	{bad: regexp.MustCompile(`き損`), want: "毀損"},
	{bad: regexp.MustCompile(`個人を含まない`), want: "個人が特定されない"},
	{bad: regexp.MustCompile(`クッキーの?設定`), want: "プライバシー設定"},
	{bad: regexp.MustCompile(`Cookie settings`), want: "Privacy settings"},
}

// staffTemplates are the templates of the console, by path prefix.
var staffTemplates = []string{
	"templates/admin/",
	"templates/analytics/",
	"templates/contact/console/",
	"templates/consent/statistics.html",
	"templates/dsr/requests",
}

// staffLocales are the catalogue files, and the key prefixes in others,
// whose texts only the console shows.
var (
	staffLocaleFiles = []string{"console.json", "analytics.json"}
	staffKeys        = []string{"forms.", "inbox.", "requests."}
	localeKey        = regexp.MustCompile(`^\s*"([^"]+)"\s*:`)
)

// wordingSource is a file whose texts people read, and whether a line of
// it is read only by staff.
type wordingSource struct {
	name  string
	data  []byte
	staff func(line string) bool
}

func never(string) bool { return false }

// wordingSources gathers every file the rules cover: the templates, the
// catalogue, the catalogue of services and the manifests Noren ships.
func wordingSources(t *testing.T) []wordingSource {
	t.Helper()
	var sources []wordingSource
	err := fs.WalkDir(web.Templates, "templates", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(web.Templates, name)
		if err != nil {
			return err
		}
		staff := false
		for _, p := range staffTemplates {
			staff = staff || strings.HasPrefix(name, p)
		}
		sources = append(sources, wordingSource{name: "web/" + name, data: data, staff: func(string) bool { return staff }})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(locales, "locales", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".json") {
			return err
		}
		data, err := fs.ReadFile(locales, name)
		if err != nil {
			return err
		}
		staffFile := false
		for _, f := range staffLocaleFiles {
			staffFile = staffFile || path.Base(name) == f
		}
		staff := func(line string) bool {
			if staffFile {
				return true
			}
			m := localeKey.FindStringSubmatch(line)
			for _, p := range staffKeys {
				if m != nil && strings.HasPrefix(m[1], p) {
					return true
				}
			}
			return false
		}
		sources = append(sources, wordingSource{name: "internal/i18n/" + name, data: data, staff: staff})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"internal/manifest/catalog.yaml", "testdata/sites/manifest.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, wordingSource{name: name, data: data, staff: never})
	}
	sources = append(sources,
		wordingSource{name: "web/demo/manifest.yaml", data: web.DemoManifest, staff: never},
		wordingSource{name: "web/init/manifest.yaml.tmpl", data: []byte(web.StarterManifest), staff: never},
	)
	return sources
}

// TestOneWordPerConcept fails on a form of a word that Noren's texts do not
// use, in any template, catalogue text or shipped manifest, naming the
// file and line and the form to write instead.
func TestOneWordPerConcept(t *testing.T) {
	sources := wordingSources(t)
	seen := make(map[string]bool, len(sources))
	for _, src := range sources {
		seen[src.name] = true
	}
	for _, name := range []string{"web/templates/layout.html", "web/templates/policy/privacy.ja.md.tmpl",
		"internal/i18n/locales/ja/consent.json", "internal/manifest/catalog.yaml", "web/demo/manifest.yaml"} {
		if !seen[name] {
			t.Errorf("%s is not among the texts checked", name)
		}
	}
	for _, src := range sources {
		sc := bufio.NewScanner(bytes.NewReader(src.data))
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			for _, r := range wordingRules {
				if r.public && src.staff(line) {
					continue
				}
				if m := r.bad.FindString(line); m != "" {
					t.Errorf("%s:%d: %q: write %s", src.name, n, m, r.want)
				}
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", src.name, err)
		}
	}
}

func TestWordingRules(t *testing.T) {
	tests := []struct {
		text string
		bad  bool
	}{
		{"ブラウザーの種類", false},
		{"ブラウザの種類", true},
		{"お使いのブラウザ", true},
		{"区分", false},
		{"カテゴリー", true},
		{"当方が保有する", true},
		{"あなたの個人データ", true},
		{"滅失又は毀損", false},
		{"滅失又はき損", true},
		{"個人が特定されない統計", false},
		{"個人を含まない統計", true},
		{"プライバシー設定", false},
		{"クッキー設定", true},
		{"クッキーの設定", true},
		{"Privacy settings", false},
		{"Cookie settings", true},
	}
	for _, tt := range tests {
		bad := false
		for _, r := range wordingRules {
			bad = bad || r.bad.MatchString(tt.text)
		}
		if bad != tt.bad {
			t.Errorf("%q: caught %t, want %t", tt.text, bad, tt.bad)
		}
	}
}

package report

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/scan/visit"
	"github.com/noren-web/noren/web"
)

// TestMessagesForEveryValue checks that every kind, severity, state and
// subject has its texts: the report and the console build these keys at
// run time, where the catalogue's own tests cannot see them.
func TestMessagesForEveryValue(t *testing.T) {
	c := i18n.Default()
	var keys []string
	for _, k := range kinds() {
		keys = append(keys, "scan.kind."+k, "scan.kind."+k+".help")
	}
	for _, s := range visit.States() {
		keys = append(keys, "scan.state."+string(s), "scan.state."+string(s)+".help")
	}
	for _, s := range []string{"violation", "warning"} {
		keys = append(keys, "scan.severity."+s)
	}
	for _, s := range subjects() {
		keys = append(keys, "scan.subject."+s)
	}
	for _, s := range []string{"response", "script"} {
		keys = append(keys, "scan.report.set_by."+s)
	}
	for _, k := range keys {
		if !c.Has(k) {
			t.Errorf("no text for %s", k)
		}
	}
	want := map[string]map[i18n.Lang]string{
		"scan.state.no-choice":  {i18n.Japanese: "選択前", i18n.English: "No choice made"},
		"scan.state.accept-all": {i18n.Japanese: "すべて同意", i18n.English: "Accept all"},
		"scan.state.reject-all": {i18n.Japanese: "すべて拒否", i18n.English: "Reject all"},
		"scan.state.gpc":        {i18n.Japanese: "GPC（選択前）", i18n.English: "GPC, no choice made"},
	}
	for key, texts := range want {
		for lang, text := range texts {
			if got := c.T(lang, key); got != text {
				t.Errorf("%s in %s is %q, want %q", key, lang, got, text)
			}
		}
	}
}

// TestMessagesUsed checks that every text of the report's catalogue file
// is shown somewhere: by the template, by this package's code, or as one
// of the families of keys built at run time.
func TestMessagesUsed(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "i18n", "locales", "en", "scan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var texts map[string]string
	if err := json.Unmarshal(raw, &texts); err != nil {
		t.Fatal(err)
	}
	var sources strings.Builder
	tmpl, err := fs.ReadFile(web.Templates, templatePath)
	if err != nil {
		t.Fatal(err)
	}
	sources.Write(tmpl)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources.Write(b)
	}
	built := []string{"scan.kind.", "scan.state.", "scan.severity.", "scan.subject.", "scan.dbcategory.", "scan.report.set_by."}
	for key := range texts {
		used := strings.Contains(sources.String(), `"`+strings.TrimSuffix(key, "_one")+`"`)
		for _, p := range built {
			used = used || strings.HasPrefix(key, p)
		}
		if !used {
			t.Errorf("%s is used nowhere", key)
		}
	}
}

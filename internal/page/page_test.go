package page

import (
	"bytes"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/web"
)

func demoManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse("demo manifest", web.DemoManifest)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// testTree is the embedded layout with two pages of its own.
func testTree(t *testing.T) fstest.MapFS {
	t.Helper()
	layout, err := fs.ReadFile(web.Templates, layoutFile)
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{
		layoutFile:                {Data: layout},
		"templates/test/one.html": {Data: []byte(`{{define "main"}}<h1>One</h1><p>{{.Body}}</p>{{end}}`)},
		"templates/test/two.html": {Data: []byte(`{{define "title"}}Second{{end}}{{define "main"}}<h1>Two</h1>{{end}}`)},
	}
}

type testView struct {
	Layout
	Body string
}

func TestLayouts(t *testing.T) {
	m := demoManifest(t)
	named := demoManifest(t)
	named.Policy.CookiesName = manifest.Text{"ja": "外部送信について", "en": "External transmission"}
	other := func(lang string) string { return "/" + lang + "/other" }
	tests := []struct {
		name       string
		layout     Layout
		title      string
		nav        []Link
		alternates []Link
	}{
		{
			name:   "cookie policy in Japanese",
			layout: Cookies.Layout(m, "ja"),
			title:  "クッキーポリシー（外部送信）",
			nav: []Link{
				{Href: "/ja/privacy", Label: "プライバシーポリシー"},
				{Href: "/ja/cookies", Label: "クッキーポリシー（外部送信）", Current: true},
				{Href: "/ja/privacy/history", Label: "改定履歴"},
			},
			alternates: []Link{{Href: "/en/cookies", Label: "English", Lang: "en"}},
		},
		{
			name:   "cookie policy named by the manifest",
			layout: Cookies.Layout(named, "en"),
			title:  "External transmission",
			nav: []Link{
				{Href: "/en/privacy", Label: "Privacy policy"},
				{Href: "/en/cookies", Label: "External transmission", Current: true},
				{Href: "/en/privacy/history", Label: "Policy history"},
			},
			alternates: []Link{{Href: "/ja/cookies", Label: "日本語", Lang: "ja"}},
		},
		{
			name:   "another page in English",
			layout: New(m, "en", "Other", other),
			title:  "Other",
			nav: []Link{
				{Href: "/en/privacy", Label: "Privacy policy"},
				{Href: "/en/cookies", Label: "Cookie policy (external transmission)"},
				{Href: "/en/privacy/history", Label: "Policy history"},
				{Href: "/en/other", Label: "Other", Current: true},
			},
			alternates: []Link{{Href: "/ja/other", Label: "日本語", Lang: "ja"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.layout
			if l.Title != tt.title || l.Home != "/"+l.Lang+"/" || l.SiteName != m.Site.Name.In(l.Lang) ||
				l.Operator != m.Operator.Name.In(l.Lang) || l.Version != m.VersionLabel() {
				t.Errorf("layout %+v", l)
			}
			if !reflect.DeepEqual(l.Nav, tt.nav) {
				t.Errorf("nav %+v, want %+v", l.Nav, tt.nav)
			}
			if !reflect.DeepEqual(l.Alternates, tt.alternates) {
				t.Errorf("alternates %+v, want %+v", l.Alternates, tt.alternates)
			}
		})
	}
}

// TestChromeRoundTrip renders pages in the chrome and reads their parts
// back, as a site's layout takes them in.
func TestChromeRoundTrip(t *testing.T) {
	m := demoManifest(t)
	c, err := NewChrome(testTree(t))
	if err != nil {
		t.Fatal(err)
	}
	one, err := c.Page("templates/test/one.html")
	if err != nil {
		t.Fatal(err)
	}
	two, err := c.Page("templates/test/two.html")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		t        *Template
		title    string
		main     string
		notTitle string
	}{
		{"default title", one, "Privacy policy | " + m.Site.Name.In("en"), "<h1>One</h1><p>a &lt;b&gt;</p>", "Second"},
		{"own title", two, "Second | " + m.Site.Name.In("en"), "<h1>Two</h1>", "One"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.t.Execute(&b, testView{Layout: Privacy.Layout(m, "en"), Body: "a <b>"}); err != nil {
				t.Fatal(err)
			}
			body := b.Bytes()
			if !InChrome(body) {
				t.Fatalf("no chrome marker:\n%s", body)
			}
			p, err := ReadParts(body)
			if err != nil {
				t.Fatal(err)
			}
			if p.Lang != "en" || p.Title != tt.title || p.Home != "/en/" {
				t.Errorf("lang %q, title %q, home %q", p.Lang, p.Title, p.Home)
			}
			if got := strings.TrimSpace(string(p.Main)); got != tt.main {
				t.Errorf("main %q, want %q", got, tt.main)
			}
			if strings.Contains(string(body), tt.notTitle) {
				t.Errorf("the other page's template leaked in:\n%s", body)
			}
			for _, want := range []string{`class="lang-switch"`, `class="page-nav"`, `aria-current="page"`} {
				if !strings.Contains(string(p.Nav), want) {
					t.Errorf("nav lacks %s: %s", want, p.Nav)
				}
			}
			if !strings.Contains(string(p.Head), `hreflang="ja"`) || !strings.Contains(string(p.After), m.VersionLabel()) {
				t.Errorf("head %s, after %s", p.Head, p.After)
			}
			moved := p.WithHome(body, "/")
			if !bytes.Contains(moved, []byte(`<a class="page-header__site" href="/">`)) {
				t.Errorf("home link not moved:\n%s", moved)
			}
		})
	}
}

func TestReadPartsRefusesOtherPages(t *testing.T) {
	for _, body := range []string{
		`<!DOCTYPE html><html><body><main>no language</main></body></html>`,
		`<!DOCTYPE html><html lang="ja"><body><p>no main</p></body></html>`,
	} {
		if InChrome([]byte(body)) {
			t.Errorf("InChrome(%q)", body)
		}
		if _, err := ReadParts([]byte(body)); err == nil {
			t.Errorf("ReadParts(%q) succeeded", body)
		}
	}
}

func TestChromeErrors(t *testing.T) {
	if _, err := NewChrome(fstest.MapFS{}); err == nil {
		t.Error("NewChrome without a layout succeeded")
	}
	c, err := NewChrome(testTree(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Page("templates/test/missing.html"); err == nil {
		t.Error("Page of a missing file succeeded")
	}
}

// TestEmbeddedChrome parses every public page's template of web.Templates
// in the chrome.
func TestEmbeddedChrome(t *testing.T) {
	c, err := NewChrome(web.Templates)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"templates/policy/document.html", "templates/policy/history.html",
		"templates/consent/choices.html", "templates/contact/form.html",
		"templates/dsr/form.html", "templates/stats/stats.html",
	} {
		if _, err := c.Page(name); err != nil {
			t.Error(err)
		}
	}
}

func TestOperatorEmail(t *testing.T) {
	tests := []struct {
		name, addr, display string
		want                Email
	}{
		{"plain", "office@example.jp", manifest.EmailPlain, Email{Text: "office@example.jp", Href: "mailto:office@example.jp"}},
		{"at", "office@example.jp", manifest.EmailAt, Email{Text: "office(at)example.jp", At: true}},
		{"none", "", manifest.EmailAt, Email{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := demoManifest(t)
			m.Operator.Email, m.Operator.EmailDisplay = tt.addr, tt.display
			if got := OperatorEmail(m); got != tt.want {
				t.Errorf("OperatorEmail = %+v, want %+v", got, tt.want)
			}
		})
	}
}

package policy

import (
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/policy/markdown"
)

func TestGolden(t *testing.T) {
	manifests := map[string]*manifest.Manifest{"demo": demoManifest(t), "full": fullManifest(t), "business": businessTestManifest(t)}
	for name, m := range manifests {
		for _, doc := range []Document{Privacy, Cookies} {
			for _, lang := range []string{"ja", "en"} {
				for _, format := range []Format{Markdown, HTML} {
					file := name + "-" + string(doc) + "." + lang + "." + string(format)
					t.Run(file, func(t *testing.T) {
						checkGolden(t, file, []byte(renderString(t, m, lang, doc, format)))
					})
				}
			}
		}
	}
}

func TestDemoPurposesInTheirLanguage(t *testing.T) {
	m := demoManifest(t)
	contact := m.Purpose("contact")
	if contact == nil {
		t.Fatal("the demo manifest has no purpose contact")
	}
	texts := map[string]string{
		"en": contact.Description.In("en"),
		"ja": contact.Description.In("ja"),
	}
	for lang, want := range texts {
		for _, format := range []Format{Markdown, HTML} {
			got := renderString(t, m, lang, Privacy, format)
			if !strings.Contains(got, want) {
				t.Errorf("%s privacy policy (%s) lacks %q", lang, format, want)
			}
			for other, text := range texts {
				if other != lang && strings.Contains(got, text) {
					t.Errorf("%s privacy policy (%s) contains the %s text %q", lang, format, other, text)
				}
			}
		}
	}
	// Every purpose, not only the first, is listed.
	for _, p := range m.Purposes {
		for _, lang := range m.Languages {
			if got := renderString(t, m, lang, Privacy, Markdown); !strings.Contains(got, markdown.Escape(p.Description.In(lang))) {
				t.Errorf("%s privacy policy lacks purpose %s", lang, p.ID)
			}
		}
	}
}

// TestCookiePolicyListsEverything checks that every tool, recipient,
// cookie and opt-out of full.yaml is in the cookie policy.
func TestCookiePolicyListsEverything(t *testing.T) {
	m := fullManifest(t)
	for _, lang := range m.Languages {
		page := visibleText(t, renderString(t, m, lang, Cookies, HTML))
		md := renderString(t, m, lang, Cookies, Markdown)
		for _, tool := range m.Tools {
			want := []string{tool.Name.In(lang), tool.InformationSent.In(lang), tool.Purpose.In(lang)}
			if tool.Party == "third" {
				want = append(want, tool.Recipient.In(lang))
			}
			for _, w := range want {
				if !strings.Contains(page, w) {
					t.Errorf("%s cookie policy lacks %q of tool %s", lang, w, tool.ID)
				}
			}
			for _, u := range []string{tool.OptOut, tool.PrivacyPolicy} {
				if u != "" && !strings.Contains(md, "("+u+")") {
					t.Errorf("%s cookie policy lacks the link %s of tool %s", lang, u, tool.ID)
				}
			}
			for _, c := range tool.Cookies {
				name := c.Name
				if c.Wildcard {
					name += "*"
				}
				if !strings.Contains(page, name) {
					t.Errorf("%s cookie policy lacks cookie %s of tool %s", lang, name, tool.ID)
				}
				if !strings.Contains(page, c.Description.In(lang)) {
					t.Errorf("%s cookie policy lacks the description of cookie %s", lang, c.Name)
				}
			}
		}
		for _, cat := range m.CookieCategories {
			if len(m.CookiesIn(cat.ID)) > 0 && !strings.Contains(page, cat.Name.In(lang)) {
				t.Errorf("%s cookie policy lacks the cookie category %s", lang, cat.ID)
			}
		}
		if !strings.Contains(page, printedEmail(m)) {
			t.Errorf("%s cookie policy lacks the contact address", lang)
		}
	}
}

func TestNoCookies(t *testing.T) {
	want := map[string]string{"en": "This site sets no cookies", "ja": "本サイトはクッキーを使用していません"}
	tests := []struct {
		name    string
		m       *manifest.Manifest
		cookies bool
	}{
		{"demo", demoManifest(t), true}, // the console's own cookies
		{"minimal", parseManifest(t, "minimal", minimalYAML), false},
		{"full", fullManifest(t), true},
	}
	for _, tt := range tests {
		for _, lang := range tt.m.Languages {
			for _, doc := range []Document{Privacy, Cookies} {
				got := strings.Contains(renderString(t, tt.m, lang, doc, Markdown), want[lang])
				if got == tt.cookies {
					t.Errorf("%s %s %s: says it sets no cookies = %v, want %v", tt.name, doc, lang, got, !tt.cookies)
				}
			}
		}
	}
}

// TestFactsFollowTheManifest checks the statements that depend on what the
// manifest declares: each must appear exactly when the manifest says so.
func TestFactsFollowTheManifest(t *testing.T) {
	demo, full := demoManifest(t), fullManifest(t)
	own := firstPartyOnly(demoManifest(t))
	tests := []struct {
		fact string
		doc  Document
		text string
		demo bool // whether the demo manifest states it
		own  bool // whether the demo without its third-party tools does
		full bool
	}{
		{"statistics published", Privacy, "publishes statistics on the use of this website in which no individual can be identified, on the page “[Site statistics](/en/stats)”", true, true, false},
		{"no third-party analytics", Privacy, "uses no analytics service provided by a third party", false, true, false},
		{"third-party analytics listed", Privacy, "### Google Analytics", true, false, true},
		{"no external search", Privacy, "uses no search service provided by a third party", true, true, false},
		{"first-party search", Privacy, "Its site search is performed by Minato Bay City itself: the search terms you enter go only to Minato Bay City and are sent to no third party", true, true, false},
		{"plain share links", Privacy, "are ordinary links", true, true, false},
		{"social tool listed", Privacy, "### Facebook Like button", false, false, true},
		{"embed listed with other services", Privacy, "## Other external services", true, false, true},
		{"no forms", Privacy, "No form on this website collects personal information", false, false, false},
		{"demo form listed", Privacy, "| Your message | Required |", true, true, false},
		{"form fields listed", Privacy, "| Accommodation you need | Optional | Providing reasonable accommodation | 6 months |", false, false, true},
		{"sensitive data handled with care", Privacy, "may contain special-care-required personal information", false, false, true},
		{"contractor listed", Privacy, "| Sakura Cloud Inc. | operating and maintaining the servers |", false, false, true},
		{"contractor supervision", Privacy, "under the appropriate supervision of", true, true, true},
		{"licence", Privacy, "licensed under [CC-BY-4.0](https://creativecommons.org/licenses/by/4.0/deed.ja)", false, false, true},
		{"TLS version", Privacy, "supports TLS 1.3 or later", false, false, true},
		{"changes of the version", Privacy, "Changes in this version: Added an external site search", false, false, true},
		{"basis law", Privacy, "in accordance with the Act on the Protection of Personal Information", true, true, true},
		{"refusable category", Cookies, "This category runs only with your consent", true, false, true},
		{"required category", Cookies, "They cannot be switched off.", true, true, true},
		{"wildcard note", Cookies, "An asterisk (\\*) in a name", true, false, true},
		{"opt-out list", Cookies, "- [Opt out of Google Analytics](https://tools.google.com/dlpage/gaoptout?hl=ja)", true, false, true},
		{"custom category", Cookies, "### Embedded content {#category-embeds}", true, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.fact, func(t *testing.T) {
			for name, c := range map[string]struct {
				m    *manifest.Manifest
				want bool
			}{"demo": {demo, tt.demo}, "demo without third parties": {own, tt.own}, "full": {full, tt.full}} {
				got := strings.Contains(renderString(t, c.m, "en", tt.doc, Markdown), tt.text)
				if got != c.want {
					t.Errorf("%s %s: contains %q = %v, want %v", name, tt.doc, tt.text, got, c.want)
				}
			}
		})
	}
}

// firstPartyOnly returns m without its third-party tools, as a site that
// sends nothing to others would declare itself.
func firstPartyOnly(m *manifest.Manifest) *manifest.Manifest {
	var tools []manifest.Tool
	for _, t := range m.Tools {
		if t.Party == "first" {
			tools = append(tools, t)
		}
	}
	m.Tools = tools
	return m
}

func TestChoicesLink(t *testing.T) {
	r := mustDocuments()
	m := demoManifest(t)
	with, err := r.markdown(m, "en", Cookies, "/en/privacy/choices")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(with, "[Privacy settings](/en/privacy/choices)") {
		t.Errorf("cookie policy with a choices page does not link it:\n%s", with)
	}
	without, err := r.markdown(m, "en", Cookies, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(without, "{#choices}") || strings.Contains(without, "choices](") {
		t.Errorf("cookie policy without a choices page mentions one")
	}
}

func TestRenderRefusesWhatItCannotRender(t *testing.T) {
	m := parseManifest(t, "minimal", minimalYAML)
	var b strings.Builder
	for _, tt := range []struct {
		lang   string
		doc    Document
		format Format
	}{
		{"en", Privacy, Markdown}, // not a language of the manifest
		{"fr", Privacy, Markdown},
		{"ja", "terms", Markdown},
		{"ja", Privacy, "pdf"},
	} {
		if err := Render(&b, m, tt.lang, tt.doc, tt.format); err == nil {
			t.Errorf("Render(%s, %s, %s) succeeded", tt.lang, tt.doc, tt.format)
		}
	}
	if _, err := ParseDocument("cookies"); err != nil {
		t.Error(err)
	}
	if _, err := ParseFormat("md"); err != nil {
		t.Error(err)
	}
}

func TestPeriod(t *testing.T) {
	for in, want := range map[string]string{"Example Co., Ltd.": "Example Co., Ltd.", "Example": "Example.", "さくら県。": "さくら県。"} {
		if got := period(in); got != want {
			t.Errorf("period(%q) = %q, want %q", in, got, want)
		}
	}
}

// printedEmail is the operator's address as the documents print it.
func printedEmail(m *manifest.Manifest) string {
	return page.OperatorEmail(m).Text
}

// TestEmailDisplay checks that the address is printed as the operator
// chose: "name(at)host" with a note on how to read it and never a link or
// the plain address, or the address as a mailto: link with no note.
func TestEmailDisplay(t *testing.T) {
	note := map[string]string{"ja": "「(at)」を「@」に置き換えてください", "en": "Please replace “(at)” with “@”"}
	for name, m := range map[string]*manifest.Manifest{"demo": demoManifest(t), "full": fullManifest(t), "business": businessTestManifest(t)} {
		at := m.Operator.EmailDisplay == manifest.EmailAt
		for _, lang := range m.Languages {
			for _, doc := range []Document{Privacy, Cookies} {
				page := renderString(t, m, lang, doc, HTML)
				link := `href="mailto:` + m.Operator.Email + `"`
				checks := []struct {
					what      string
					has, want bool
				}{
					{"the address written with (at)", strings.Contains(page, strings.Replace(m.Operator.Email, "@", "(at)", 1)), at},
					{"the note on (at)", strings.Contains(page, note[lang]), at},
					{"the plain address", strings.Contains(page, m.Operator.Email), !at},
					{"a mailto: link", strings.Contains(page, link), !at},
					{"any mailto: link", strings.Contains(page, "mailto:"), !at},
				}
				for _, c := range checks {
					if c.has != c.want {
						t.Errorf("%s %s %s (email_display %s): has %s = %v, want %v", name, doc, lang, m.Operator.EmailDisplay, c.what, c.has, c.want)
					}
				}
			}
		}
	}
}

func BenchmarkPrivacyPage(b *testing.B) {
	r := testRenderer(b)
	m := fullManifest(b)
	for b.Loop() {
		if _, err := r.documentPage(m, "ja", Privacy, ""); err != nil {
			b.Fatal(err)
		}
	}
}

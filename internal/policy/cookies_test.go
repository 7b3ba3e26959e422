package policy

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/web"
)

// demoWith is the demo manifest with its text changed by replacing old
// with new once, for the variants the cookie policy must follow.
func demoWith(t *testing.T, name, old, new string) *manifest.Manifest {
	t.Helper()
	src := string(web.DemoManifest)
	if !strings.Contains(src, old) {
		t.Fatalf("%s: the demo manifest has no %q", name, old)
	}
	return parseManifest(t, name, strings.Replace(src, old, new, 1))
}

// businessTestManifest is testdata/business.yaml, a business under
// chapter 4 with an advertising tool.
func businessTestManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(filepath.Join("testdata", "business.yaml"))
	if err != nil {
		t.Fatalf("business manifest: %v", err)
	}
	return m
}

// demoAdvertising is the demo manifest with an advertising tool of the
// catalogue.
func demoAdvertising(t *testing.T) *manifest.Manifest {
	t.Helper()
	return demoWith(t, "demo with advertising", "\ncontractors:", "\n  - use: meta-pixel\n\ncontractors:")
}

// section is the part of a Markdown document from the heading with id to
// the next heading of level 2, or "" when there is no such heading.
func section(doc, id string) string {
	i := strings.Index(doc, "{#"+id+"}")
	if i < 0 {
		return ""
	}
	rest := doc[i:]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		return rest[:j]
	}
	return rest
}

// subsection is the part of a section from the heading with id to the
// next heading of level 3 or above.
func subsection(doc, id string) string {
	s := section(doc, "list")
	i := strings.Index(s, "{#"+id+"}")
	if i < 0 {
		return ""
	}
	rest := s[i:]
	if j := strings.Index(rest, "\n### "); j >= 0 {
		return rest[:j]
	}
	return rest
}

func TestCookieHelpTable(t *testing.T) {
	h := loadCookieHelp()
	for _, want := range []string{"Chrome", "Safari", "Firefox", "Edge"} {
		found := false
		for _, b := range h.Browsers {
			found = found || strings.Contains(b.Name["en"], want)
		}
		if !found {
			t.Errorf("the help table has no browser %s", want)
		}
	}
	for _, e := range append(h.Browsers, h.AdvertisingOptOuts...) {
		for _, lang := range []string{"ja", "en"} {
			if e.Name[lang] == "" {
				t.Errorf("%s: no %s name", e.Name["en"], lang)
			}
			u, err := url.Parse(e.URL[lang])
			if err != nil || u.Scheme != "https" || u.Host == "" {
				t.Errorf("%s: %s address %q is not an https URL", e.Name["en"], lang, e.URL[lang])
			}
		}
	}
}

func TestCookiePolicyLinksBrowserHelp(t *testing.T) {
	h := loadCookieHelp()
	m := demoManifest(t)
	for _, lang := range m.Languages {
		manage := section(renderString(t, m, lang, Cookies, Markdown), "manage")
		for _, b := range h.Browsers {
			if want := "[" + b.Name[lang] + "](" + b.URL[lang] + ")"; !strings.Contains(manage, want) {
				t.Errorf("%s cookie policy lacks the link %s", lang, want)
			}
		}
	}
}

// TestExternalTableListsOnlyOthers checks that the external-transmission
// table lists the tools that send to other parties, with their countries'
// names, and that the operator's own tools are described apart.
func TestExternalTableListsOnlyOthers(t *testing.T) {
	countries := map[string][2]string{
		"ja": {"（所在国：アメリカ合衆国）", "（所在国：US）"},
		"en": {"(United States)", "(US)"},
	}
	for name, m := range map[string]*manifest.Manifest{"demo": demoManifest(t), "demo with advertising": demoAdvertising(t), "business": businessTestManifest(t), "full": fullManifest(t)} {
		for _, lang := range m.Languages {
			doc := renderString(t, m, lang, Cookies, Markdown)
			external, own := section(doc, "external"), section(doc, "first-party")
			for _, tool := range m.Tools {
				rows, described := external, own
				if tool.Party != "third" {
					rows, described = own, external
				}
				if toolName := tool.Name.In(lang); !strings.Contains(rows, "| "+toolName+" |") && !strings.Contains(rows, "### "+toolName+" ") {
					t.Errorf("%s %s: tool %s is not where it belongs", name, lang, tool.ID)
				} else if strings.Contains(described, toolName) {
					t.Errorf("%s %s: tool %s (%s party) is also in the other section", name, lang, tool.ID, tool.Party)
				}
			}
			if c := countries[lang]; !strings.Contains(external, c[0]) || strings.Contains(external, c[1]) {
				t.Errorf("%s %s: the external table does not name the recipients' country as %s", name, lang, c[0])
			}
			if lang == "ja" && strings.Contains(external, "等") {
				t.Errorf("%s: the external-transmission section says 等:\n%s", name, external)
			}
		}
	}
	none := firstPartyOnly(demoManifest(t))
	want := map[string]string{
		"ja": "利用者の端末からみなとベイ市以外の者に情報を送信するツールを利用していません",
		"en": "uses no tools that send information from your device to anyone other than Minato Bay City.",
	}
	for _, lang := range none.Languages {
		if doc := renderString(t, none, lang, Cookies, Markdown); !strings.Contains(section(doc, "external"), want[lang]) || !strings.Contains(doc, "{#first-party}") {
			t.Errorf("%s cookie policy of a site with first-party tools only: external section or first-party section wrong:\n%s", lang, doc)
		}
	}
}

func TestAdvertisingSection(t *testing.T) {
	tests := []struct {
		name string
		m    *manifest.Manifest
		want bool
	}{
		{"demo", demoManifest(t), false},
		{"demo with advertising", demoAdvertising(t), true},
		{"business", businessTestManifest(t), true},
		// A social widget in the advertising category is no advertising
		// tool.
		{"full", fullManifest(t), false},
	}
	texts := map[string][]string{
		"ja": {"リマーケティング又はリターゲティング", "「[プライバシー設定](/ja/privacy/choices)」のページで広告の区分を拒否し", "https://optout.aboutads.info/"},
		"en": {"remarketing or retargeting", "switch off Advertising on the “[Privacy settings](/en/privacy/choices)” page", "https://optout.networkadvertising.org/"},
	}
	optOut := map[string]string{"ja": "[%sのオプトアウト](%s)", "en": "[Opt out of %s](%s)"}
	r := mustDocuments()
	for _, tt := range tests {
		for _, lang := range tt.m.Languages {
			doc, err := r.markdown(tt.m, lang, Cookies, "/"+lang+"/privacy/choices")
			if err != nil {
				t.Fatal(err)
			}
			ads := section(doc, "advertising")
			if got := ads != ""; got != tt.want {
				t.Errorf("%s %s: advertising section present = %v, want %v", tt.name, lang, got, tt.want)
			}
			if !tt.want {
				continue
			}
			checkPage(t, renderString(t, tt.m, lang, Cookies, HTML), lang)
			want := slices.Clone(texts[lang])
			for _, tool := range tt.m.ToolsOfKind(manifest.KindAdvertising) {
				want = append(want, fmt.Sprintf(optOut[lang], tool.Name.In(lang), tool.OptOut))
			}
			for _, w := range want {
				if !strings.Contains(ads, w) {
					t.Errorf("%s %s: advertising section lacks %q:\n%s", tt.name, lang, w, ads)
				}
			}
		}
	}
}

func TestNoIdentityStatement(t *testing.T) {
	want := map[string]string{
		"ja": "本サイトで使用するクッキー等に、利用者の氏名、住所、電話番号などを直接保存することはありません。",
		"en": "This website does not store your name, address, telephone number or the like directly in the cookies and similar technologies it uses.",
	}
	tests := []struct {
		name string
		m    *manifest.Manifest
		want bool
	}{
		{"demo", demoManifest(t), true},
		{"demo without statements", demoWith(t, "demo without statements", "statements: [cookies_hold_no_identity, firewall_may_block]", "statements: []"), false},
		{"demo with the firewall statement only", demoWith(t, "demo with the firewall statement", "statements: [cookies_hold_no_identity, firewall_may_block]", "statements: [firewall_may_block]"), false},
	}
	for _, tt := range tests {
		for _, lang := range tt.m.Languages {
			if got := strings.Contains(renderString(t, tt.m, lang, Cookies, Markdown), want[lang]); got != tt.want {
				t.Errorf("%s %s: states that cookies identify no one = %v, want %v", tt.name, lang, got, tt.want)
			}
		}
	}
}

// TestTelecommunicationsActInCookiePolicyOnly checks that the Act is cited
// where it belongs: it rules external transmission, and is no basis for
// handling personal information. Whether its rules bind the operator
// depends on services the manifest does not describe, so every operator
// follows their purpose rather than claiming to be bound by them.
func TestTelecommunicationsActInCookiePolicyOnly(t *testing.T) {
	act := map[string]string{"ja": "電気通信事業法", "en": "Telecommunications Business Act"}
	cite := map[string]string{
		"ja": "電気通信事業法第27条の12に定める外部送信規律の趣旨を踏まえ",
		"en": "In keeping with the purpose of the rules on external transmission in Article 27-12 of the Telecommunications Business Act",
	}
	for name, m := range map[string]*manifest.Manifest{"demo": demoManifest(t), "business": businessTestManifest(t), "full": fullManifest(t)} {
		for _, lang := range m.Languages {
			if strings.Contains(renderString(t, m, lang, Privacy, Markdown), act[lang]) {
				t.Errorf("%s %s privacy policy cites the %s", name, lang, act[lang])
			}
			external := section(renderString(t, m, lang, Cookies, Markdown), "external")
			if want := cite[lang]; !strings.Contains(external, want) {
				t.Errorf("%s %s cookie policy does not cite the Act as %q:\n%s", name, lang, want, external)
			}
		}
	}
}

// TestCategoriesSayWhenTheyRun checks what the policy says of each
// category: the first-party statistics run until switched off, unless
// GPC refuses them, and are not among the necessary.
func TestCategoriesSayWhenTheyRun(t *testing.T) {
	texts := map[string]map[string]string{
		"before choice": {
			"ja": "この区分は、利用者が選択する前から動作し、利用者が「[プライバシー設定](/ja/privacy/choices)」のページで停止するまで動作を続けます。",
			"en": "This category runs from before you make a choice, and keeps running until you switch it off on the “[Privacy settings](/en/privacy/choices)” page",
		},
		"consent": {
			"ja": "この区分は、利用者が同意した場合に限り動作します。",
			"en": "This category runs only with your consent",
		},
		"gpc": {
			"ja": "グローバル・プライバシー・コントロール（GPC）の信号が送信されている場合は、この区分を拒否したものとして取り扱い",
			"en": "If your browser sends a Global Privacy Control (GPC) signal",
		},
		"required": {
			"ja": "この区分は本サイトが機能するために必要なもので、拒否することはできません。",
			"en": "This category is strictly necessary for this website to work and cannot be refused on it.",
		},
		// The built-in description of the necessary category says it by
		// itself, and the policy does not say it twice.
		"built-in": {
			"ja": "無効にすることはできません。",
			"en": "They cannot be switched off.",
		},
	}
	demo := demoManifest(t)
	described := demoWith(t, "demo with the necessary category described", "cookie_categories:\n", "cookie_categories:\n  - id: necessary\n    description: {ja: 本サイトの表示に使います。, en: Used to show this website.}\n")
	optIn := demoWith(t, "demo with opt-in statistics", "  - id: statistics\n    before_choice: true\n", "")
	noGPC := demoWith(t, "demo without GPC", "consent:\n", "consent:\n  gpc_refuses: []\n")
	tests := []struct {
		name     string
		m        *manifest.Manifest
		category string
		says     []string
		not      []string
	}{
		{"demo", demo, "statistics", []string{"before choice", "gpc"}, []string{"consent", "required"}},
		{"demo", demo, "analytics", []string{"consent", "gpc"}, []string{"before choice", "required"}},
		{"demo", demo, "embeds", []string{"consent"}, []string{"before choice", "gpc", "required"}},
		{"demo", demo, "necessary", []string{"built-in"}, []string{"required", "before choice", "consent", "gpc"}},
		{"necessary described", described, "necessary", []string{"required"}, []string{"built-in", "before choice", "consent", "gpc"}},
		{"opt-in statistics", optIn, "statistics", []string{"consent", "gpc"}, []string{"before choice"}},
		{"no GPC", noGPC, "statistics", []string{"before choice"}, []string{"gpc"}},
	}
	r := mustDocuments()
	for _, tt := range tests {
		for _, lang := range tt.m.Languages {
			doc, err := r.markdown(tt.m, lang, Cookies, "/"+lang+"/privacy/choices")
			if err != nil {
				t.Fatal(err)
			}
			cat := subsection(doc, "category-"+tt.category)
			if cat == "" {
				t.Fatalf("%s %s: no category %s:\n%s", tt.name, lang, tt.category, section(doc, "list"))
			}
			for _, k := range tt.says {
				if !strings.Contains(cat, texts[k][lang]) {
					t.Errorf("%s %s: category %s does not say %s:\n%s", tt.name, lang, tt.category, k, cat)
				}
			}
			for _, k := range tt.not {
				if strings.Contains(cat, texts[k][lang]) {
					t.Errorf("%s %s: category %s says %s:\n%s", tt.name, lang, tt.category, k, cat)
				}
			}
		}
	}
	for _, lang := range demo.Languages {
		doc := renderString(t, demo, lang, Cookies, Markdown)
		analytics := demo.Tool("noren-analytics").Name.In(lang)
		if strings.Contains(subsection(doc, "category-necessary"), analytics) {
			t.Errorf("%s: the first-party analytics is described as necessary", lang)
		}
		if !strings.Contains(subsection(doc, "category-statistics"), analytics) {
			t.Errorf("%s: the first-party analytics is not in the statistics category", lang)
		}
	}
}

// TestCookiePolicyTerms checks the one term for each concept that every
// page uses, and the cookie policy's name from the manifest.
func TestCookiePolicyTerms(t *testing.T) {
	banned := map[string][]string{
		"ja": {"カテゴリー", "クッキー設定", "クッキーの設定", "当方", "あなたの", "き損", "（所在国：US）"},
		"en": {"privacy choices]", "cookie settings]"},
	}
	named := demoWith(t, "demo with a cookie policy name", "  era_dates: true\n", "  era_dates: true\n  cookies_name:\n    ja: 外部送信ポリシー\n    en: External transmission policy\n")
	titles := map[*manifest.Manifest]map[string]string{
		demoManifest(t):         {"ja": "# クッキーポリシー（外部送信）\n", "en": "# Cookie policy (external transmission)\n"},
		named:                   {"ja": "# 外部送信ポリシー\n", "en": "# External transmission policy\n"},
		businessTestManifest(t): {"ja": "# クッキーポリシー（外部送信）\n", "en": "# Cookie policy (external transmission)\n"},
	}
	r := mustDocuments()
	for m, title := range titles {
		for _, lang := range m.Languages {
			doc, err := r.markdown(m, lang, Cookies, "/"+lang+"/privacy/choices")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(doc, title[lang]) {
				t.Errorf("%s cookie policy does not start with %q", lang, title[lang])
			}
			for _, w := range banned[lang] {
				if strings.Contains(doc, w) {
					t.Errorf("%s cookie policy says %q", lang, w)
				}
			}
			if lang == "ja" && strings.Contains(strings.ReplaceAll(doc, "ブラウザー", ""), "ブラウザ") {
				t.Errorf("ja cookie policy writes ブラウザ without ー")
			}
		}
	}
}

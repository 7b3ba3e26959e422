package policy

import (
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/manifest"
)

// TestPrivacyWording checks the words of the privacy policy that a legal
// reviewer asked for, in every regime: the statutory definition of personal
// information, one spelling and one term for each thing, and none of the
// words the public pages avoid.
func TestPrivacyWording(t *testing.T) {
	want := map[string][]string{
		"ja": {"他の情報と容易に照合することができ", "個人識別符号", "第2条第1項に規定する個人情報", "滅失又は毀損"},
		"en": {"can readily be collated with other information", "individual identification code", "Article 2(1) of the Act", "leakage, loss or damage"},
	}
	banned := map[string][]string{
		"ja": {"き損", "当方", "あなたの", "個人を含まない統計", "公表することがあります", "カテゴリー", "クッキー設定", "クッキーの設定", "電気通信事業法", "[/ja/stats]"},
		"en": {"Telecommunications Business Act", "may be published", "[/en/stats]"},
	}
	for name, m := range regimeManifests(t) {
		for _, lang := range m.Languages {
			text := renderString(t, m, lang, Privacy, Markdown)
			for _, s := range want[lang] {
				if !strings.Contains(text, s) {
					t.Errorf("%s %s privacy policy lacks %q", name, lang, s)
				}
			}
			for _, s := range banned[lang] {
				if strings.Contains(text, s) {
					t.Errorf("%s %s privacy policy has %q", name, lang, s)
				}
			}
			if lang == "ja" && strings.Contains(strings.ReplaceAll(text, "ブラウザー", ""), "ブラウザ") {
				t.Errorf("%s privacy policy spells ブラウザ without the long vowel", name)
			}
		}
	}
}

// TestStatisticsPublished checks that the privacy policy says the
// statistics are published, linking the statistics page by its title,
// exactly when they are.
func TestStatisticsPublished(t *testing.T) {
	link := map[string]string{"ja": "「[アクセス統計](/ja/stats)」のページで公表しています", "en": "on the page “[Site statistics](/en/stats)”"}
	for name, m := range regimeManifests(t) {
		for _, lang := range m.Languages {
			text := renderString(t, m, lang, Privacy, Markdown)
			if got := strings.Contains(text, link[lang]); got != m.Statistics.Publish {
				t.Errorf("%s %s privacy policy links the statistics = %v, want %v", name, lang, got, m.Statistics.Publish)
			}
			if got := strings.Contains(text, "/"+lang+"/stats"); got != m.Statistics.Publish {
				t.Errorf("%s %s privacy policy mentions the statistics page = %v, want %v", name, lang, got, m.Statistics.Publish)
			}
		}
	}
	noise := "ラプラス分布に従う無作為な誤差（ノイズ）"
	if !strings.Contains(renderString(t, businessTestManifest(t), "ja", Privacy, Markdown), noise) {
		t.Errorf("business privacy policy does not say that noise is added")
	}
	if strings.Contains(renderString(t, demoManifest(t), "ja", Privacy, Markdown), noise) {
		t.Errorf("demo privacy policy says that noise is added")
	}
}

// TestCountryNames checks that the policies name countries, not their
// codes.
func TestCountryNames(t *testing.T) {
	for name, m := range regimeManifests(t) {
		for _, lang := range m.Languages {
			text := renderString(t, m, lang, Privacy, Markdown)
			for _, raw := range []string{"所在国：US", "（所在国：JP", "| US |", "| JP |", "| SG |", "(US)", "(SG)"} {
				if strings.Contains(text, raw) {
					t.Errorf("%s %s privacy policy prints a country code: %q", name, lang, raw)
				}
			}
		}
	}
	text := renderString(t, businessTestManifest(t), "ja", Privacy, Markdown)
	for _, want := range []string{"Kodama Ads Inc.（所在国：アメリカ合衆国）", "| お問い合わせへの回答 | シンガポール |", "- Helpdesk Cloud Pte. Ltd.（所在国：シンガポール）"} {
		if !strings.Contains(text, want) {
			t.Errorf("business ja privacy policy lacks %q", want)
		}
	}
}

// TestEraDates checks that a Japanese document dates itself with the era
// when the manifest asks for it, and an English one never does.
func TestEraDates(t *testing.T) {
	demo := demoManifest(t)
	if !demo.Policy.EraDates {
		t.Fatal("the demo manifest does not ask for era dates")
	}
	tests := []struct {
		name string
		m    *manifest.Manifest
		lang string
		want string
		not  string
	}{
		{"demo ja", demo, "ja", "施行日：令和8年4月1日（2026年4月1日）", ""},
		{"demo en", demo, "en", "Effective 1 April 2026", "令和"},
		{"business ja", businessTestManifest(t), "ja", "施行日：2026年7月1日", "令和"},
	}
	for _, tt := range tests {
		for _, doc := range []Document{Privacy, Cookies} {
			text := renderString(t, tt.m, tt.lang, doc, Markdown)
			if !strings.Contains(text, tt.want) {
				t.Errorf("%s %s lacks %q", tt.name, doc, tt.want)
			}
			if tt.not != "" && strings.Contains(text, tt.not) {
				t.Errorf("%s %s has %q", tt.name, doc, tt.not)
			}
		}
	}
}

// TestPrivacyLinks checks the links of the privacy policy to the other
// pages, each labelled with the page's own name: the cookie policy by the
// name the manifest gives it, the settings page as 「プライバシー設定」 where
// there is one, and the requests page.
func TestPrivacyLinks(t *testing.T) {
	r := mustDocuments()
	m := demoManifest(t)
	tests := []struct {
		lang, choices string
		want, not     []string
	}{
		{"ja", "/ja/privacy/choices",
			[]string{"「[プライバシー設定](/ja/privacy/choices)」", "「[クッキーポリシー（外部送信）](/ja/cookies)」", "[クッキーポリシー（外部送信）](/ja/cookies#external)", "(/ja/privacy/requests)"},
			[]string{"[クッキーポリシー](", "クッキー設定"}},
		{"en", "/en/privacy/choices",
			[]string{"“[Privacy settings](/en/privacy/choices)”", "“[Cookie policy (external transmission)](/en/cookies)”", "(/en/privacy/requests)"},
			[]string{"[cookie policy](", "privacy choices"}},
		{"ja", "", []string{"(/ja/privacy/requests)"}, []string{"プライバシー設定"}},
	}
	for _, tt := range tests {
		text, err := r.markdown(m, tt.lang, Privacy, tt.choices)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tt.want {
			if !strings.Contains(text, s) {
				t.Errorf("%s privacy policy (choices %q) lacks %q", tt.lang, tt.choices, s)
			}
		}
		for _, s := range tt.not {
			if strings.Contains(text, s) {
				t.Errorf("%s privacy policy (choices %q) has %q", tt.lang, tt.choices, s)
			}
		}
	}

	named := demoWith(t, "demo with a cookie policy name", "  era_dates: true", "  era_dates: true\n  cookies_name: {ja: 外部送信ポリシー, en: External transmission policy}")
	for lang, want := range map[string]string{"ja": "「[外部送信ポリシー](/ja/cookies)」", "en": "“[External transmission policy](/en/cookies)”"} {
		if text := renderString(t, named, lang, Privacy, Markdown); !strings.Contains(text, want) {
			t.Errorf("%s privacy policy does not link the cookie policy by the manifest's name %q", lang, want)
		}
	}
}

// TestStatements checks that the firewall statement and the TLS exception
// appear exactly when the manifest makes them.
func TestStatements(t *testing.T) {
	firewall := map[string]string{"ja": "ファイアウォール", "en": "firewall"}
	demo := demoManifest(t)
	without := demoWith(t, "demo without statements", "statements: [cookies_hold_no_identity, firewall_may_block]", "statements: []")
	for _, lang := range demo.Languages {
		if text := renderString(t, demo, lang, Privacy, Markdown); !strings.Contains(section(text, "technologies"), firewall[lang]) {
			t.Errorf("demo %s privacy policy lacks the firewall statement", lang)
		}
		if text := renderString(t, without, lang, Privacy, Markdown); strings.Contains(text, firewall[lang]) {
			t.Errorf("demo without statements %s privacy policy has the firewall statement", lang)
		}
		exception := markdownText(demo.Security.TLSException.In(lang))
		if text := renderString(t, demo, lang, Privacy, Markdown); !strings.Contains(section(text, "technologies"), exception) {
			t.Errorf("demo %s privacy policy lacks the TLS exception", lang)
		}
	}
}

// markdownText is s as the view escapes it.
func markdownText(s string) string {
	v := paragraphs(s)
	return strings.Join(v, " ")
}

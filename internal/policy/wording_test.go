package policy

import (
	"os"
	"path/filepath"
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
		"ja": {"き損", "当方", "あなたの", "個人を含まない統計", "公表することがあります", "カテゴリー", "クッキー設定", "クッキーの設定", "電気通信事業法", "[/ja/stats]",
			// Words the Act does not use for safety measures, a possessive
			// said twice, and erasure made to wait for retention rules.
			"並びに不正なアクセス", "保有する保有個人データ", "範囲内で判断", "すべての利用者について", "オプトアウト（無効化）の方法"},
		"en": {"Telecommunications Business Act", "may be published", "[/en/stats]",
			"unauthorised access, alteration or use", "decided within", "from every visitor", "How to opt out"},
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

// businessWith is testdata/business.yaml with its text changed by
// replacing old with new once.
func businessWith(t *testing.T, name, old, new string) *manifest.Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "business.yaml"))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s: the business manifest has no %q", name, old)
	}
	return parseManifest(t, name, strings.Replace(string(b), old, new, 1))
}

// TestReviewedStatements checks statements whose wording a legal review
// settled, each where the manifest makes it true: what a visitor can do
// about automatic collection, Art. 72 as the Act words it, special-care-
// required information, the retention of form fields, what a provider's
// opt-out settings do, and the basis of Art. 28 for each contractor abroad.
func TestReviewedStatements(t *testing.T) {
	demo, full := demoManifest(t), fullManifest(t)
	business := businessTestManifest(t)
	consentBusiness := businessWith(t, "business with a contractor abroad entrusted with consent", "    transfer_basis: equivalent_system\n", "    transfer_basis: consent\n")
	sensitiveBusiness := businessWith(t, "business with special-care-required data", "    name: {ja: 注文内容, en: Order details}\n", "    name: {ja: 注文内容, en: Order details}\n    sensitive: true\n")
	tests := []struct {
		name      string
		m         *manifest.Manifest
		lang      string
		doc       Document
		want, not []string
	}{
		{"automatic collection that needs consent", full, "ja", Privacy,
			[]string{"本サイトでは、次の情報を自動的に取得します（同意を要するものはその旨を記載しています）。", "（閲覧数、参照元、利用環境）（同意をいただいた場合に限ります） |"},
			nil},
		{"automatic collection that needs consent", full, "en", Privacy,
			[]string{"This website automatically collects the following information (items that need your consent are marked as such).", "(page views, referrers, browser environment) (only with your consent) |"},
			nil},
		{"automatic collection that runs until switched off", demo, "ja", Privacy,
			[]string{"本サイトでは、次の情報を自動的に取得します。", "（「[プライバシー設定](/ja/privacy/choices)」で停止できます） |"},
			[]string{"同意を要するもの", "同意をいただいた場合に限ります） |"}},
		{"automatic collection that runs until switched off", demo, "en", Privacy,
			[]string{"(can be switched off on the “[Privacy settings](/en/privacy/choices)” page) |"},
			[]string{"marked as such"}},
		{"Art. 72 with every recipient behind consent", demo, "ja", Privacy,
			[]string{"想定される場合において必要があると認めるときは、法第72条に基づき", "これらのツールは、「[プライバシー設定](/ja/privacy/choices)」で同意をいただいた場合に限り動作させます。"},
			nil},
		{"Art. 72 with every recipient behind consent", demo, "en", Privacy,
			[]string{"and Minato Bay City finds it necessary, it asks them, under Article 72 of the Act", "These tools run only if you consent on the “[Privacy settings](/en/privacy/choices)” page."},
			nil},
		{"Art. 72 with a recipient that needs no consent", full, "ja", Privacy,
			[]string{"想定される場合において必要があると認めるときは、法第72条に基づき"},
			[]string{"同意をいただいた場合に限り動作させます"}},
		{"special-care-required information, public body", full, "ja", Privacy,
			[]string{"「配慮が必要な事項」には、病歴や障害など、法第2条第3項に規定する要配慮個人情報が含まれることがあるため、所掌事務の遂行に必要な範囲に限って取得し、特に慎重に取り扱います。"},
			[]string{"このうち", "に当たるため"}},
		{"special-care-required information, public body", full, "en", Privacy,
			[]string{"The item “Accommodation needs” may contain special-care-required personal information as defined in Article 2(3) of the Act"},
			nil},
		{"special-care-required information, business", sensitiveBusiness, "ja", Privacy,
			[]string{"「注文内容」には、病歴や障害など、法第2条第3項に規定する要配慮個人情報が含まれることがあるため、法第20条第2項に基づき、法令に基づく場合その他同項各号に掲げる場合を除き、あらかじめご本人の同意を得た上で取得します。"},
			nil},
		{"form fields kept for different periods", full, "ja", Privacy,
			[]string{"保存期間：項目ごとに下表のとおり（最長3年）"},
			nil},
		{"form fields kept for different periods", full, "en", Privacy,
			[]string{"Kept for: as the table below shows for each item (at most 3 years)"},
			nil},
		{"form fields kept alike", demo, "ja", Privacy,
			[]string{"保存期間：1年\n"},
			[]string{"項目ごとに下表のとおり"}},
		{"opt-out settings, every tool refusable", demo, "ja", Privacy,
			[]string{"本サイトから提供者への情報の送信は止まらないことがあります。送信を止めるには、「[プライバシー設定](/ja/privacy/choices)」のページで、そのツールの区分を拒否してください。"},
			[]string{"拒否することができません"}},
		{"opt-out settings, a necessary tool", business, "ja", Privacy,
			[]string{"本サイトから提供者への情報の送信は止まらないことがあります。", "ただし、本サイトが機能するために必要な区分のツールは、拒否することができません。"},
			nil},
		{"opt-out settings, a necessary tool", business, "en", Cookies,
			[]string{"These settings may restrict the provider's use of the information (for advertising, for example), but may not stop this website from sending it to the provider.", "Tools in a category that this website needs in order to work cannot be refused."},
			nil},
		{"foreign contractor of a business", business, "ja", Privacy,
			[]string{"ただし、外国にある委託先への委託は、法第28条の適用を受けます。", "基準に適合する体制を整備していることを確認した上で個人データの取扱いを委託し、相当措置の継続的な実施を確保するために必要な措置を講じます（法第28条第1項・第3項）。当該必要な措置に関する情報は、ご本人の求めに応じて提供します。"},
			[]string{"次の委託先については、あらかじめ", "（法第28条第2項）。\n\n- Helpdesk"}},
		{"foreign contractor of a business", business, "en", Privacy,
			[]string{"Komorebi Co., Ltd. entrusts personal data to the following contractors after confirming that they have established a system that meets the standards set by the rules of the Personal Information Protection Commission", "(Article 28(1) and (3) of the Act); it informs the person concerned of those measures on request.\n\n- Helpdesk Cloud Pte. Ltd. (Singapore)"},
			[]string{"only after first obtaining the consent"}},
		{"foreign contractor entrusted with consent", consentBusiness, "ja", Privacy,
			[]string{"次の委託先については、あらかじめ外国にある第三者への提供を認める旨のご本人の同意を得た上で個人データの取扱いを委託します（法第28条第1項）。同意を得るに当たっては、当該外国の名称、当該外国における個人情報の保護に関する制度及び当該委託先が講ずる個人情報の保護のための措置に関する情報をご本人に提供します（法第28条第2項）。\n\n- Helpdesk Cloud Pte. Ltd.（所在国：シンガポール）"},
			[]string{"次の委託先については、個人情報保護委員会規則", "第28条第1項・第3項"}},
		{"foreign contractor entrusted with consent", consentBusiness, "en", Privacy,
			[]string{"Komorebi Co., Ltd. entrusts personal data to the following contractors only after first obtaining the consent of the person concerned to provision to a third party in a foreign country (Article 28(1) of the Act). In asking for consent, it informs the person concerned of the name of the country, of its system for the protection of personal information and of the measures the contractor takes to protect personal information (Article 28(2) of the Act)."},
			[]string{"Article 28(1) and (3)"}},
		{"safety measures as Art. 23 words them", business, "ja", Privacy,
			[]string{"個人データの漏えい、滅失又は毀損の防止その他の安全管理のために必要かつ適切な措置として"},
			nil},
		{"safety measures as Art. 66(1) words them", demo, "ja", Privacy,
			[]string{"保有個人情報の漏えい、滅失又は毀損の防止その他の安全管理のために必要かつ適切な措置として"},
			nil},
	}
	r := mustDocuments()
	for _, tt := range tests {
		text, err := r.markdown(tt.m, tt.lang, tt.doc, "/"+tt.lang+"/privacy/choices")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tt.want {
			if !strings.Contains(text, s) {
				t.Errorf("%s: %s %s lacks %q", tt.name, tt.lang, tt.doc, s)
			}
		}
		for _, s := range tt.not {
			if strings.Contains(text, s) {
				t.Errorf("%s: %s %s has %q", tt.name, tt.lang, tt.doc, s)
			}
		}
	}
}

// TestFeeStatedOnce checks that the requests section states the fee in the
// manifest's words only, without a lead that says the same.
func TestFeeStatedOnce(t *testing.T) {
	for name, m := range regimeManifests(t) {
		for _, lang := range m.Languages {
			fee := markdownText(m.Requests.Fee.In(lang))
			if fee == "" {
				continue
			}
			text := renderString(t, m, lang, Privacy, Markdown)
			if n := strings.Count(text, fee); n != 1 {
				t.Errorf("%s %s privacy policy states the fee %d times", name, lang, n)
			}
			for _, lead := range []string{"の定めるところによります。", "は、次のとおりです。", "is as provided by", "is as follows"} {
				if strings.Contains(section(text, "requests"), lead) {
					t.Errorf("%s %s privacy policy leads the fee with %q", name, lang, lead)
				}
			}
		}
	}
}

// TestCookiesAndSimilarDefined checks that the privacy policy defines
// 「クッキー等」 before it uses the term.
func TestCookiesAndSimilarDefined(t *testing.T) {
	terms := map[string][2]string{
		"ja": {"「クッキー等」といいます", "クッキー等"},
		"en": {"“cookies and similar technologies”", "cookies and similar technologies"},
	}
	for name, m := range regimeManifests(t) {
		for _, lang := range m.Languages {
			text := renderString(t, m, lang, Privacy, Markdown)
			def := strings.Index(text, terms[lang][0])
			if def < 0 {
				t.Errorf("%s %s privacy policy does not define %q", name, lang, terms[lang][1])
				continue
			}
			if use := strings.Index(text, terms[lang][1]); use < def {
				t.Errorf("%s %s privacy policy uses %q before defining it: %q", name, lang, terms[lang][1], text[max(0, use-80):use+len(terms[lang][1])])
			}
		}
	}
}

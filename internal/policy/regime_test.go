package policy

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/web"
)

// regimeManifests are manifests of every regime: the demo (a local
// government) and full.yaml (a prefecture whose ordinance shortens the
// deadline), the demo as a national organ and as an incorporated
// administrative agency, and business.yaml.
func regimeManifests(t *testing.T) map[string]*manifest.Manifest {
	t.Helper()
	return map[string]*manifest.Manifest{
		"demo":     demoManifest(t),
		"full":     fullManifest(t),
		"national": demoAs(t, manifest.RegimeNationalOrgan),
		"agency":   demoAs(t, manifest.RegimeIncorporatedAgency),
		"business": businessTestManifest(t),
	}
}

// demoAs is the demo manifest as a public body of another regime, without
// the ordinance only a local government has.
func demoAs(t *testing.T, regime string) *manifest.Manifest {
	t.Helper()
	src := ordinanceBlock.ReplaceAllString(string(web.DemoManifest), "")
	src = strings.Replace(src, "regime: local_government", "regime: "+regime, 1)
	m := parseManifest(t, "demo as "+regime, src)
	if m.Operator.Regime != regime {
		t.Fatalf("demo as %s has regime %q", regime, m.Operator.Regime)
	}
	return m
}

// ordinanceBlock is the operator's ordinance in the demo manifest.
var ordinanceBlock = regexp.MustCompile(`(?m)^  ordinance:\n(?:    .*\n)+`)

// articles matches a citation of the given articles of the APPI: "第27条"
// but not "第27条の12", which is the Telecommunications Business Act's
// article on external transmission, and "Article 27" or "Articles 27" but
// not "Article 27-12" or "Article 270".
func articles(numbers ...int) *regexp.Regexp {
	var alts []string
	for _, n := range numbers {
		alts = append(alts, fmt.Sprintf(`第%d条(?:[^の]|$)`, n), fmt.Sprintf(`Articles? %d(?:[^\d-]|$)`, n))
	}
	return regexp.MustCompile(strings.Join(alts, "|"))
}

// otherActs matches a citation of an article of another Act, which the
// article patterns of the APPI must not read as the APPI's: the
// Administrative Complaint Review Act's time limits (Art. 18) and review
// bodies (Art. 81).
var otherActs = regexp.MustCompile(`行政不服審査法(?:（[^）]*）)?第\d+条(?:第\d+項)?(?:・第\d+項)?|Articles? \d+(?:\(\d+\))*(?: (?:and|or) \(\d+\))? of the Administrative Complaint Review Act`)

// TestRegimeVocabulary checks that a public body's documents use none of
// the terms and articles of chapter 4 of the APPI, and a business's none of
// chapter 5, in both documents and both languages.
func TestRegimeVocabulary(t *testing.T) {
	chapter4 := struct {
		terms    []string
		articles *regexp.Regexp
	}{
		terms: []string{
			"保有個人データ", "個人データ", "第三者提供記録", "個人情報取扱事業者", "開示等の請求",
			"retained personal data", "personal data", "records of provision to third parties", "business operator handling personal information",
		},
		articles: articles(16, 17, 18, 19, 20, 21, 23, 25, 27, 28, 31, 32, 33, 34, 35, 37, 38, 40),
	}
	chapter5 := struct {
		terms    []string
		articles *regexp.Regexp
	}{
		terms: []string{
			"保有個人情報", "個人情報ファイル", "開示請求", "訂正請求", "利用停止請求", "審査請求", "目的外",
			"retained personal information", "personal information file", "request for disclosure", "request for correction", "request for suspension of use", "request for review",
		},
		articles: articles(60, 61, 62, 63, 64, 66, 67, 69, 71, 72, 75, 76, 77, 83, 84, 89, 90, 91, 94, 95, 98, 99, 100, 102, 103, 104, 105, 108),
	}
	for name, m := range regimeManifests(t) {
		forbidden, required := chapter4, chapter5
		if !m.Operator.PublicBody() {
			forbidden, required = chapter5, chapter4
		}
		for _, lang := range m.Languages {
			var both strings.Builder
			for _, doc := range []Document{Privacy, Cookies} {
				text := otherActs.ReplaceAllString(renderString(t, m, lang, doc, Markdown), "")
				both.WriteString(text)
				for _, term := range forbidden.terms {
					if strings.Contains(strings.ToLower(text), strings.ToLower(term)) {
						t.Errorf("%s (%s) %s %s uses %q of the other regime", name, m.Operator.Regime, doc, lang, term)
					}
				}
				if a := forbidden.articles.FindString(text); a != "" {
					t.Errorf("%s (%s) %s %s cites %q of the other regime", name, m.Operator.Regime, doc, lang, a)
				}
			}
			// The regime's own words are there, so that the test above
			// does not pass on an empty document.
			used := 0
			for _, term := range required.terms {
				if strings.Contains(strings.ToLower(both.String()), strings.ToLower(term)) {
					used++
				}
			}
			if used == 0 || !required.articles.MatchString(both.String()) {
				t.Errorf("%s (%s) %s uses none of its regime's terms or articles", name, m.Operator.Regime, lang)
			}
		}
	}
}

// TestRegimeSections checks the statements each regime's privacy policy
// must make, and that it makes none of the other regime's.
func TestRegimeSections(t *testing.T) {
	public := []string{
		"{#file-register}", "法第69条第2項", "法第71条第1項", "法第72条", "開示請求（法第76条）", "訂正請求（法第90条）",
		"利用停止請求（法第98条）", "任意代理人", "（法第76条第2項、第90条第2項、第98条第2項）",
		"（法第77条第2項、第91条第2項、第99条第2項）", "行政不服審査法",
		"請求に係る保有個人情報が著しく大量である場合等には、法第84条、第95条又は第103条の規定により、さらに期限を延長することがあります。",
		"決定があったことを知った日の翌日から起算して3か月以内（決定の日の翌日から起算して1年以内に限ります。）",
		"（行政不服審査法第18条第1項・第2項）。不作為についての審査請求には期間の制限はありません。",
		"保有個人情報の消去は、当該保有個人情報が法第61条第2項、第63条若しくは第64条の規定に違反して保有、取扱い若しくは取得され、又は法第69条第1項及び第2項の規定に違反して利用されていると思料する場合に、利用停止請求により求めることができます（法第98条第1項第1号）。",
		"請求に理由があると認めるときは、法第100条に基づき、個人情報の適正な取扱いを確保するために必要な限度で消去その他の利用停止をします。",
	}
	business := []string{
		"{#operator}", "法第27条第1項", "法第28条", "法第31条第1項",
		"次の求め又は請求（以下「開示等の請求等」といいます。）", "利用目的の通知の求め（法第32条第2項）",
		"第三者提供記録の開示の請求（法第33条第5項）：ご本人が識別される個人データを第三者に提供し、又は第三者から提供を受けた際に作成した記録（第三者提供記録）を開示すること。",
		"訂正等の請求（法第34条）", "利用停止等の請求（法第35条）",
		"法第18条若しくは第19条の規定に違反して取り扱われ、若しくは第20条の規定に違反して取得されたとき、法第27条第1項若しくは第28条の規定に違反して第三者に提供されたとき、利用する必要がなくなったとき、",
		"（法第37条第1項）", "苦情（法第40条）", "請求を確定した日から14日以内を目安に、遅滞なくお答えします。",
	}
	for name, m := range regimeManifests(t) {
		text := renderString(t, m, "ja", Privacy, Markdown)
		want, not := public, business
		if !m.Operator.PublicBody() {
			want, not = business, public
		}
		for _, s := range want {
			if !strings.Contains(text, s) {
				t.Errorf("%s (%s) privacy policy lacks %q", name, m.Operator.Regime, s)
			}
		}
		for _, s := range not {
			if strings.Contains(text, s) {
				t.Errorf("%s (%s) privacy policy has %q of the other regime", name, m.Operator.Regime, s)
			}
		}
	}
}

// TestRequestsSection checks that the privacy policy of either regime
// links the requests page by its title and states the deadline the
// manifest sets or the regime's default.
func TestRequestsSection(t *testing.T) {
	tests := []struct {
		name string
		m    *manifest.Manifest
		want map[string][]string
	}{
		{"demo", demoManifest(t), map[string][]string{
			"ja": {"「[保有個人情報の開示請求等](/ja/privacy/requests)」", "請求があった日から30日以内", "30日以内に限り延長", "行政不服審査法第81条第1項又は第2項の機関として条例で定める審査会に諮問した上で裁決します（法第105条第3項）。", "当該決定等をした機関", "みなとベイ市文書管理規則"},
			"en": {"“[Requests about your personal information](/en/privacy/requests)”", "within 30 days of the day it is made", "extend this period by up to 30 days", "the body that made the decision", "(Article 105(3) of the Act)", "A request for review of a failure to decide has no time limit."},
		}},
		{"full, whose ordinance shortens the deadline", fullManifest(t), map[string][]string{
			"ja": {"請求があった日から15日以内", "30日以内に限り延長", "並びに法第108条に基づく[さくら県個人情報の保護に関する法律施行条例](https://www.pref.example.jp/reiki/kojinjoho-shiko-jorei.html)"},
			"en": {"within 15 days of the day it is made", "and the [Sakura Prefecture Ordinance Implementing the Act on the Protection of Personal Information](https://www.pref.example.jp/reiki/kojinjoho-shiko-jorei.html) under Article 108 of the Act"},
		}},
		{"national organ", demoAs(t, manifest.RegimeNationalOrgan), map[string][]string{
			"ja": {"行政文書に記録されているもの", "情報公開・個人情報保護審査会に諮問した上で裁決します（法第104条・第105条）。", "（法第83条、第94条及び第102条）"},
			"en": {"recorded in administrative documents (", "the Information Disclosure and Personal Information Protection Review Board before it is decided (Articles 104 and 105 of the Act)"},
		}},
		{"incorporated administrative agency", demoAs(t, manifest.RegimeIncorporatedAgency), map[string][]string{
			"ja": {"役員又は職員", "法人文書に記録されているもの"},
			"en": {"officers or employees", "recorded in corporate documents"},
		}},
		{"business", businessTestManifest(t), map[string][]string{
			"ja": {"「[保有個人データの開示等の請求](/ja/privacy/requests)」", "請求を確定した日から14日以内を目安に、遅滞なくお答えします。", "1,000円", "代表取締役 木漏日 花子", "〒000-0002 こもれび市 森の道2-2", "個人情報保護管理者（お客様相談室長）"},
			"en": {"“[Requests about your personal data](/en/privacy/requests)”", "answers without delay, aiming at no more than 14 days from the day the request is confirmed.", "1,000 yen", "Hanako Komorebi, Representative Director"},
		}},
	}
	for _, tt := range tests {
		for lang, want := range tt.want {
			text := renderString(t, tt.m, lang, Privacy, Markdown)
			for _, s := range want {
				if !strings.Contains(text, s) {
					t.Errorf("%s %s privacy policy lacks %q", tt.name, lang, s)
				}
			}
		}
	}
}

// TestBasis checks the laws the privacy policy names as its basis: the
// manifest's words, or the APPI and a local government's ordinance,
// linked where it is published; never the Telecommunications Business Act,
// which the cookie policy cites by itself.
func TestBasis(t *testing.T) {
	tests := []struct {
		name string
		m    *manifest.Manifest
		want map[string]string
	}{
		{"local government", demoManifest(t), map[string]string{
			"ja": "みなとベイ市は、個人情報の保護に関する法律（平成15年法律第57号）及び[みなとベイ市個人情報の保護に関する法律施行条例](https://www.city.minatobay.example/reiki/kojinjoho-shiko-jorei.html)に基づき、",
			"en": "in accordance with the Act on the Protection of Personal Information (Act No. 57 of 2003) and the [Minato Bay City Ordinance Implementing the Act on the Protection of Personal Information](https://www.city.minatobay.example/reiki/kojinjoho-shiko-jorei.html), so that",
		}},
		{"national organ", demoAs(t, manifest.RegimeNationalOrgan), map[string]string{
			"ja": "みなとベイ市は、個人情報の保護に関する法律（平成15年法律第57号）に基づき、",
			"en": "in accordance with the Act on the Protection of Personal Information (Act No. 57 of 2003), so that",
		}},
		{"business", businessTestManifest(t), map[string]string{
			"ja": "株式会社こもれびは、個人情報の保護に関する法律（平成15年法律第57号）に基づき、",
			"en": "in accordance with the Act on the Protection of Personal Information (Act No. 57 of 2003), so that",
		}},
		{"written in the manifest", fullManifest(t), map[string]string{
			"ja": "さくら県は、個人情報の保護に関する法律（平成15年法律第57号）に基づき、",
			"en": "in accordance with the Act on the Protection of Personal Information (Act No. 57 of 2003), so that",
		}},
	}
	for _, tt := range tests {
		for lang, want := range tt.want {
			text := renderString(t, tt.m, lang, Privacy, Markdown)
			if !strings.Contains(text, want) {
				t.Errorf("%s %s privacy policy lacks %q", tt.name, lang, want)
			}
			for _, act := range []string{"電気通信事業法", "Telecommunications Business Act"} {
				if strings.Contains(text, act) {
					t.Errorf("%s %s privacy policy cites %s", tt.name, lang, act)
				}
			}
		}
	}
}

package manifest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// businessManifest turns the minimal manifest, a local government, into a
// business: address and representative instead of the ordinance, and no
// requests section.
func businessManifest(t *testing.T) string {
	t.Helper()
	base := string(mustRead(t, "testdata/minimal.yaml"))
	doc, _, ok := strings.Cut(base, "requests:\n")
	if !ok {
		t.Fatal("minimal.yaml no longer ends with the requests section this test removes")
	}
	return replaceOnce(t, doc, minimalOrdinance,
		"  regime: business\n"+
			"  address: {ja: 東京都千代田区一丁目1番1号, en: \"1-1 Ichome, Chiyoda-ku, Tokyo\"}\n"+
			"  representative: {ja: 代表取締役 山田太郎, en: \"Taro Yamada, Representative Director\"}\n")
}

// minimalOrdinance is the regime and ordinance of testdata/minimal.yaml.
const minimalOrdinance = "  regime: local_government\n" +
	"  ordinance: {name: {ja: テスト市個人情報の保護に関する法律施行条例, en: Test City Ordinance Implementing the Act on the Protection of Personal Information}}\n"

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q is not in the manifest once", old)
	}
	return strings.Replace(s, old, new, 1)
}

// TestRegimeRules checks each rule that follows from the operator's regime,
// and the other keys of the regimes' texts: a manifest that breaks one rule
// has that one problem, at its path.
func TestRegimeRules(t *testing.T) {
	public := string(mustRead(t, "testdata/minimal.yaml"))
	business := businessManifest(t)
	noRegime := replaceOnce(t, public, minimalOrdinance, "")
	contractor := func(country, basis string) string {
		return fmt.Sprintf("contractors:\n  - {id: host, name: {ja: 委託先, en: Host}, task: {ja: 保守, en: Maintenance}, country: %q, transfer_basis: %q}\n", country, basis)
	}
	tests := []struct {
		name string
		doc  string
		want string // the one problem, "path: message" or its start; empty for a valid manifest
	}{
		{"local government", public, ""},
		{"business", business, ""},
		{"national organ", replaceOnce(t, public, minimalOrdinance, "  regime: national_organ\n"), ""},
		{"incorporated agency", replaceOnce(t, public, minimalOrdinance, "  regime: incorporated_administrative_agency\n"), ""},
		{"ordinance with its URL", replaceOnce(t, public, "Personal Information}}", "Personal Information}, url: https://www.example.org/reiki/jorei.html}"), ""},
		{"shorter deadline and extension", public + "  deadline: 20d\n  extension: 2w\n", ""},
		{"business states fee and identity", business + "requests:\n  deadline: 3w\n  fee: {ja: \"1件につき1,000円\", en: \"1,000 yen a request\"}\n  identity: {ja: 本人確認書類の写し, en: A copy of an identity document}\n", ""},
		{"business contractor abroad, equivalent system", business + contractor("SG", "equivalent_system"), ""},
		{"business contractor abroad, consent", business + contractor("us", "consent"), ""},
		{"business contractor in Japan", business + contractor("JP", ""), ""},
		{"business contractor without country", business + contractor("", ""), ""},
		{"public contractor abroad", public + contractor("SG", ""), ""},
		{"email as (at)", replaceOnce(t, public, "  email: info@example.org\n", "  email: info@example.org\n  email_display: at\n"), ""},

		{"no regime", noRegime, "operator.regime: required: one of business (a private business, chapter 4 of the Act on the Protection of Personal Information); national_organ"},
		{"unknown regime", replaceOnce(t, noRegime, "  email: info@example.org\n", "  email: info@example.org\n  regime: company\n"), `operator.regime: unknown regime "company": want one of business`},
		{"local government without ordinance", replaceOnce(t, public, minimalOrdinance, "  regime: local_government\n"), "operator.ordinance.name: required for a local government"},
		{"ordinance with a bad URL", replaceOnce(t, public, "Personal Information}}", "Personal Information}, url: reiki/jorei.html}"), `operator.ordinance.url: bad URL "reiki/jorei.html"`},
		{"ordinance of a national organ", replaceOnce(t, public, "regime: local_government", "regime: national_organ"), "operator.ordinance: only a local government (regime local_government) has an implementing ordinance"},
		{"ordinance of a business", replaceOnce(t, business, "  regime: business\n", "  regime: business\n  ordinance: {url: https://www.example.org/jorei.html}\n"), "operator.ordinance: only a local government"},
		{"business without address", replaceOnce(t, business, "  address: {ja: 東京都千代田区一丁目1番1号, en: \"1-1 Ichome, Chiyoda-ku, Tokyo\"}\n", ""), "operator.address: required for a business: Art. 32"},
		{"business without representative", replaceOnce(t, business, "  representative: {ja: 代表取締役 山田太郎, en: \"Taro Yamada, Representative Director\"}\n", ""), "operator.representative: required for a business: Art. 32"},
		{"unknown email display", replaceOnce(t, public, "  email: info@example.org\n", "  email: info@example.org\n  email_display: link\n"), `operator.email_display: want "plain" (a mailto: link) or "at"`},
		{"unknown statement", replaceOnce(t, public, "  version: \"1\"\n", "  version: \"1\"\n  statements: [no_cookies]\n"), `policy.statements[0]: unknown statement "no_cookies" (want one of cookies_hold_no_identity, firewall_may_block)`},
		{"statement twice", replaceOnce(t, public, "  version: \"1\"\n", "  version: \"1\"\n  statements: [firewall_may_block, cookies_hold_no_identity, firewall_may_block]\n"), `policy.statements[2]: "firewall_may_block" listed twice`},
		{"unknown include", public + "automatic_collection: [{id: log, what: {ja: a, en: b}, why: {ja: a, en: b}, retention: 90d, includes: [country, city]}]\n", `automatic_collection[0].includes[1]: unknown value "city" (want one of country, network_name)`},
		{"include twice", public + "automatic_collection: [{id: log, what: {ja: a, en: b}, why: {ja: a, en: b}, retention: 90d, includes: [network_name, network_name]}]\n", `automatic_collection[0].includes[1]: "network_name" listed twice`},
		{"necessary before choice", public + "cookie_categories:\n  - id: necessary\n    before_choice: true\n", `cookie_categories[0].before_choice: "necessary" is required`},
		{"own required category before choice", public + "cookie_categories:\n  - id: statistics\n    before_choice: true\n  - id: security\n    name: {ja: 安全, en: Security}\n    description: {ja: 不正の防止, en: Preventing abuse}\n    required: true\n    before_choice: true\n", `cookie_categories[1].before_choice: "security" is required`},
		{"public body without fee", replaceOnce(t, public, "  fee: {ja: 開示請求の手数料は無料です。, en: A request for disclosure is free of charge.}\n", ""), "requests.fee: required for a public body: the fee of a request for disclosure as the ordinance or cabinet order sets it (Art. 89)"},
		{"public body without identity", replaceOnce(t, public, "  identity: {ja: 本人確認書類の提示又はその写しの提出により確認します。, en: Identity is verified from an identity document or a copy of one.}\n", ""), "requests.identity: required for a public body: how the requester's identity is verified (Art. 77)"},
		{"public body without file register", replaceOnce(t, public, "  file_register: https://www.example.org/kojinjoho/file-register/\n", ""), "requests.file_register: required for a public body: the URL of its register of personal information files (個人情報ファイル簿, Art. 75)"},
		{"file register not a URL", replaceOnce(t, public, "https://www.example.org/kojinjoho/file-register/", "file-register.html"), `requests.file_register: bad URL "file-register.html"`},
		{"public deadline over 30 days", public + "  deadline: 31d\n", "requests.deadline: 31d is longer than the 30 days of Art. 83; an ordinance may shorten the period (Art. 108), not lengthen it"},
		{"public deadline in weeks over 30 days", public + "  deadline: 5w\n", "requests.deadline: 5w is longer than the 30 days"},
		{"public extension over 30 days", public + "  extension: 60d\n", "requests.extension: 60d is longer than the 30 days"},
		{"deadline in months", public + "  deadline: 1mo\n", `requests.deadline: want a number of days or weeks, such as "30d" or "2w", got "1mo": a month or year has no fixed number of days`},
		{"extension in hours", public + "  extension: 72h\n", `requests.extension: want a number of days or weeks`},
		{"business deadline in months", business + "requests: {deadline: 1mo}\n", `requests.deadline: want a number of days or weeks`},
		{"session deadline", public + "  deadline: session\n", `requests.deadline: want a number of days or weeks, such as "30d" or "2w", got "session"`},
		{"business extension", business + "requests: {extension: 14d}\n", "requests.extension: only a public body extends its deadline (Art. 83(2))"},
		{"business file register", business + "requests: {file_register: https://www.example.org/file/}\n", "requests.file_register: only a public body keeps a register"},
		{"business contractor abroad without basis", business + contractor("SG", ""), `contractors[0].transfer_basis: required for a business's contractor outside Japan (country "SG"): "equivalent_system" (`},
		{"unknown transfer basis", business + contractor("SG", "adequacy"), `contractors[0].transfer_basis: unknown basis "adequacy": want "equivalent_system" (`},
		{"transfer basis in Japan", business + contractor("jp", "consent"), `contractors[0].transfer_basis: only a contractor outside Japan needs a basis for entrustment abroad (Art. 28); this one's country is "jp"`},
		{"transfer basis without country", business + contractor("", "equivalent_system"), `contractors[0].transfer_basis: only a contractor outside Japan needs a basis`},
		{"transfer basis of a public body", public + contractor("SG", "consent"), "contractors[0].transfer_basis: only a business names a basis for entrustment abroad (Art. 28); a public body provides abroad under Art. 71"},
		{"business appeal", business + "requests: {appeal: {ja: 市長, en: The Mayor}}\n", "requests.appeal: a request for review (審査請求) is against a public body's decision"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("m.yaml", []byte(tt.doc))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("valid manifest refused:\n%v", err)
				}
				if m.Requests.Deadline.IsZero() {
					t.Error("no deadline after defaults")
				}
				return
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want Problems", err)
			}
			if len(ps) != 1 || !strings.HasPrefix(ps[0].Path+": "+ps[0].Message, tt.want) {
				t.Errorf("problems:\n%v\nwant one, starting %q", err, tt.want)
			}
			if ps[0].Line < 2 {
				t.Errorf("problem %q does not point at its line", ps[0])
			}
		})
	}
}

// TestRegimeDefaults checks the deadlines each regime gets when the
// manifest leaves them out.
func TestRegimeDefaults(t *testing.T) {
	tests := []struct {
		name, doc           string
		deadline, extension string
		public              bool
	}{
		{"business", businessManifest(t), "14d", "", false},
		{"local government", string(mustRead(t, "testdata/minimal.yaml")), "30d", "30d", true},
		{"shortened by ordinance", string(mustRead(t, "testdata/minimal.yaml")) + "  deadline: 15d\n", "15d", "30d", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("m.yaml", []byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if m.Requests.Deadline.String() != tt.deadline || m.Requests.Extension.String() != tt.extension || m.Operator.PublicBody() != tt.public {
				t.Errorf("deadline %q, extension %q, public body %v; want %q, %q, %v",
					m.Requests.Deadline, m.Requests.Extension, m.Operator.PublicBody(), tt.deadline, tt.extension, tt.public)
			}
		})
	}
}

// TestRegimesAreExplained checks that the problem asking for a regime says
// what every regime is.
func TestRegimesAreExplained(t *testing.T) {
	for _, r := range Regimes {
		if !strings.Contains(regimeMeanings[r], "chapter") {
			t.Errorf("regime %q has no meaning naming its chapter", r)
		}
	}
	if len(regimeMeanings) != len(Regimes) {
		t.Errorf("%d meanings for %d regimes", len(regimeMeanings), len(Regimes))
	}
}

// TestRegimePlaceholder checks that a regime still a placeholder is
// reported alone, without what some regime would require.
func TestRegimePlaceholder(t *testing.T) {
	base := string(mustRead(t, "testdata/minimal.yaml"))
	doc, _, _ := strings.Cut(base, "requests:\n")
	doc = replaceOnce(t, doc, minimalOrdinance, "  regime: \"REPLACE: business | national_organ | local_government | incorporated_administrative_agency\"\n")
	_, err := Parse("m.yaml", []byte(doc))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	want := []string{`m.yaml:9: operator.regime: still a placeholder, "REPLACE: business | national_organ | local_government | incorporated_administrative_agency": write the real value`}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDurationDays(t *testing.T) {
	tests := []struct {
		in   string
		days int
		ok   bool
	}{
		{"30d", 30, true},
		{"2w", 14, true},
		{"1mo", 0, false},
		{"1y", 0, false},
		{"72h", 0, false},
		{"90min", 0, false},
		{"session", 0, false},
	}
	for _, tt := range tests {
		d, err := ParseDuration(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if days, ok := d.Days(); days != tt.days || ok != tt.ok {
			t.Errorf("%s.Days() = %d, %v; want %d, %v", tt.in, days, ok, tt.days, tt.ok)
		}
	}
}

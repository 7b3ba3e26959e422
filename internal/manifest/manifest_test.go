package manifest

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/noren-web/noren/web"
)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDemoManifestIsValid(t *testing.T) {
	m, err := Parse("demo.yaml", web.DemoManifest)
	if err != nil {
		t.Fatalf("demo manifest: %v", err)
	}
	p := m.Purpose("contact")
	if p == nil {
		t.Fatal("demo manifest has no contact purpose")
	}
	if got, want := p.Description.In("en"), "Name, email address: for contact"; got != want {
		t.Errorf("contact purpose in English = %q, want %q", got, want)
	}
	if len(m.Hash()) != 64 || m.ShortHash() != m.Hash()[:12] {
		t.Errorf("hash = %q, short = %q", m.Hash(), m.ShortHash())
	}
	if !strings.Contains(m.VersionLabel(), m.ShortHash()) {
		t.Errorf("version label %q does not carry the hash", m.VersionLabel())
	}
}

func TestMinimalManifestGetsDefaults(t *testing.T) {
	m, err := Parse("minimal.yaml", mustRead(t, "testdata/minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if m.DefaultLang != "ja" || m.Security.TLSMinVersion != "1.2" || m.Statistics.MinCount != 10 {
		t.Errorf("defaults not applied: lang %q, tls %q, k %d", m.DefaultLang, m.Security.TLSMinVersion, m.Statistics.MinCount)
	}
	for _, id := range []string{"necessary", "preferences", "statistics", "analytics", "advertising"} {
		if m.CookieCategory(id) == nil {
			t.Errorf("default cookie category %q missing", id)
		}
	}
	if !m.CookieCategory("necessary").Required || !m.CookieCategory("advertising").SaleOrShare || m.CookieCategory("statistics").BeforeChoice {
		t.Error("default category flags wrong")
	}
	// A public body's deadline and extension are Art. 83's.
	if r := m.Requests; r.Deadline.String() != "30d" || r.Extension.String() != "30d" || m.Operator.EmailDisplay != EmailPlain {
		t.Errorf("defaults not applied: deadline %s, extension %s, email display %q", r.Deadline, r.Extension, m.Operator.EmailDisplay)
	}
}

// TestCheckReportsEveryProblem is the acceptance check: one manifest with an
// undefined purpose, a cookie without category and a missing translation
// yields all three, each with file, line and field path.
func TestCheckReportsEveryProblem(t *testing.T) {
	_, err := Parse("bad.yaml", mustRead(t, "testdata/bad.yaml"))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	want := []string{
		`bad.yaml:20: purposes[0].description: missing translation: no "en" text`,
		`bad.yaml:31: collection_points[0].fields[0].purpose: undefined purpose "newsletter" (define it under purposes)`,
		`bad.yaml:43: tools[0].cookies[0].category: required: every cookie belongs to a cookie category`,
	}
	got := err.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("problems lack %q; got:\n%s", w, got)
		}
	}
	if len(ps) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(ps), len(want), got)
	}
}

func TestProblems(t *testing.T) {
	base := string(mustRead(t, "testdata/minimal.yaml"))
	tests := []struct {
		name string
		yaml string // appended to the minimal manifest, or replacing it when it starts with "!"
		want string
	}{
		{"unknown key", "opertor: {}\n", `opertor: unknown key "opertor" (did you mean "operator"?)`},
		{"bad duration", "data_categories: [{id: e, name: {ja: a, en: b}}]\npurposes: [{id: p, name: {ja: a, en: b}, description: {ja: a, en: b}}]\ncollection_points: [{id: f, name: {ja: a, en: b}, retention: 3m, fields: [{id: x, label: {ja: a, en: b}, type: text, category: e, purpose: p}]}]\n", `collection_points[0].retention: bad duration "3m": "m" is ambiguous`},
		{"unknown unit", "automatic_collection: [{id: log, what: {ja: a, en: b}, why: {ja: a, en: b}, retention: 3 days}]\n", `unknown unit " days"`},
		{"duplicate id", "purposes: [{id: p, name: {ja: a, en: b}, description: {ja: a, en: b}}, {id: p, name: {ja: a, en: b}, description: {ja: a, en: b}}]\n", `purposes[1].id: duplicate id "p"`},
		{"bad id", "purposes: [{id: Contact Us, name: {ja: a, en: b}, description: {ja: a, en: b}}]\n", `purposes[0].id: bad id "Contact Us"`},
		{"unknown language", "site2: 1\n", `unknown key "site2"`},
		{"text in unknown language", "data_categories: [{id: e, name: {ja: a, en: b, fr: c}}]\n", `data_categories[0].name.fr: unknown language "fr"`},
		{"plain string for text", "data_categories: [{id: e, name: Email}]\n", `data_categories[0].name: want a text in every language`},
		{"undefined data category", "purposes: [{id: p, name: {ja: a, en: b}, description: {ja: a, en: b}, data: [phone]}]\n", `purposes[0].data[0]: undefined data category "phone"`},
		{"third party without opt-out", "tools: [{id: t, name: {ja: a, en: b}, kind: analytics, party: third, recipient: {ja: a, en: b}, category: analytics, information_sent: {ja: a, en: b}, purpose: {ja: a, en: b}}]\n", `tools[0].opt_out: required`},
		{"undefined cookie category", "tools: [{id: t, name: {ja: a, en: b}, kind: other, party: first, category: marketing, information_sent: {ja: a, en: b}, purpose: {ja: a, en: b}}]\n", `tools[0].category: undefined cookie category "marketing"`},
		{"bad cookie duration", "tools: [{id: t, name: {ja: a, en: b}, kind: other, party: first, category: necessary, information_sent: {ja: a, en: b}, purpose: {ja: a, en: b}, cookies: [{name: c, duration: forever, category: necessary, description: {ja: a, en: b}}]}]\n", `tools[0].cookies[0].duration: bad duration "forever"`},
		{"unsupported schema", "!schema: 2\n", `schema: unsupported schema 2`},
		{"not a mapping", "![1, 2]\n", `a manifest is a mapping`},
		{"invalid yaml", "!a: [\n", `not valid YAML`},
		{"two documents", base + "---\na: 1\n", `more than one YAML document`},
		{"bad email", "!" + strings.Replace(base, "info@example.org", "info(at)example.org", 1), `operator.email: bad e-mail address`},
		{"missing section", "!" + strings.Replace(base, "  section: {ja: 広報課, en: Public Relations}\n", "", 1), `operator.section: required`},
		{"bad date", "!" + strings.Replace(base, "2026-01-01", "2026-13-01", 1), `policy.effective: bad date "2026-13-01"`},
		{"key twice", "!" + base + "schema: 1\n", `schema: key given twice`},
		{"unknown field type", "data_categories: [{id: e, name: {ja: a, en: b}}]\npurposes: [{id: p, name: {ja: a, en: b}, description: {ja: a, en: b}}]\ncollection_points: [{id: f, name: {ja: a, en: b}, retention: 1y, fields: [{id: x, label: {ja: a, en: b}, type: password, category: e, purpose: p}]}]\n", `fields[0].type: unknown field type "password"`},
		{"field without purpose", "data_categories: [{id: e, name: {ja: a, en: b}}]\ncollection_points: [{id: f, name: {ja: a, en: b}, retention: 1y, fields: [{id: x, label: {ja: a, en: b}, type: text, category: e}]}]\n", `fields[0].purpose: required`},
		{"short inline marker", "tools: [{id: t, name: {ja: a, en: b}, kind: analytics, party: third, recipient: {ja: a, en: b}, category: analytics, information_sent: {ja: a, en: b}, purpose: {ja: a, en: b}, opt_out: https://t.example/, inline_markers: [ga]}]\n", `tools[0].inline_markers[0]: marker "ga" is too short`},
		{"inline marker of a tool never held back", "tools: [{id: t, name: {ja: a, en: b}, kind: other, party: first, category: analytics, information_sent: {ja: a, en: b}, purpose: {ja: a, en: b}, inline_markers: [siteCounter]}]\n", `tools[0].inline_markers: only tools that wait for consent`},
		{"k too small", "statistics: {publish: true, min_count: 1}\n", `statistics.min_count: must be at least 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := base + tt.yaml
			if strings.HasPrefix(tt.yaml, "!") {
				doc = tt.yaml[1:]
			} else if strings.HasPrefix(tt.yaml, base) {
				doc = tt.yaml
			}
			_, err := Parse("m.yaml", []byte(doc))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error lacks %q; got:\n%s", tt.want, err)
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err %T is not Problems", err)
			}
			for _, p := range ps {
				if !strings.HasPrefix(p.String(), "m.yaml:") || p.Line < 1 {
					t.Errorf("problem without location: %q", p)
				}
			}
		})
	}
}

func TestHashIgnoresLayout(t *testing.T) {
	a, err := Parse("a", mustRead(t, "testdata/minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	reordered := `# comments and order do not matter
copyright: {statement: {en: Copyright, ja: 著作権}}
requests:
  file_register: https://www.example.org/kojinjoho/file-register/
  identity: {en: Identity is verified from an identity document or a copy of one., ja: 本人確認書類の提示又はその写しの提出により確認します。}
  fee: {en: A request for disclosure is free of charge., ja: 開示請求の手数料は無料です。}
security: {measures: [{en: Encryption, ja: 暗号化}]}
policy: {effective: 2026-01-01, version: "1"}
operator:
  ordinance: {name: {en: Test City Ordinance Implementing the Act on the Protection of Personal Information, ja: テスト市個人情報の保護に関する法律施行条例}}
  regime: local_government
  email: info@example.org
  name: {ja: テスト市, en: Test City}
  section: {ja: 広報課, en: Public Relations}
site: {name: {ja: テスト, en: Test}}
languages: [ja, en]
schema: 1
`
	b, err := Parse("b", []byte(reordered))
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() {
		t.Errorf("same content, different hash: %s vs %s", a.Hash(), b.Hash())
	}
	changed, err := Parse("c", []byte(strings.Replace(reordered, "Encryption", "Encryption in transit", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if changed.Hash() == a.Hash() {
		t.Error("changed content, same hash")
	}
}

func TestAliasBombIsRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("languages: *a8\n")
	_, err := Parse("bomb.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("alias bomb accepted")
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		ja, en  string
		wantErr bool
	}{
		{in: "session", want: "session", ja: "ブラウザーを閉じるまで", en: "until the browser is closed"},
		{in: "30d", want: "30d", ja: "30日", en: "30 days"},
		{in: "1y", want: "1y", ja: "1年", en: "1 year"},
		{in: "13mo", want: "13mo", ja: "13か月", en: "13 months"},
		{in: "90min", want: "90min", ja: "90分", en: "90 minutes"},
		{in: "2w", want: "2w", ja: "2週間", en: "2 weeks"},
		{in: "1min", want: "1min", ja: "1分", en: "1 minute"},
		{in: "1h", want: "1h", ja: "1時間", en: "1 hour"},
		{in: "2h", want: "2h", ja: "2時間", en: "2 hours"},
		{in: "1d", want: "1d", ja: "1日", en: "1 day"},
		{in: "1w", want: "1w", ja: "1週間", en: "1 week"},
		{in: "1mo", want: "1mo", ja: "1か月", en: "1 month"},
		{in: "2y", want: "2y", ja: "2年", en: "2 years"},
		{in: "", wantErr: true},
		{in: "d", wantErr: true},
		{in: "0d", wantErr: true},
		{in: "5m", wantErr: true},
		{in: "5 d", wantErr: true},
		{in: "-1d", wantErr: true},
		{in: "99999999999999999999d", wantErr: true},
	}
	for _, tt := range tests {
		d, err := ParseDuration(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseDuration(%q) err = %v", tt.in, err)
			continue
		}
		if tt.wantErr {
			continue
		}
		if d.String() != tt.want || d.Human("ja") != tt.ja || d.Human("en") != tt.en {
			t.Errorf("ParseDuration(%q) = %q / %q / %q", tt.in, d, d.Human("ja"), d.Human("en"))
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(web.DemoManifest)
	for _, name := range []string{"testdata/minimal.yaml", "testdata/bad.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("fuzz.yaml", data)
		if err == nil {
			if m == nil || m.Hash() == "" {
				t.Fatal("valid manifest without hash")
			}
			again, err := Parse("again.yaml", data)
			if err != nil || again.Hash() != m.Hash() {
				t.Fatalf("parsing twice differs: %v", err)
			}
			return
		}
		var ps Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				if p.Line < 1 || p.Message == "" {
					t.Fatalf("problem without line or message: %+v", p)
				}
			}
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"session", "30d", "13mo", "5m", "", "1y", "999999999999h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("round trip of %q: %v, %v", s, back, err)
		}
	})
}

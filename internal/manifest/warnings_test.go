package manifest

import (
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/web"
)

// TestWarnings checks that the short spellings of long-vowel loanwords and
// a basis citing the Telecommunications Business Act are reported at their
// lines, and that what reads right is not.
func TestWarnings(t *testing.T) {
	base := string(mustRead(t, "testdata/minimal.yaml"))
	tests := []struct {
		name string
		edit func(string) string
		want []string
	}{
		{"none", func(s string) string { return s }, nil},
		{
			"mixed browser",
			func(s string) string {
				return s + "automatic_collection:\n" +
					"  - id: log\n" +
					"    what: {ja: ブラウザーの種類とブラウザの言語, en: the browser}\n" +
					"    why: {ja: ブラウザーごとの表示の確認, en: to check pages}\n" +
					"    retention: 90d\n"
			},
			[]string{`m.yaml:25: automatic_collection[0].what.ja: 「ブラウザ」: write 「ブラウザー」, as Noren's documents do (this manifest writes it 2 time(s) too); one term, one spelling`},
		},
		{
			"short forms only",
			func(s string) string {
				return strings.Replace(s, "- {ja: 暗号化, en: Encryption}", "- {ja: サーバ及びコンピュータの通信を暗号化, en: Encryption}", 1)
			},
			[]string{
				`m.yaml:16: security.measures[0].ja: 「コンピュータ」: write 「コンピューター」, as Noren's documents do; one term, one spelling`,
				`m.yaml:16: security.measures[0].ja: 「サーバ」: write 「サーバー」, as Noren's documents do; one term, one spelling`,
			},
		},
		{
			"other words that start alike",
			func(s string) string {
				return strings.Replace(s, "- {ja: 暗号化, en: Encryption}", "- {ja: ユーザビリティの確認とユーザーの保護, en: Usability}", 1)
			},
			nil,
		},
		{
			"user",
			func(s string) string {
				return strings.Replace(s, "- {ja: 暗号化, en: Encryption}", "- {ja: ユーザビリティとユーザ認証, en: Usability}", 1)
			},
			[]string{`m.yaml:16: security.measures[0].ja: 「ユーザ」: write 「ユーザー」, as Noren's documents do; one term, one spelling`},
		},
		{
			"basis citing the Telecommunications Business Act",
			func(s string) string {
				return strings.Replace(s, "  effective: 2026-01-01\n", "  effective: 2026-01-01\n  basis:\n"+
					"    ja: 個人情報の保護に関する法律及び電気通信事業法第27条の12\n"+
					"    en: the Act on the Protection of Personal Information and Article 27-12 of the Telecommunications Business Act\n", 1)
			},
			[]string{
				`m.yaml:15: policy.basis.ja: the Telecommunications Business Act is not a basis for handling personal information; the cookie policy cites it by itself for external transmission. Name the Act on the Protection of Personal Information (and the ordinance) only, or leave policy.basis out to have Noren write it`,
				`m.yaml:16: policy.basis.en: the Telecommunications Business Act is not a basis for handling personal information; the cookie policy cites it by itself for external transmission. Name the Act on the Protection of Personal Information (and the ordinance) only, or leave policy.basis out to have Noren write it`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("m.yaml", []byte(tt.edit(base)))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range m.Warnings() {
				got = append(got, w.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestDemoManifestHasNoWarnings keeps the demo written as Noren asks
// every manifest to be.
func TestDemoManifestHasNoWarnings(t *testing.T) {
	m, err := Parse("demo.yaml", web.DemoManifest)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range m.Warnings() {
		t.Errorf("demo manifest: %s", w)
	}
}

package publicstats

import (
	"bytes"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/policy"
)

// TestPrivacyPolicyMentionsThePage checks that the privacy policy links
// the statistics page, by its title, exactly when the manifest publishes
// statistics, and names the noise exactly when there is some.
func TestPrivacyPolicyMentionsThePage(t *testing.T) {
	tests := []struct {
		name    string
		st      manifest.Statistics
		want    map[string][]string
		notWant map[string][]string
	}{
		{"published", manifest.Statistics{Publish: true, MinCount: 10},
			map[string][]string{"ja": {"[アクセス統計](/ja/stats)", "10人未満"}, "en": {"[Site statistics](/en/stats)", "fewer than 10 visitors are suppressed"}},
			map[string][]string{"ja": {"ラプラス"}, "en": {"Laplace"}}},
		{"published with noise", manifest.Statistics{Publish: true, MinCount: 5, Epsilon: 1},
			map[string][]string{"ja": {"[アクセス統計](/ja/stats)", "ラプラス分布"}, "en": {"[Site statistics](/en/stats)", "Laplace"}},
			nil},
		{"not published", manifest.Statistics{Publish: false, MinCount: 10},
			nil,
			map[string][]string{"ja": {"/stats"}, "en": {"/stats"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := demoManifest(t, tt.st)
			for _, lang := range []string{"ja", "en"} {
				var b bytes.Buffer
				if err := policy.Render(&b, m, lang, policy.Privacy, policy.Markdown); err != nil {
					t.Fatal(err)
				}
				for _, w := range tt.want[lang] {
					if !strings.Contains(b.String(), w) {
						t.Errorf("%s policy lacks %q", lang, w)
					}
				}
				for _, w := range tt.notWant[lang] {
					if strings.Contains(b.String(), w) {
						t.Errorf("%s policy has %q", lang, w)
					}
				}
			}
		})
	}
}

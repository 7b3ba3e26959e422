package policy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/manifest"
)

// TestVerifiedLine checks the cookie policy's "last verified" line: on the
// cookie policy alone, with the day in the site's zone, in era dates when
// the manifest asks, and absent when the hook says there is no clean scan.
func TestVerifiedLine(t *testing.T) {
	jst := time.FixedZone("JST", 9*60*60)
	// 15:30 UTC on 30 November is 00:30 on 1 December in Japan.
	at := time.Date(2026, 11, 30, 15, 30, 0, 0, time.UTC)
	era := demoManifest(t)
	era.Policy.EraDates = true
	plain := demoManifest(t)
	plain.Policy.EraDates = false
	tests := []struct {
		name     string
		m        *manifest.Manifest
		ok       bool
		path     string
		want     string
		wantNone bool
	}{
		{"japanese", plain, true, "/ja/cookies", "<p class=\"doc__verified\">最終確認日：2026年12月1日（自動検査で違反が見つからなかった日）</p>", false},
		{"english", demoManifest(t), true, "/en/cookies", "<p class=\"doc__verified\">Last verified on 1 December 2026 by an automated scan that found no violation.</p>", false},
		{"era", era, true, "/ja/cookies", "最終確認日：令和8年12月1日（2026年12月1日）（", false},
		{"no clean scan", demoManifest(t), false, "/ja/cookies", "", true},
		{"privacy policy", demoManifest(t), true, "/ja/privacy", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked *manifest.Manifest
			srv := serve(t, Options{Manifest: fixed(tt.m), Location: jst,
				Verified: func(_ context.Context, m *manifest.Manifest) (time.Time, bool) {
					asked = m
					return at, tt.ok
				}})
			_, body := get(t, srv, tt.path)
			if tt.wantNone {
				if strings.Contains(body, "doc__verified") {
					t.Errorf("the page has the verified line")
				}
				return
			}
			if !strings.Contains(body, tt.want) {
				t.Errorf("the page lacks %q", tt.want)
			}
			if asked != tt.m {
				t.Error("the hook was not asked about the manifest the page renders")
			}
		})
	}
}

package site

import (
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/entitytag"
)

func TestTranslateIfNoneMatch(t *testing.T) {
	fp := injectionFingerprint("v1")
	old := injectionFingerprint("v0")
	page, _ := injectedETag(`"page"`, fp)
	stale, _ := injectedETag(`"page"`, old)
	tests := []struct {
		name, header string
		document     bool
		want         string
		inner        []string
		changed      bool
	}{
		{"injected tag", page, false, `"page"`, []string{`"page"`}, true},
		{"stale injection", stale, false, "", nil, true},
		{"other tags kept", `"asset", ` + page, false, `"asset", "page"`, []string{`"page"`}, true},
		{"nothing injected", `"asset", W/"x"`, false, `"asset", W/"x"`, nil, false},
		{"page cached without injection", `"raw"`, true, "", nil, true},
		{"document with an injected tag", `"raw", ` + page, true, `"page"`, []string{`"page"`}, true},
		{"star", `*`, true, `*`, nil, false},
		{"malformed", `"unterminated`, false, `"unterminated`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, inner, changed := translateIfNoneMatch(tt.header, fp, tt.document)
			if got != tt.want || !slices.Equal(inner, tt.inner) || changed != tt.changed {
				t.Errorf("translateIfNoneMatch(%q) = %q, %q, %v; want %q, %q, %v",
					tt.header, got, inner, changed, tt.want, tt.inner, tt.changed)
			}
		})
	}
}

func FuzzIfNoneMatch(f *testing.F) {
	f.Add(`"abc", W/"def-noren-0123456789ab"`, "abc", false)
	f.Add(`*`, "x", true)
	f.Fuzz(func(t *testing.T, header, opaque string, document bool) {
		fp := injectionFingerprint("fuzz")
		got, inner, changed := translateIfNoneMatch(header, fp, document)
		if changed && got != "" {
			if _, ok := entitytag.ParseList(got); !ok {
				t.Fatalf("translateIfNoneMatch(%q) produced unparsable %q", header, got)
			}
		}
		if len(inner) > 0 && !changed {
			t.Fatalf("translateIfNoneMatch(%q) found tags without a change", header)
		}
		if strings.Contains(opaque, `"`) {
			return
		}
		ours, ok := injectedETag(`"`+opaque+`"`, fp)
		if !ok {
			t.Fatalf("injectedETag(%q) failed", opaque)
		}
		if _, inner, _ := translateIfNoneMatch(ours, fp, document); len(inner) != 1 || inner[0] != `"`+opaque+`"` {
			t.Fatalf("%s translated to %q, want %q", ours, inner, `"`+opaque+`"`)
		}
	})
}

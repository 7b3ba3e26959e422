package manifest

import (
	"testing"

	"github.com/noren-web/noren/web"
)

func TestCollectionPointName(t *testing.T) {
	m, err := Parse("demo", web.DemoManifest)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ id, lang, want string }{
		{"contact", "ja", "お問い合わせ"},
		{"contact", "en", "Contact us"},
		// A record of a form the manifest no longer lists keeps its id.
		{"retired-form", "ja", "retired-form"},
	}
	for _, tt := range tests {
		if got := m.CollectionPointName(tt.id, tt.lang); got != tt.want {
			t.Errorf("CollectionPointName(%q, %q) = %q, want %q", tt.id, tt.lang, got, tt.want)
		}
	}
}

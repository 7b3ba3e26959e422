package manifest

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestPlaceholdersAreRefused checks that every value still starting with
// "REPLACE:" is reported with its path and line, alone: the e-mail and URL
// checks say nothing about a value that is a placeholder.
func TestPlaceholdersAreRefused(t *testing.T) {
	base := string(mustRead(t, "testdata/minimal.yaml"))
	doc := strings.NewReplacer(
		"name: {ja: テスト市, en: Test City}", `name: {ja: "REPLACE: 運営者の名称", en: "REPLACE: operator name"}`,
		"email: info@example.org", "url: \"REPLACE: https://www.example.jp/\"\n  email: \"REPLACE: privacy@example.jp\"",
		"- {ja: 暗号化, en: Encryption}", `- {ja: 暗号化, en: "  REPLACE: a security measure"}`,
	).Replace(base)

	_, err := Parse("m.yaml", []byte(doc))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("got %v, want Problems", err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	want := []string{
		`m.yaml:6: operator.name.ja: still a placeholder, "REPLACE: 運営者の名称": write the real value`,
		`m.yaml:6: operator.name.en: still a placeholder, "REPLACE: operator name": write the real value`,
		`m.yaml:8: operator.url: still a placeholder, "REPLACE: https://www.example.jp/": write the real value`,
		`m.yaml:9: operator.email: still a placeholder, "REPLACE: privacy@example.jp": write the real value`,
		`m.yaml:17: security.measures[0].en: still a placeholder, "REPLACE: a security measure": write the real value`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	filled := strings.ReplaceAll(doc, PlaceholderPrefix+" ", "")
	if _, err := Parse("m.yaml", []byte(filled)); err != nil {
		t.Errorf("with the placeholders written out: %v", err)
	}
}

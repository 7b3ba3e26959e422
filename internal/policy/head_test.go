package policy

import "testing"

func TestHeadLinks(t *testing.T) {
	m := demoManifest(t)
	for _, lang := range []string{"ja", "en"} {
		want := `<link rel="privacy-policy" href="/` + lang + `/privacy"><meta name="noren-policy-version" content="` + m.VersionLabel() + `">`
		if got := HeadLinks(m, lang); got != want {
			t.Errorf("%s:\n got %s\nwant %s", lang, got, want)
		}
	}
}

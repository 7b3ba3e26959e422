package consent_test

import (
	"testing"

	"github.com/noren-web/noren/internal/consent"
)

// BenchmarkPageConfig measures the configuration every HTML page carries.
func BenchmarkPageConfig(b *testing.B) {
	m := siteManifest(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := consent.PageConfig(m, "ja", false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseCookie measures reading the cookie every request may
// carry.
func BenchmarkParseCookie(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := consent.ParseCookie(validCookie); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate measures what the page rewriter does per request.
func BenchmarkEvaluate(b *testing.B) {
	m := siteManifest(b)
	cats, tools := allDecided()
	cookie := cookieFor(m, clock, cats, tools)
	b.ReportAllocs()
	for b.Loop() {
		if st := consent.Evaluate(m, cookie, clock); !st.Present {
			b.Fatal("cookie not read")
		}
	}
}

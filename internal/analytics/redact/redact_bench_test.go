package redact

import "testing"

// BenchmarkText redacts the free-text fields of one event, as the
// collector does for each: a typical clean one, a Japanese one, and a
// dirty one with something of every kind to replace.
func BenchmarkText(b *testing.B) {
	for _, bc := range []struct {
		name   string
		fields []string
	}{
		{"clean", []string{"pageview", "/blog/2026/12/tea-ceremony", "example.com", "www.google.com/", "Google", "organic", "", "", "", ""}},
		{"japanese", []string{"search", "/ja/お知らせ/サービス一覧", "example.jp", "search.yahoo.co.jp/search", "Yahoo! JAPAN", "organic", "", "確定申告　２０２６年　必要書類", "plan", "ベーシック"}},
		{"dirty", []string{"Signup", "/user/192.168.1.1/", "example.com", "203.0.113.9/admin", "taro@example.com", "email", "090-1234-5678", "電話 ０９０－１２３４－５６７８", "ua", chrome}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var n Counts
			for b.Loop() {
				for _, f := range bc.fields {
					Text(f, &n)
				}
			}
		})
	}
}

package enrich

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// referrerCases are visits to a site served as example.jp.
var referrerCases = []struct {
	name       string
	page, ref  string
	site       string
	want       Source
	wantStored string
}{
	{"direct", "https://example.jp/ja/", "", "example.jp", Source{}, ""},

	// Search engines.
	{"Google", "https://example.jp/", "https://www.google.com/", "example.jp",
		Source{"Google", "organic", ""}, "www.google.com/"},
	{"Google without path", "https://example.jp/", "https://www.google.com", "example.jp",
		Source{"Google", "organic", ""}, "www.google.com/"},
	{"Google Japan with query", "https://example.jp/", "https://www.google.co.jp/search?q=noren&hl=ja#top", "example.jp",
		Source{"Google", "organic", ""}, "www.google.co.jp/search"},
	{"Google Australia", "https://example.jp/", "https://www.google.com.au/", "example.jp",
		Source{"Google", "organic", ""}, "www.google.com.au/"},
	{"Google Germany bare", "https://example.jp/", "https://google.de/", "example.jp",
		Source{"Google", "organic", ""}, "google.de/"},
	{"Google app on Android", "https://example.jp/", "android-app://com.google.android.googlequicksearchbox/https/www.google.com", "example.jp",
		Source{"Google", "organic", ""}, "com.google.android.googlequicksearchbox/https/www.google.com"},
	{"Google upper case", "https://example.jp/", "HTTPS://WWW.GOOGLE.COM/", "example.jp",
		Source{"Google", "organic", ""}, "www.google.com/"},
	{"Google account pages are no search", "https://example.jp/", "https://accounts.google.com/", "example.jp",
		Source{"accounts.google.com", "referral", ""}, "accounts.google.com/"},
	{"look-alike of Google", "https://example.jp/", "https://www.google.example.com/", "example.jp",
		Source{"www.google.example.com", "referral", ""}, "www.google.example.com/"},
	{"Google as a subdomain elsewhere", "https://example.jp/", "https://google.com.evil.jp/", "example.jp",
		Source{"google.com.evil.jp", "referral", ""}, "google.com.evil.jp/"},
	{"Bing", "https://example.jp/", "https://www.bing.com/search?q=noren", "example.jp",
		Source{"Bing", "organic", ""}, "www.bing.com/search"},
	{"Bing China", "https://example.jp/", "https://cn.bing.com/", "example.jp",
		Source{"Bing", "organic", ""}, "cn.bing.com/"},
	{"Yahoo! JAPAN", "https://example.jp/", "https://search.yahoo.co.jp/search?p=startup", "example.jp",
		Source{"Yahoo! JAPAN", "organic", ""}, "search.yahoo.co.jp/search"},
	{"Yahoo! JAPAN News is a referral", "https://example.jp/", "https://news.yahoo.co.jp/articles/abc", "example.jp",
		Source{"news.yahoo.co.jp", "referral", ""}, "news.yahoo.co.jp/articles/abc"},
	{"Yahoo", "https://example.jp/", "https://search.yahoo.com/search?p=noren", "example.jp",
		Source{"Yahoo", "organic", ""}, "search.yahoo.com/search"},
	{"Yahoo UK", "https://example.jp/", "https://uk.search.yahoo.com/", "example.jp",
		Source{"Yahoo", "organic", ""}, "uk.search.yahoo.com/"},
	{"DuckDuckGo", "https://example.jp/", "https://duckduckgo.com/", "example.jp",
		Source{"DuckDuckGo", "organic", ""}, "duckduckgo.com/"},
	{"Baidu", "https://example.jp/", "https://www.baidu.com/link?url=abc", "example.jp",
		Source{"Baidu", "organic", ""}, "www.baidu.com/link"},
	{"Naver", "https://example.jp/", "https://search.naver.com/search.naver?query=noren", "example.jp",
		Source{"Naver", "organic", ""}, "search.naver.com/search.naver"},
	{"Naver mobile", "https://example.jp/", "https://m.search.naver.com/", "example.jp",
		Source{"Naver", "organic", ""}, "m.search.naver.com/"},
	{"Yandex", "https://example.jp/", "https://yandex.ru/search/?text=noren", "example.jp",
		Source{"Yandex", "organic", ""}, "yandex.ru/search/"},
	{"Ecosia", "https://example.jp/", "https://www.ecosia.org/search?q=noren", "example.jp",
		Source{"Ecosia", "organic", ""}, "www.ecosia.org/search"},
	{"goo", "https://example.jp/", "https://search.goo.ne.jp/web.jsp?MT=noren", "example.jp",
		Source{"goo", "organic", ""}, "search.goo.ne.jp/web.jsp"},
	{"BIGLOBE", "https://example.jp/", "https://cgi.search.biglobe.ne.jp/cgi-bin/search-st?q=noren", "example.jp",
		Source{"BIGLOBE", "organic", ""}, "cgi.search.biglobe.ne.jp/cgi-bin/search-st"},

	// Social networks.
	{"X short link", "https://example.jp/", "https://t.co/AbCdEf", "example.jp",
		Source{"X", "social", ""}, "t.co/AbCdEf"},
	{"X", "https://example.jp/", "https://x.com/", "example.jp", Source{"X", "social", ""}, "x.com/"},
	{"Twitter", "https://example.jp/", "https://twitter.com/", "example.jp", Source{"X", "social", ""}, "twitter.com/"},
	{"Twitter mobile", "https://example.jp/", "https://mobile.twitter.com/", "example.jp", Source{"X", "social", ""}, "mobile.twitter.com/"},
	{"Facebook", "https://example.jp/", "https://www.facebook.com/", "example.jp", Source{"Facebook", "social", ""}, "www.facebook.com/"},
	{"Facebook link shim", "https://example.jp/", "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.jp%2F", "example.jp",
		Source{"Facebook", "social", ""}, "l.facebook.com/l.php"},
	{"Facebook mobile", "https://example.jp/", "https://m.facebook.com/", "example.jp", Source{"Facebook", "social", ""}, "m.facebook.com/"},
	{"Instagram", "https://example.jp/", "https://l.instagram.com/", "example.jp", Source{"Instagram", "social", ""}, "l.instagram.com/"},
	{"LINE", "https://example.jp/", "https://line.me/R/", "example.jp", Source{"LINE", "social", ""}, "line.me/R/"},
	{"LINE LIFF", "https://example.jp/", "https://liff.line.me/123-abc", "example.jp", Source{"LINE", "social", ""}, "liff.line.me/123-abc"},
	{"LinkedIn", "https://example.jp/", "https://www.linkedin.com/", "example.jp", Source{"LinkedIn", "social", ""}, "www.linkedin.com/"},
	{"LinkedIn short link", "https://example.jp/", "https://lnkd.in/abc", "example.jp", Source{"LinkedIn", "social", ""}, "lnkd.in/abc"},
	{"YouTube", "https://example.jp/", "https://www.youtube.com/", "example.jp", Source{"YouTube", "social", ""}, "www.youtube.com/"},
	{"YouTube mobile", "https://example.jp/", "https://m.youtube.com", "example.jp", Source{"YouTube", "social", ""}, "m.youtube.com/"},
	{"YouTube short link", "https://example.jp/", "https://youtu.be/xyz", "example.jp", Source{"YouTube", "social", ""}, "youtu.be/xyz"},
	{"Hatena Bookmark", "https://example.jp/", "https://b.hatena.ne.jp/entry/s/example.jp/", "example.jp",
		Source{"Hatena Bookmark", "social", ""}, "b.hatena.ne.jp/entry/s/example.jp/"},
	{"note", "https://example.jp/", "https://note.com/someone/n/n123", "example.jp", Source{"note", "social", ""}, "note.com/someone/n/n123"},
	{"Qiita", "https://example.jp/", "https://qiita.com/someone/items/abc", "example.jp", Source{"Qiita", "social", ""}, "qiita.com/someone/items/abc"},
	{"Zenn", "https://example.jp/", "https://zenn.dev/someone/articles/abc", "example.jp", Source{"Zenn", "social", ""}, "zenn.dev/someone/articles/abc"},
	{"Reddit", "https://example.jp/", "https://old.reddit.com/r/golang/", "example.jp", Source{"Reddit", "social", ""}, "old.reddit.com/r/golang/"},
	{"Mastodon instance is a referral", "https://example.jp/", "https://mastodon.social/@someone/123", "example.jp",
		Source{"mastodon.social", "referral", ""}, "mastodon.social/@someone/123"},

	// Webmail.
	{"Gmail", "https://example.jp/", "https://mail.google.com/", "example.jp", Source{"Gmail", "email", ""}, "mail.google.com/"},
	{"Gmail app", "https://example.jp/", "android-app://com.google.android.gm/", "example.jp", Source{"Gmail", "email", ""}, "com.google.android.gm/"},
	{"Outlook", "https://example.jp/", "https://outlook.live.com/", "example.jp", Source{"Outlook", "email", ""}, "outlook.live.com/"},
	{"Yahoo! JAPAN Mail", "https://example.jp/", "https://mail.yahoo.co.jp/", "example.jp", Source{"Yahoo! JAPAN Mail", "email", ""}, "mail.yahoo.co.jp/"},

	// Other sites.
	{"Tokyo Metropolitan Government", "https://example.jp/", "https://www.metro.tokyo.lg.jp/", "example.jp",
		Source{"www.metro.tokyo.lg.jp", "referral", ""}, "www.metro.tokyo.lg.jp/"},
	{"another subdomain is another site", "https://example.jp/", "https://blog.example.jp/post", "example.jp",
		Source{"blog.example.jp", "referral", ""}, "blog.example.jp/post"},
	{"user information and port dropped", "https://example.jp/", "https://user:secret@example.com:8443/a?b=c", "example.jp",
		Source{"example.com", "referral", ""}, "example.com/a"},
	{"backslash ends the host", "https://example.jp/", `https://evil.example\@www.google.com/`, "example.jp",
		Source{"evil.example", "referral", ""}, `evil.example\@www.google.com/`},
	{"IPv6 literal", "https://example.jp/", "http://[2001:db8::1]:8080/x", "example.jp",
		Source{"[2001:db8::1]", "referral", ""}, "[2001:db8::1]/x"},
	{"path that is not text", "https://example.jp/", "https://example.com/a\xffb", "example.jp",
		Source{"example.com", "referral", ""}, "example.com/"},
	{"overlong path", "https://example.jp/", "https://example.com/" + strings.Repeat("a", 600), "example.jp",
		Source{"example.com", "referral", ""}, "example.com/" + strings.Repeat("a", maxReferrer-len("example.com/"))},

	// The site itself.
	{"internal", "https://example.jp/ja/news/1", "https://example.jp/ja/", "example.jp", Source{}, ""},
	{"internal with www", "https://example.jp/", "https://www.example.jp/", "example.jp", Source{}, ""},
	{"internal site with www", "https://www.example.jp/", "https://example.jp/", "www.example.jp", Source{}, ""},
	{"internal with port", "http://localhost:8080/", "http://localhost:8080/en/", "localhost:8080", Source{}, ""},
	{"internal by page host", "https://demo.localhost/en/", "https://demo.localhost/ja/", "", Source{}, ""},
	{"internal upper case", "https://example.jp/", "https://EXAMPLE.JP/", "example.jp", Source{}, ""},

	// Tags in the page URL.
	{"utm wins over referrer", "https://example.jp/?utm_source=newsletter&utm_medium=email&utm_campaign=spring", "https://www.google.com/", "example.jp",
		Source{"newsletter", "email", "spring"}, "www.google.com/"},
	{"utm source alone has no medium", "https://example.jp/?utm_source=newsletter", "https://www.google.com/", "example.jp",
		Source{"newsletter", "", ""}, "www.google.com/"},
	{"utm medium alone replaces the referrer's", "https://example.jp/?utm_medium=cpc", "https://www.google.com/", "example.jp",
		Source{"Google", "cpc", ""}, "www.google.com/"},
	{"utm campaign on a direct visit", "https://example.jp/?utm_campaign=poster", "", "example.jp",
		Source{"", "", "poster"}, ""},
	{"ref", "https://example.jp/?ref=producthunt", "https://www.producthunt.com/", "example.jp",
		Source{"producthunt", "", ""}, "www.producthunt.com/"},
	{"source", "https://example.jp/?source=qr-poster", "", "example.jp", Source{"qr-poster", "", ""}, ""},
	{"utm_source before ref and source", "https://example.jp/?source=c&ref=a&utm_source=b", "", "example.jp", Source{"b", "", ""}, ""},
	{"ref before source", "https://example.jp/?source=c&ref=a", "", "example.jp", Source{"a", "", ""}, ""},
	{"first value counts", "https://example.jp/?utm_source=a&utm_source=b", "", "example.jp", Source{"a", "", ""}, ""},
	{"empty value is no tag", "https://example.jp/?utm_source=&ref=a", "", "example.jp", Source{"a", "", ""}, ""},
	{"percent-encoded Japanese", "https://example.jp/?utm_source=%E3%83%A1%E3%83%AB%E3%83%9E%E3%82%AC&utm_campaign=spring+sale", "", "example.jp",
		Source{"メルマガ", "", "spring sale"}, ""},
	{"malformed escape is no tag", "https://example.jp/?utm_source=%zz", "https://www.bing.com/", "example.jp",
		Source{"Bing", "organic", ""}, "www.bing.com/"},
	{"control character is no tag", "https://example.jp/?utm_source=a%0Ab", "", "example.jp", Source{}, ""},
	{"invalid UTF-8 is no tag", "https://example.jp/?utm_source=%FF", "", "example.jp", Source{}, ""},
	{"overlong tag cut", "https://example.jp/?utm_source=" + strings.Repeat("x", 150), "", "example.jp",
		Source{strings.Repeat("x", maxTagged), "", ""}, ""},
	{"tag in fragment ignored", "https://example.jp/#/page?utm_source=a", "", "example.jp", Source{}, ""},
	{"query before fragment", "https://example.jp/?utm_source=a#utm_source=b", "", "example.jp", Source{"a", "", ""}, ""},
	{"tags on an internal visit", "https://example.jp/?utm_source=banner", "https://example.jp/", "example.jp", Source{"banner", "", ""}, ""},
	{"keys are case-sensitive", "https://example.jp/?UTM_SOURCE=a", "", "example.jp", Source{}, ""},

	// Malformed input.
	{"malformed page URL", "%%%", "https://www.google.com/", "example.jp", Source{"Google", "organic", ""}, "www.google.com/"},
	{"no scheme", "https://example.jp/", "www.google.com/", "example.jp", Source{}, ""},
	{"about:blank", "https://example.jp/", "about:blank", "example.jp", Source{}, ""},
	{"javascript", "https://example.jp/", "javascript:alert(1)//://x", "example.jp", Source{}, ""},
	{"ftp", "https://example.jp/", "ftp://example.com/", "example.jp", Source{}, ""},
	{"empty host", "https://example.jp/", "https://", "example.jp", Source{}, ""},
	{"empty host with path", "https://example.jp/", "https:///path", "example.jp", Source{}, ""},
	{"space in host", "https://example.jp/", "https://exa mple.com/", "example.jp", Source{}, ""},
	{"unclosed IPv6", "https://example.jp/", "https://[::1/", "example.jp", Source{}, ""},
	{"bad port", "https://example.jp/", "https://example.com:abc/", "example.jp", Source{}, ""},
	{"empty label", "https://example.jp/", "https://example..com/", "example.jp", Source{}, ""},
	{"unicode host", "https://example.jp/", "https://例え.jp/", "example.jp", Source{}, ""},
}

func TestReferrer(t *testing.T) {
	for _, tt := range referrerCases {
		t.Run(tt.name, func(t *testing.T) {
			got, stored := Referrer(tt.page, tt.ref, tt.site)
			if got != tt.want || stored != tt.wantStored {
				t.Errorf("Referrer(%q, %q, %q)\n got %+v, %q\nwant %+v, %q", tt.page, tt.ref, tt.site, got, stored, tt.want, tt.wantStored)
			}
		})
	}
}

func TestIsGoogleSearch(t *testing.T) {
	for host, want := range map[string]bool{
		"google.com": true, "www.google.com": true, "www.google.co.jp": true, "google.co.uk": true,
		"www.google.com.br": true, "www.google.de": true, "google.fr": true,
		"mail.google.com": false, "google.example.com": false, "google.co.evil": false, "google.com.evil.jp": false,
		"notgoogle.com": false, "google": false, "google.": false, "google.c": false, "google.co.": false,
	} {
		if got := isGoogleSearch(host); got != want {
			t.Errorf("isGoogleSearch(%q) = %v, want %v", host, got, want)
		}
	}
}

func FuzzReferrer(f *testing.F) {
	f.Fuzz(func(t *testing.T, page, ref, site string) {
		src, stored := Referrer(page, ref, site)
		if strings.ContainsAny(stored, "?#") {
			t.Errorf("stored referrer %q keeps a query or fragment", stored)
		}
		if len(stored) > maxReferrer || !utf8.ValidString(stored) {
			t.Errorf("stored referrer %q is not fit to store", stored)
		}
		for _, s := range []string{src.Source, src.Medium, src.Campaign} {
			if len(s) > 253 || !utf8.ValidString(s) || strings.ContainsFunc(s, isControl) {
				t.Errorf("dimension %q is not fit to store", s)
			}
		}
		tags := pageTags(page)
		if stored == "" && tags.Source == "" && src.Source != "" {
			t.Errorf("source %q without a referrer or a tag", src.Source)
		}
		if stored != "" && src.Source == "" {
			t.Errorf("referrer %q stored without a source", stored)
		}
	})
}

func BenchmarkReferrer(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c := referrerCases[i%len(referrerCases)]
		Referrer(c.page, c.ref, c.site)
	}
}

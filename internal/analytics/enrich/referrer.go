package enrich

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// Mediums given to sources recognised from the referrer.
const (
	MediumOrganic  = "organic"
	MediumSocial   = "social"
	MediumEmail    = "email"
	MediumReferral = "referral"
)

// maxTagged bounds a source, medium or campaign taken from the page URL.
const maxTagged = 100

// maxReferrer bounds the stored referrer.
const maxReferrer = 500

// Source is where a visit came from.
type Source struct {
	Source   string // "Google", "Yahoo! JAPAN", "X", a utm_source, a referring host …; "" for direct
	Medium   string // MediumOrganic, MediumSocial, MediumEmail, MediumReferral or a utm_medium
	Campaign string // utm_campaign
}

// Referrer classifies the origin of a visit to pageURL that came from
// referrer on a site served as siteHost (the page URL's host when empty).
//
// A source tagged in the page URL (utm_source, else ref, else source) wins
// over the referrer, and then the medium is utm_medium alone; otherwise the
// referrer's host gives the source and medium, and utm_medium, when given,
// replaces the medium. utm_campaign is the campaign either way.
//
// The second result is the referrer to store: host and path without query
// or fragment, "" for no referrer, a malformed one, or one on the site
// itself. A referrer on the site itself is no new source: without tags in
// the page URL the Source is zero.
func Referrer(pageURL, referrer, siteHost string) (Source, string) {
	tags := pageTags(pageURL)
	if siteHost == "" {
		siteHost = urlHost(pageURL)
	}
	src, stored := fromReferrer(referrer, siteHost)
	if tags.Source != "" {
		src = Source{Source: tags.Source, Medium: tags.Medium}
	} else if tags.Medium != "" {
		src.Medium = tags.Medium
	}
	src.Campaign = tags.Campaign
	return src, stored
}

// pageTags returns the source, medium and campaign tagged in the query of
// a page URL; the first value of each parameter counts.
func pageTags(pageURL string) Source {
	pageURL, _, _ = strings.Cut(pageURL, "#")
	_, query, ok := strings.Cut(pageURL, "?")
	if !ok {
		return Source{}
	}
	var tags Source
	var ref, source string
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		key, value, _ := strings.Cut(pair, "=")
		var dst *string
		switch key {
		case "utm_source":
			dst = &tags.Source
		case "utm_medium":
			dst = &tags.Medium
		case "utm_campaign":
			dst = &tags.Campaign
		case "ref":
			dst = &ref
		case "source":
			dst = &source
		default:
			continue
		}
		if *dst == "" {
			*dst = tagValue(value)
		}
	}
	if tags.Source == "" {
		tags.Source = ref
	}
	if tags.Source == "" {
		tags.Source = source
	}
	return tags
}

// tagValue decodes a query value, or returns "" when it is not valid
// UTF-8 text; it is trimmed and cut to maxTagged bytes.
func tagValue(v string) string {
	if strings.ContainsAny(v, "%+") {
		d, err := url.QueryUnescape(v)
		if err != nil {
			return ""
		}
		v = d
	}
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) || strings.ContainsFunc(v, isControl) {
		return ""
	}
	return truncate(v, maxTagged)
}

// isControl reports whether r is a control character, which no tag name
// needs.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// urlHost returns the normalised host of an absolute http(s) URL, or "".
func urlHost(u string) string {
	host, _, ok := splitURL(u)
	if !ok {
		return ""
	}
	return host
}

// splitURL splits an absolute URL into its normalised host (lower case,
// without user information, port or trailing dot) and its path (without
// query or fragment). ok is false for URLs that are not http, https or
// android-app (the referrer Android gives apps), and for malformed hosts.
func splitURL(u string) (host, path string, ok bool) {
	u = strings.TrimSpace(u)
	scheme, rest, found := strings.Cut(u, "://")
	if !found {
		return "", "", false
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "android-app":
	default:
		return "", "", false
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	host, path = rest, ""
	// Browsers read a backslash in an http URL as a slash.
	if i := strings.IndexAny(rest, `/\`); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	host, ok = normalHost(host)
	return host, path, ok
}

// normalHost lower-cases host and drops its port and trailing dot. ok is
// false unless what is left is a plausible DNS name or IP literal.
func normalHost(host string) (string, bool) {
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", false
		}
		host = host[:end+1]
		for i := 1; i < end; i++ {
			if c := host[i]; !isHex(c) && c != ':' && c != '.' {
				return "", false
			}
		}
		return strings.ToLower(host), end > 1
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		for j := i + 1; j < len(host); j++ {
			if host[j] < '0' || host[j] > '9' {
				return "", false
			}
		}
		host = host[:i]
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > 253 {
		return "", false
	}
	for i := 0; i < len(host); i++ {
		c := host[i] | 0x20
		if !('a' <= c && c <= 'z') && !('0' <= host[i] && host[i] <= '9') && host[i] != '-' && host[i] != '.' && host[i] != '_' {
			return "", false
		}
	}
	if host[0] == '.' || strings.Contains(host, "..") {
		return "", false
	}
	return strings.ToLower(host), true
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f'
}

// fromReferrer classifies a referrer URL for a site served as siteHost and
// returns the referrer to store.
func fromReferrer(referrer, siteHost string) (Source, string) {
	host, path, ok := splitURL(referrer)
	if !ok {
		return Source{}, ""
	}
	if site, ok := normalHost(siteHost); ok && sameSite(host, site) {
		return Source{}, ""
	}
	// The path is stored as sent; one that is not text is left out.
	if path == "" || !utf8.ValidString(path) || strings.ContainsFunc(path, isControl) {
		path = "/"
	}
	stored := truncate(host+path, maxReferrer)
	if name, medium, ok := knownSource(host); ok {
		return Source{Source: name, Medium: medium}, stored
	}
	return Source{Source: host, Medium: MediumReferral}, stored
}

// sameSite reports whether two hosts are one site, counting "www." as no
// difference.
func sameSite(a, b string) bool {
	return strings.TrimPrefix(a, "www.") == strings.TrimPrefix(b, "www.")
}

// knownSource returns the name and medium of a well-known referring host,
// matching host itself and then each parent domain, so that the most
// specific entry wins ("mail.google.com" before any Google rule).
func knownSource(host string) (name, medium string, ok bool) {
	for h := host; ; {
		if name, medium, ok := knownHost(h); ok {
			return name, medium, true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	if isGoogleSearch(host) {
		return "Google", MediumOrganic, true
	}
	return "", "", false
}

// knownHost looks up one domain among the well-known sources. Subdomains
// of an entry belong to it.
func knownHost(h string) (name, medium string, ok bool) {
	switch h {
	// Webmail.
	case "mail.google.com", "com.google.android.gm":
		return "Gmail", MediumEmail, true
	case "outlook.live.com", "outlook.office.com", "outlook.office365.com":
		return "Outlook", MediumEmail, true
	case "mail.yahoo.co.jp":
		return "Yahoo! JAPAN Mail", MediumEmail, true
	case "mail.yahoo.com":
		return "Yahoo Mail", MediumEmail, true
	case "mail.yandex.ru", "mail.yandex.com":
		return "Yandex Mail", MediumEmail, true

	// Search engines.
	case "com.google.android.googlequicksearchbox":
		return "Google", MediumOrganic, true
	case "bing.com":
		return "Bing", MediumOrganic, true
	case "search.yahoo.co.jp":
		return "Yahoo! JAPAN", MediumOrganic, true
	case "search.yahoo.com":
		return "Yahoo", MediumOrganic, true
	case "duckduckgo.com":
		return "DuckDuckGo", MediumOrganic, true
	case "baidu.com":
		return "Baidu", MediumOrganic, true
	case "search.naver.com":
		return "Naver", MediumOrganic, true
	case "yandex.ru", "yandex.com", "yandex.com.tr", "yandex.kz", "yandex.by", "yandex.ua", "ya.ru":
		return "Yandex", MediumOrganic, true
	case "ecosia.org":
		return "Ecosia", MediumOrganic, true
	case "search.goo.ne.jp":
		return "goo", MediumOrganic, true
	case "search.biglobe.ne.jp":
		return "BIGLOBE", MediumOrganic, true
	case "search.brave.com":
		return "Brave Search", MediumOrganic, true
	case "startpage.com":
		return "Startpage", MediumOrganic, true
	case "qwant.com":
		return "Qwant", MediumOrganic, true
	case "kagi.com":
		return "Kagi", MediumOrganic, true

	// Social networks and community sites.
	case "x.com", "twitter.com", "t.co":
		return "X", MediumSocial, true
	case "facebook.com", "fb.me":
		return "Facebook", MediumSocial, true
	case "instagram.com":
		return "Instagram", MediumSocial, true
	case "threads.net", "threads.com":
		return "Threads", MediumSocial, true
	case "line.me", "line.naver.jp", "jp.naver.line.android":
		return "LINE", MediumSocial, true
	case "linkedin.com", "lnkd.in":
		return "LinkedIn", MediumSocial, true
	case "youtube.com", "youtu.be":
		return "YouTube", MediumSocial, true
	case "tiktok.com":
		return "TikTok", MediumSocial, true
	case "b.hatena.ne.jp":
		return "Hatena Bookmark", MediumSocial, true
	case "note.com":
		return "note", MediumSocial, true
	case "qiita.com":
		return "Qiita", MediumSocial, true
	case "zenn.dev":
		return "Zenn", MediumSocial, true
	case "reddit.com":
		return "Reddit", MediumSocial, true
	case "bsky.app":
		return "Bluesky", MediumSocial, true
	case "news.ycombinator.com":
		return "Hacker News", MediumSocial, true
	}
	return "", "", false
}

// isGoogleSearch reports whether host is Google's search site in any
// country: google.com, google.co.jp, www.google.com.au, google.de …
func isGoogleSearch(host string) bool {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(host, "www."), "google.")
	if !ok {
		return false
	}
	if r, ok := strings.CutPrefix(rest, "co."); ok {
		rest = r
	} else if r, ok := strings.CutPrefix(rest, "com."); ok {
		rest = r
	} else if rest == "com" {
		return true
	}
	return len(rest) == 2 && 'a' <= rest[0] && rest[0] <= 'z' && 'a' <= rest[1] && rest[1] <= 'z'
}

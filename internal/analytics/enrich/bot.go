package enrich

import (
	"strings"
)

// botTokens are lower-case fragments that only non-human clients put in a
// User-Agent: crawlers, monitors, headless and automated browsers,
// link-preview fetchers and HTTP libraries. Most named crawlers also match
// the generic "bot", "crawl" and "spider"; they are listed when they do not.
var botTokens = []string{
	// Generic words crawlers use to name themselves.
	"bot", "crawl", "spider", "slurp", "fetch", "scanner", "archiver",
	"preview", "monitor", "uptime", "headless", "feed",
	// Search engines and their helpers, including the Japanese ones.
	"y!j-", "hatena", "livedoor", "ichiro/", "moget/", "yeti/", "daumoa",
	"mediapartners-google", "googleother", "google-inspectiontool",
	"google favicon", "google-read-aloud", "google-safety", "google-extended",
	"yandeximages", "yandexfavicons", "yandexmetrika", "yandexwebmaster",
	"qwantify", "ia_archiver",
	// AI crawlers and agents whose names lack "bot".
	"chatgpt", "anthropic", "claude", "perplexity", "cohere-ai",
	"meta-external", "imagesift",
	// Link previews.
	"facebookexternalhit", "facebookcatalog", "whatsapp/", "embedly",
	"iframely", "vkshare", "flipboardproxy", "mastodon/", "misskey/",
	"pleroma", "http.rb/",
	// Site speed tests and monitoring.
	"lighthouse", "pingdom", "gtmetrix", "ptst/", "statuscake", "site24x7",
	"newrelic", "datadog", "checkly", "zabbix", "nagios", "check_http",
	"prometheus", "blackbox",
	// Automated browsers.
	"phantomjs", "slimerjs", "selenium", "webdriver", "puppeteer",
	"playwright",
	// HTTP libraries and command-line clients.
	"curl/", "wget/", "python", "aiohttp", "httpx", "go-http-client",
	"okhttp", "axios/", "undici", "java/", "apache-httpclient",
	"jakarta commons", "libwww", "lwp::", "ruby", "guzzlehttp", "php/",
	"httpie", "postmanruntime", "insomnia/", "scrapy", "colly",
	"wordpress/", "dart:io", "powershell",
	// Network scanners.
	"zgrab", "masscan", "nmap", "censys", "nuclei", "nikto", "sqlmap",
}

// botIndex finds botTokens in one pass over a lower-cased User-Agent.
var botIndex = newTokenIndex(botTokens)

// tokenIndex is a set of tokens of at least three bytes, arranged for
// search: at each position of the searched text, two bit sets of the
// tokens' first and second byte pairs rule out almost every start before
// the few tokens with that first byte are compared.
type tokenIndex struct {
	first   [1 << 16 / 64]uint64 // bit t[0]<<8|t[1] of each token t
	second  [1 << 16 / 64]uint64 // bit t[1]<<8|t[2] of each token t
	byFirst [256][]string
}

// newTokenIndex indexes tokens, which must be at least three bytes long.
func newTokenIndex(tokens []string) *tokenIndex {
	idx := new(tokenIndex)
	for _, t := range tokens {
		setPair(&idx.first, t[0], t[1])
		setPair(&idx.second, t[1], t[2])
		idx.byFirst[t[0]] = append(idx.byFirst[t[0]], t)
	}
	return idx
}

// setPair sets the bit of the byte pair a b in set.
func setPair(set *[1 << 16 / 64]uint64, a, b byte) {
	p := uint(a)<<8 | uint(b)
	set[p/64] |= 1 << (p % 64)
}

// hasPair reports whether the bit of the byte pair a b is set in set.
func hasPair(set *[1 << 16 / 64]uint64, a, b byte) bool {
	p := uint(a)<<8 | uint(b)
	return set[p/64]&(1<<(p%64)) != 0
}

// find returns the first token found in s and where it starts, or "" and -1.
func (idx *tokenIndex) find(s []byte) (string, int) {
	for i := 0; i+2 < len(s); i++ {
		if !hasPair(&idx.first, s[i], s[i+1]) || !hasPair(&idx.second, s[i+1], s[i+2]) {
			continue
		}
		for _, t := range idx.byFirst[s[i]] {
			if len(s)-i >= len(t) && string(s[i:i+len(t)]) == t {
				return t, i
			}
		}
	}
	return "", -1
}

// maxScanned bounds the bytes of a User-Agent that are examined; real ones
// are a few hundred bytes, and the bound keeps the lower-case copy on the
// stack.
const maxScanned = 512

// IsBot reports whether ua belongs to something other than a person's
// browser. An empty User-Agent, and one that does not start like a browser's
// ("Mozilla/" or the old "Opera/"), count as bots.
func IsBot(ua string) bool {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return true
	}
	if !strings.HasPrefix(ua, "Mozilla/") && !strings.HasPrefix(ua, "Opera/") {
		return true
	}
	if len(ua) > maxScanned {
		ua = ua[:maxScanned]
	}
	var buf [maxScanned]byte
	lower := buf[:len(ua)]
	for i := 0; i < len(ua); i++ {
		c := ua[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	for len(lower) > 0 {
		t, i := botIndex.find(lower)
		if i < 0 {
			return false
		}
		// Cubot is a phone maker, not a crawler.
		if t != "bot" || i < 2 || string(lower[i-2:i]) != "cu" {
			return true
		}
		lower = lower[i+len(t):]
	}
	return false
}

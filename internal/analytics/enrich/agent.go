package enrich

import "strings"

// Device classes.
const (
	Desktop = "desktop"
	Mobile  = "mobile"
	Tablet  = "tablet"
)

// Agent is what a User-Agent string says, reduced to non-identifying
// classes.
type Agent struct {
	Browser        string // "Chrome", "Safari", "Firefox", "Edge", "Samsung Internet", "LINE" …, "" when unknown
	BrowserVersion string // major version only, "" when unknown
	OS             string // "Windows", "macOS", "iOS", "iPadOS", "Android", "Linux", "ChromeOS" …, "" when unknown
	Device         string // Desktop, Mobile or Tablet
	Bot            bool   // see IsBot
}

// ParseAgent classifies a User-Agent string.
//
// An iPad asking for desktop sites (the default since iPadOS 13) sends the
// same User-Agent as Safari on a Mac; the touch screen that tells them apart
// is not visible here, so such an iPad counts as a macOS desktop.
func ParseAgent(ua string) Agent {
	system, device := parseOS(ua)
	browser, version := parseBrowser(ua, system)
	return Agent{Browser: browser, BrowserVersion: version, OS: system, Device: device, Bot: IsBot(ua)}
}

// parseOS returns the operating system and device class of ua. The order
// of the checks matters: iOS User-Agents say "like Mac OS X", Android ones
// say "Linux", and Windows Phone and KaiOS ones say "Android".
func parseOS(ua string) (system, device string) {
	has := func(s string) bool { return strings.Contains(ua, s) }
	switch {
	case has("Windows Phone"):
		return "Windows Phone", Mobile
	case has("iPad"):
		return "iPadOS", Tablet
	case has("iPhone"), has("iPod"):
		return "iOS", Mobile
	case has("KAIOS"), has("KaiOS"):
		return "KaiOS", Mobile
	case has("OpenHarmony"):
		switch {
		case has("Tablet"):
			return "HarmonyOS", Tablet
		case has("Phone"):
			return "HarmonyOS", Mobile
		}
		return "HarmonyOS", Desktop
	case has("Android"):
		// Android browsers mark phones with "Mobile" (Opera Mini with its
		// name) and leave it out on tablets, where Firefox says "Tablet".
		if (has("Mobile") || has("Opera Mini")) && !has("Tablet") {
			return "Android", Mobile
		}
		return "Android", Tablet
	case has("Windows"):
		return "Windows", Desktop
	case has("CrOS"):
		return "ChromeOS", Desktop
	case has("Macintosh"), has("Mac OS X"):
		return "macOS", Desktop
	case has("Linux"):
		return "Linux", Desktop
	case has("Mobi"):
		return "", Mobile
	}
	return "", Desktop
}

// browserProduct returns the browser that the product name of a
// "Name/version" token identifies, and its rank: derived and in-app
// browsers also carry the products of the engine they are built on
// ("Chrome/", "Safari/"), so the lowest rank found wins. ok is false for
// products that name no browser by themselves.
func browserProduct(name string) (browser string, rank int, ok bool) {
	switch name {
	case "FBAV":
		return "Facebook", 1, true
	case "Line":
		return "LINE", 2, true
	case "MicroMessenger":
		return "WeChat", 3, true
	case "GSA":
		return "Google App", 4, true
	case "YaBrowser", "YaSearchBrowser":
		return "Yandex Browser", 5, true
	case "SamsungBrowser":
		return "Samsung Internet", 6, true
	case "UCBrowser":
		return "UC Browser", 7, true
	case "Opera Mini":
		return "Opera Mini", 8, true
	case "OPR", "OPiOS":
		return "Opera", 9, true
	case "EdgA", "EdgiOS", "Edg", "Edge":
		return "Edge", 10, true
	case "Vivaldi":
		return "Vivaldi", 11, true
	case "Whale":
		return "Whale", 12, true
	case "DuckDuckGo":
		return "DuckDuckGo", 13, true
	case "Silk":
		return "Silk", 14, true
	case "HuaweiBrowser":
		return "Huawei Browser", 15, true
	case "MiuiBrowser":
		return "MIUI Browser", 16, true
	case "FxiOS", "Firefox":
		return "Firefox", 17, true
	case "CriOS":
		return "Chrome", 18, true
	}
	return "", 0, false
}

// products are the "Name/version" tokens of a User-Agent that decide its
// browser; each field holds the text after the slash, "" when absent.
type products struct {
	best         string // the browser of the lowest-ranked browserProduct
	bestRank     int
	bestVersion  string
	facebook     bool // FBAN/ or FB_IAB/, which Facebook's in-app browser always has
	trident      bool
	chromium     string
	chrome       string
	version      string // Safari's and Opera's "Version/"
	chromeSeen   bool
	chromiumSeen bool
	versionSeen  bool
}

// scanProducts finds the product tokens of ua in one pass over its slashes.
func scanProducts(ua string) products {
	var p products
	for at := 0; ; {
		j := strings.IndexByte(ua[at:], '/')
		if j < 0 {
			return p
		}
		j += at
		k := j
		for k > 0 && !isProductSeparator(ua[k-1]) {
			k--
		}
		name, after := ua[k:j], ua[j+1:]
		if name == "Mini" && strings.HasSuffix(ua[:k], "Opera ") {
			name = "Opera Mini"
		}
		if browser, rank, ok := browserProduct(name); ok {
			if p.best == "" || rank < p.bestRank {
				p.best, p.bestRank, p.bestVersion = browser, rank, majorVersion(after)
			}
		} else {
			switch name {
			case "FBAN", "FB_IAB":
				p.facebook = true
			case "Trident":
				p.trident = true
			case "Chromium":
				p.chromium, p.chromiumSeen = majorVersion(after), true
			case "Chrome":
				p.chrome, p.chromeSeen = majorVersion(after), true
			case "Version":
				p.version, p.versionSeen = majorVersion(after), true
			}
		}
		at = j + 1
	}
}

// isProductSeparator reports whether c ends the text before a product name.
func isProductSeparator(c byte) bool {
	switch c {
	case ' ', ';', '(', ')', '[', ']', ',', '+':
		return true
	}
	return false
}

// parseBrowser returns the browser family and major version of ua, running
// on system.
func parseBrowser(ua, system string) (name, version string) {
	// Instagram writes its version after a space, not a slash.
	if i := strings.Index(ua, "Instagram "); i >= 0 {
		return "Instagram", majorVersion(ua[i+len("Instagram "):])
	}
	p := scanProducts(ua)
	switch {
	case p.best != "":
		return p.best, p.bestVersion
	case p.facebook:
		return "Facebook", ""
	}
	if i := strings.Index(ua, "MSIE "); i >= 0 {
		return "Internet Explorer", majorVersion(ua[i+len("MSIE "):])
	}
	if p.trident {
		// Internet Explorer 11 dropped "MSIE" and gives its version as rv:.
		if j := strings.Index(ua, "rv:"); j >= 0 {
			return "Internet Explorer", majorVersion(ua[j+len("rv:"):])
		}
		return "Internet Explorer", ""
	}
	switch {
	case p.chromiumSeen:
		return "Chromium", p.chromium
	case p.chromeSeen && strings.Contains(ua, "; wv)"):
		// Android's WebView marks itself with "wv" and carries the
		// Chrome version it is built from.
		return "WebView", p.chrome
	case p.chromeSeen:
		return "Chrome", p.chrome
	case p.versionSeen && strings.HasPrefix(ua, "Opera/"):
		return "Opera", p.version
	case p.versionSeen && system == "Android":
		return "Android Browser", p.version
	case p.versionSeen && strings.Contains(ua, "Safari/"):
		return "Safari", p.version
	case (system == "iOS" || system == "iPadOS") && strings.Contains(ua, "AppleWebKit/"):
		// Apps that show pages in their own WebKit view leave out
		// Safari's "Version/".
		return "WebView", ""
	}
	return "", ""
}

// majorVersion returns the leading digits of s, at most eight of them.
func majorVersion(s string) string {
	n := 0
	for n < len(s) && n < 8 && '0' <= s[n] && s[n] <= '9' {
		n++
	}
	return s[:n]
}

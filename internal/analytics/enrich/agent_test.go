package enrich

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// humanAgents are User-Agents of people's browsers, as browsers and in-app
// browsers send them.
var humanAgents = []struct {
	name string
	ua   string
	want Agent
}{
	// Desktop.
	{"Chrome Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		Agent{Browser: "Chrome", BrowserVersion: "131", OS: "Windows", Device: Desktop}},
	{"Chrome macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		Agent{Browser: "Chrome", BrowserVersion: "131", OS: "macOS", Device: Desktop}},
	{"Chrome Linux", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		Agent{Browser: "Chrome", BrowserVersion: "131", OS: "Linux", Device: Desktop}},
	{"Chrome ChromeOS", "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		Agent{Browser: "Chrome", BrowserVersion: "131", OS: "ChromeOS", Device: Desktop}},
	{"Chromium Ubuntu", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/83.0.4103.61 Chrome/83.0.4103.61 Safari/537.36",
		Agent{Browser: "Chromium", BrowserVersion: "83", OS: "Linux", Device: Desktop}},
	{"Edge Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
		Agent{Browser: "Edge", BrowserVersion: "131", OS: "Windows", Device: Desktop}},
	{"Edge macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
		Agent{Browser: "Edge", BrowserVersion: "131", OS: "macOS", Device: Desktop}},
	{"Edge legacy", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045",
		Agent{Browser: "Edge", BrowserVersion: "18", OS: "Windows", Device: Desktop}},
	{"Firefox Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
		Agent{Browser: "Firefox", BrowserVersion: "133", OS: "Windows", Device: Desktop}},
	{"Firefox ESR Windows 7", "Mozilla/5.0 (Windows NT 6.1; rv:115.0) Gecko/20100101 Firefox/115.0",
		Agent{Browser: "Firefox", BrowserVersion: "115", OS: "Windows", Device: Desktop}},
	{"Firefox macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
		Agent{Browser: "Firefox", BrowserVersion: "133", OS: "macOS", Device: Desktop}},
	{"Firefox Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
		Agent{Browser: "Firefox", BrowserVersion: "133", OS: "Linux", Device: Desktop}},
	{"Firefox Ubuntu", "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
		Agent{Browser: "Firefox", BrowserVersion: "133", OS: "Linux", Device: Desktop}},
	{"Safari macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
		Agent{Browser: "Safari", BrowserVersion: "17", OS: "macOS", Device: Desktop}},
	// iPadOS asks for desktop sites with the Mac's User-Agent; nothing in it
	// tells the two apart.
	{"Safari iPad desktop mode", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
		Agent{Browser: "Safari", BrowserVersion: "18", OS: "macOS", Device: Desktop}},
	{"Opera Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
		Agent{Browser: "Opera", BrowserVersion: "115", OS: "Windows", Device: Desktop}},
	{"Opera Presto", "Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18",
		Agent{Browser: "Opera", BrowserVersion: "12", OS: "Windows", Device: Desktop}},
	{"Yandex Browser Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 YaBrowser/24.6.0.0 Safari/537.36",
		Agent{Browser: "Yandex Browser", BrowserVersion: "24", OS: "Windows", Device: Desktop}},
	{"Vivaldi Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Vivaldi/7.0.3495.18",
		Agent{Browser: "Vivaldi", BrowserVersion: "7", OS: "Windows", Device: Desktop}},
	{"Whale Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Whale/3.28.266.14 Safari/537.36",
		Agent{Browser: "Whale", BrowserVersion: "3", OS: "Windows", Device: Desktop}},
	{"IE 11", "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
		Agent{Browser: "Internet Explorer", BrowserVersion: "11", OS: "Windows", Device: Desktop}},
	{"IE 10", "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)",
		Agent{Browser: "Internet Explorer", BrowserVersion: "10", OS: "Windows", Device: Desktop}},

	// iOS and iPadOS.
	{"Safari iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
		Agent{Browser: "Safari", BrowserVersion: "17", OS: "iOS", Device: Mobile}},
	{"Safari iPhone 18", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1",
		Agent{Browser: "Safari", BrowserVersion: "18", OS: "iOS", Device: Mobile}},
	{"Safari iPod", "Mozilla/5.0 (iPod touch; CPU iPhone OS 15_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6 Mobile/15E148 Safari/604.1",
		Agent{Browser: "Safari", BrowserVersion: "15", OS: "iOS", Device: Mobile}},
	{"Safari iPad", "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		Agent{Browser: "Safari", BrowserVersion: "18", OS: "iPadOS", Device: Tablet}},
	{"Chrome iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
		Agent{Browser: "Chrome", BrowserVersion: "131", OS: "iOS", Device: Mobile}},
	{"Chrome iPad", "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
		Agent{Browser: "Chrome", BrowserVersion: "131", OS: "iPadOS", Device: Tablet}},
	{"Edge iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/131.2903.68 Mobile/15E148 Safari/605.1.15",
		Agent{Browser: "Edge", BrowserVersion: "131", OS: "iOS", Device: Mobile}},
	{"Firefox iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
		Agent{Browser: "Firefox", BrowserVersion: "133", OS: "iOS", Device: Mobile}},
	{"DuckDuckGo iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 DuckDuckGo/7 Safari/605.1.15",
		Agent{Browser: "DuckDuckGo", BrowserVersion: "7", OS: "iOS", Device: Mobile}},
	{"Google app iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/343.0.695551749 Mobile/15E148 Safari/604.1",
		Agent{Browser: "Google App", BrowserVersion: "343", OS: "iOS", Device: Mobile}},
	{"LINE iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/14.9.0",
		Agent{Browser: "LINE", BrowserVersion: "14", OS: "iOS", Device: Mobile}},
	{"Facebook iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/471.0.0.38.108;FBBV/634441361;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/ja_JP;FBOP/5;FBRV/636166254]",
		Agent{Browser: "Facebook", BrowserVersion: "471", OS: "iOS", Device: Mobile}},
	{"Facebook iPad", "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/471.0.0.38.108;FBBV/634441361;FBDV/iPad13,1;FBMD/iPad;FBSN/iPadOS;FBSV/17.5;FBSS/2;FBID/tablet;FBLC/en_US;FBOP/5]",
		Agent{Browser: "Facebook", BrowserVersion: "471", OS: "iPadOS", Device: Tablet}},
	{"Instagram iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 339.0.3.12.91 (iPhone14,2; iOS 17_5_1; ja_JP; ja; scale=3.00; 1170x2532; 622520358)",
		Agent{Browser: "Instagram", BrowserVersion: "339", OS: "iOS", Device: Mobile}},
	{"WeChat iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN",
		Agent{Browser: "WeChat", BrowserVersion: "8", OS: "iOS", Device: Mobile}},
	{"WebKit view iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
		Agent{Browser: "WebView", OS: "iOS", Device: Mobile}},

	// Android.
	{"Chrome Android phone", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
		Agent{Browser: "Chrome", BrowserVersion: "131", OS: "Android", Device: Mobile}},
	{"Chrome Pixel 8", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
		Agent{Browser: "Chrome", BrowserVersion: "131", OS: "Android", Device: Mobile}},
	{"Chrome Android tablet", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		Agent{Browser: "Chrome", BrowserVersion: "131", OS: "Android", Device: Tablet}},
	{"Chrome Cubot phone", "Mozilla/5.0 (Linux; Android 12; CUBOT KINGKONG 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 Mobile Safari/537.36",
		Agent{Browser: "Chrome", BrowserVersion: "99", OS: "Android", Device: Mobile}},
	{"Edge Android", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0",
		Agent{Browser: "Edge", BrowserVersion: "131", OS: "Android", Device: Mobile}},
	{"Firefox Android phone", "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
		Agent{Browser: "Firefox", BrowserVersion: "133", OS: "Android", Device: Mobile}},
	{"Firefox Android tablet", "Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko/133.0 Firefox/133.0",
		Agent{Browser: "Firefox", BrowserVersion: "133", OS: "Android", Device: Tablet}},
	{"Samsung Internet phone", "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
		Agent{Browser: "Samsung Internet", BrowserVersion: "26", OS: "Android", Device: Mobile}},
	{"Samsung Internet tablet", "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Safari/537.36",
		Agent{Browser: "Samsung Internet", BrowserVersion: "26", OS: "Android", Device: Tablet}},
	{"Opera Android", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36 OPR/86.0.0.0",
		Agent{Browser: "Opera", BrowserVersion: "86", OS: "Android", Device: Mobile}},
	{"Opera Mini Android", "Opera/9.80 (Android; Opera Mini/36.2.2254/119.132; U; id) Presto/2.12.423 Version/12.16",
		Agent{Browser: "Opera Mini", BrowserVersion: "36", OS: "Android", Device: Mobile}},
	{"Yandex Browser Android", "Mozilla/5.0 (Linux; Android 13; SM-A525F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 YaBrowser/24.6.3.107.00 SA/3 Mobile Safari/537.36",
		Agent{Browser: "Yandex Browser", BrowserVersion: "24", OS: "Android", Device: Mobile}},
	{"UC Browser Android", "Mozilla/5.0 (Linux; U; Android 10; en-US; RMX2020 Build/QP1A.190711.020) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/13.4.0.1306 Mobile Safari/537.36",
		Agent{Browser: "UC Browser", BrowserVersion: "13", OS: "Android", Device: Mobile}},
	{"LINE Android", "Mozilla/5.0 (Linux; Android 13; SO-51C Build/65.1.C.0.108; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 Line/13.23.0/IAB",
		Agent{Browser: "LINE", BrowserVersion: "13", OS: "Android", Device: Mobile}},
	{"Facebook Android", "Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/477.0.0.49.82;]",
		Agent{Browser: "Facebook", BrowserVersion: "477", OS: "Android", Device: Mobile}},
	{"Instagram Android", "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.134 Mobile Safari/537.36 Instagram 339.0.0.30.105 Android (34/14; 480dpi; 1080x2115; samsung; SM-S918B; dm3q; qcom; en_US; 622525862)",
		Agent{Browser: "Instagram", BrowserVersion: "339", OS: "Android", Device: Mobile}},
	{"WebView Android", "Mozilla/5.0 (Linux; Android 13; SM-G991B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.81 Mobile Safari/537.36",
		Agent{Browser: "WebView", BrowserVersion: "131", OS: "Android", Device: Mobile}},
	{"Silk Kindle Fire", "Mozilla/5.0 (Linux; Android 9; KFMAWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/131.2.1 like Chrome/131.0.6778.85 Safari/537.36",
		Agent{Browser: "Silk", BrowserVersion: "131", OS: "Android", Device: Tablet}},
	{"Android stock browser", "Mozilla/5.0 (Linux; U; Android 4.0.3; ja-jp; SC-02C Build/IML74K) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30",
		Agent{Browser: "Android Browser", BrowserVersion: "4", OS: "Android", Device: Mobile}},

	// Other mobile systems.
	{"Edge Windows Phone", "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.15063",
		Agent{Browser: "Edge", BrowserVersion: "15", OS: "Windows Phone", Device: Mobile}},
	{"HarmonyOS phone", "Mozilla/5.0 (Phone; OpenHarmony 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36 ArkWeb/4.1.6.1 Mobile",
		Agent{Browser: "Chrome", BrowserVersion: "114", OS: "HarmonyOS", Device: Mobile}},
	{"HarmonyOS tablet", "Mozilla/5.0 (Tablet; OpenHarmony 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36 ArkWeb/4.1.6.1",
		Agent{Browser: "Chrome", BrowserVersion: "114", OS: "HarmonyOS", Device: Tablet}},
	{"HarmonyOS PC", "Mozilla/5.0 (PC; OpenHarmony 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36 ArkWeb/4.1.6.1",
		Agent{Browser: "Chrome", BrowserVersion: "114", OS: "HarmonyOS", Device: Desktop}},
	{"KaiOS", "Mozilla/5.0 (Mobile; LYF/F300B/LYF-F300B-001-01-15-130718-i;Android; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5",
		Agent{Browser: "Firefox", BrowserVersion: "48", OS: "KaiOS", Device: Mobile}},
}

// botAgents are User-Agents of crawlers, monitors, headless browsers,
// link-preview fetchers and HTTP libraries.
var botAgents = []struct{ name, ua string }{
	{"empty", ""},
	{"blank", "   "},
	{"Googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
	{"Googlebot desktop", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36"},
	{"Googlebot smartphone", "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
	{"Googlebot-Image", "Googlebot-Image/1.0"},
	{"AdsBot-Google", "AdsBot-Google (+http://www.google.com/adsbot.html)"},
	{"Mediapartners-Google", "Mediapartners-Google"},
	{"Google-InspectionTool", "Mozilla/5.0 (compatible; Google-InspectionTool/1.0;)"},
	{"GoogleOther", "GoogleOther"},
	{"Google Feedfetcher", "FeedFetcher-Google; (+http://www.google.com/feedfetcher.html)"},
	{"Bingbot", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"},
	{"Bingbot desktop", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36"},
	{"BingPreview", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0.3945.74 Safari/537.36 Edg/79.0.309.43 BingPreview/1.0b"},
	{"Applebot", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)"},
	{"YandexBot", "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)"},
	{"YandexImages", "Mozilla/5.0 (compatible; YandexImages/3.0; +http://yandex.com/bots)"},
	{"Baiduspider", "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"},
	{"DuckDuckBot", "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)"},
	{"Sogou", "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)"},
	{"SeznamBot", "Mozilla/5.0 (compatible; SeznamBot/4.0; +https://o-seznam.cz/napoveda/vyhledavani/en/seznambot-crawler/)"},
	{"Naver Yeti", "Mozilla/5.0 (compatible; Yeti/1.1; +http://naver.me/spd)"},
	{"Yahoo! Slurp", "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)"},
	{"Y!J-ASR", "Y!J-ASR/0.1 crawler (http://www.yahoo-help.jp/app/answers/detail/p/595/a_id/42716/)"},
	{"Y!J-BRW", "Y!J-BRW/1.0 crawler (http://help.yahoo.co.jp/help/jp/search/indexing/indexing-15.html)"},
	{"Y!J-BRJ/YATS", "Mozilla/5.0 (iPhone; CPU iPhone OS 8_1 like Mac OS X) AppleWebKit/600.1.4 (KHTML, like Gecko) Version/8.0 Mobile/12B411 Safari/600.1.4 (compatible; Y!J-BRJ/YATS crawler; http://help.yahoo.co.jp/help/jp/search/indexing/indexing-15.html)"},
	{"goo ichiro", "ichiro/3.0 (http://search.goo.ne.jp/option/use/sub4/sub4-1/)"},
	{"Hatena Antenna", "Hatena Antenna/0.5 (http://a.hatena.ne.jp/help)"},
	{"Hatena fetcher", "Mozilla/5.0 (compatible; Hatena::Fetcher/0.01; +http://www.hatena.ne.jp/)"},
	{"livedoor FeedFetcher", "livedoor FeedFetcher/0.01 (http://reader.livedoor.com/; 1 subscriber)"},
	{"archive.org", "Mozilla/5.0 (compatible; archive.org_bot +http://archive.org/details/archive.org_bot)"},
	{"facebookexternalhit", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"},
	{"LINE preview", "facebookexternalhit/1.1;line-poker/1.0"},
	{"meta-externalagent", "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)"},
	{"Twitterbot", "Twitterbot/1.0"},
	{"Slackbot", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"},
	{"Discordbot", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"},
	{"LinkedInBot", "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"},
	{"TelegramBot", "TelegramBot (like TwitterBot)"},
	{"WhatsApp", "WhatsApp/2.23.20.0"},
	{"Skype preview", "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com"},
	{"Mastodon", "Mastodon/4.3.1 (http.rb/5.2.0; +https://mastodon.social/)"},
	{"AhrefsBot", "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"},
	{"SemrushBot", "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)"},
	{"MJ12bot", "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)"},
	{"PetalBot", "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)"},
	{"Screaming Frog", "Screaming Frog SEO Spider/20.0"},
	{"GPTBot", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"},
	{"ChatGPT-User", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot"},
	{"ClaudeBot", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)"},
	{"Claude-User", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Claude-User/1.0; +Claude-User@anthropic.com)"},
	{"CCBot", "CCBot/2.0 (https://commoncrawl.org/faq/)"},
	{"Bytespider", "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)"},
	{"PerplexityBot", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)"},
	{"Amazonbot", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot) Chrome/119.0.6045.214 Safari/537.36"},
	{"HeadlessChrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.85 Safari/537.36"},
	{"PhantomJS", "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1"},
	{"Lighthouse mobile", "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse"},
	{"Lighthouse desktop", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Chrome-Lighthouse"},
	{"UptimeRobot", "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"},
	{"Pingdom", "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)"},
	{"Pingdom page speed", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/61.0.3163.100 Safari/537.36 PingdomPageSpeed/1.0 (pingbot/2.0; +http://www.pingdom.com/)"},
	{"generic crawler", "Mozilla/5.0 (compatible; ExampleCrawler/1.0)"},
	{"generic spider", "Mozilla/5.0 (compatible; ExampleSpider/2.0)"},
	{"generic bot", "Mozilla/5.0 (compatible; ExampleBot/1.0)"},
	{"curl", "curl/8.5.0"},
	{"Wget", "Wget/1.21.4"},
	{"python-requests", "python-requests/2.32.3"},
	{"Python urllib", "Python-urllib/3.12"},
	{"aiohttp", "Python/3.12 aiohttp/3.10.10"},
	{"Go-http-client 1.1", "Go-http-client/1.1"},
	{"Go-http-client 2.0", "Go-http-client/2.0"},
	{"okhttp", "okhttp/4.12.0"},
	{"axios", "axios/1.7.7"},
	{"node-fetch", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)"},
	{"Node fetch", "node"},
	{"Java", "Java/17.0.9"},
	{"Apache-HttpClient", "Apache-HttpClient/4.5.14 (Java/17.0.9)"},
	{"libwww-perl", "libwww-perl/6.72"},
	{"PostmanRuntime", "PostmanRuntime/7.42.0"},
	{"Dalvik", "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240905.003)"},
	{"curl as Mozilla", "Mozilla/5.0 curl/8.5.0"},
	{"python-requests as Mozilla", "Mozilla/5.0 (X11; Linux x86_64) python-requests/2.32.3"},
}

func TestParseAgentHumans(t *testing.T) {
	for _, tt := range humanAgents {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseAgent(tt.ua); got != tt.want {
				t.Errorf("ParseAgent(%q)\n got %+v\nwant %+v", tt.ua, got, tt.want)
			}
			if IsBot(tt.ua) {
				t.Errorf("IsBot(%q) = true, want false", tt.ua)
			}
		})
	}
}

func TestIsBot(t *testing.T) {
	for _, tt := range botAgents {
		t.Run(tt.name, func(t *testing.T) {
			if !IsBot(tt.ua) {
				t.Errorf("IsBot(%q) = false, want true", tt.ua)
			}
			if !ParseAgent(tt.ua).Bot {
				t.Errorf("ParseAgent(%q).Bot = false, want true", tt.ua)
			}
		})
	}
}

// TestParseAgentBotStillClassified checks that a bot posing as a browser is
// still described, so that logs of dropped events say what it claimed.
func TestParseAgentBotStillClassified(t *testing.T) {
	ua := "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	want := Agent{Browser: "Chrome", BrowserVersion: "131", OS: "Android", Device: Mobile, Bot: true}
	if got := ParseAgent(ua); got != want {
		t.Errorf("ParseAgent = %+v, want %+v", got, want)
	}
}

// TestIsBotLongAgent checks that a bot token past the scanned prefix of an
// overlong User-Agent is not looked for, and one inside it is found.
func TestIsBotLongAgent(t *testing.T) {
	pad := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) " + strings.Repeat("x", maxScanned)
	if IsBot(pad + " Googlebot/2.1") {
		t.Errorf("IsBot found a token past the first %d bytes", maxScanned)
	}
	if !IsBot("Mozilla/5.0 (compatible; Googlebot/2.1) " + strings.Repeat("x", 2*maxScanned)) {
		t.Errorf("IsBot missed a token at the start of a long User-Agent")
	}
}

// TestAgentCorpus checks testdata/agents.json: the User-Agents the
// collector load script sends, which must parse as the people they stand
// for, a phone whose Android build number bots/local.txt keeps from
// counting as a crawler, and crawlers only the generated tokens know.
func TestAgentCorpus(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "agents.json"))
	if err != nil {
		t.Fatal(err)
	}
	var corpus []struct {
		UA   string
		Want Agent
	}
	if err := json.Unmarshal(b, &corpus); err != nil {
		t.Fatalf("parse testdata/agents.json: %v", err)
	}
	if len(corpus) == 0 {
		t.Fatal("testdata/agents.json is empty")
	}
	for _, tt := range corpus {
		if got := ParseAgent(tt.UA); got != tt.Want {
			t.Errorf("ParseAgent(%q)\n got %+v\nwant %+v", tt.UA, got, tt.Want)
		}
	}
}

func TestParseAgentUnknown(t *testing.T) {
	for _, tt := range []struct {
		ua   string
		want Agent
	}{
		{"Mozilla/5.0", Agent{Device: Desktop}},
		{"Mozilla/5.0 (Mobile; rv:1.0)", Agent{Device: Mobile}},
		{"Mozilla/5.0 (Windows NT 10.0) Gecko", Agent{OS: "Windows", Device: Desktop}},
		{"Mozilla/5.0 (X11; FreeBSD amd64) Chrome/", Agent{Browser: "Chrome", Device: Desktop}},
	} {
		if got := ParseAgent(tt.ua); got != tt.want {
			t.Errorf("ParseAgent(%q) = %+v, want %+v", tt.ua, got, tt.want)
		}
	}
}

// knownNames are every browser and system name ParseAgent can return.
func knownNames() (browsers, systems map[string]bool) {
	browsers = map[string]bool{"": true, "Instagram": true, "Facebook": true, "Internet Explorer": true, "Chromium": true, "Chrome": true, "WebView": true, "Opera": true, "Android Browser": true, "Safari": true}
	for _, name := range []string{"FBAV", "Line", "MicroMessenger", "GSA", "YaBrowser", "SamsungBrowser", "UCBrowser", "Opera Mini", "OPR", "Edg", "Vivaldi", "Whale", "DuckDuckGo", "Silk", "HuaweiBrowser", "MiuiBrowser", "Firefox", "CriOS"} {
		b, _, ok := browserProduct(name)
		if !ok {
			panic("knownNames: no browser for " + name)
		}
		browsers[b] = true
	}
	systems = map[string]bool{"": true, "Windows Phone": true, "iPadOS": true, "iOS": true, "KaiOS": true, "HarmonyOS": true, "Android": true, "Windows": true, "ChromeOS": true, "macOS": true, "Linux": true}
	return browsers, systems
}

func FuzzParseAgent(f *testing.F) {
	browsers, systems := knownNames()
	f.Fuzz(func(t *testing.T, ua string) {
		a := ParseAgent(ua)
		if !browsers[a.Browser] {
			t.Errorf("unknown browser %q", a.Browser)
		}
		if !systems[a.OS] {
			t.Errorf("unknown system %q", a.OS)
		}
		if a.Device != Desktop && a.Device != Mobile && a.Device != Tablet {
			t.Errorf("unknown device %q", a.Device)
		}
		if len(a.BrowserVersion) > 8 || strings.Trim(a.BrowserVersion, "0123456789") != "" {
			t.Errorf("version %q is not a major version", a.BrowserVersion)
		}
		if a.Bot != IsBot(ua) {
			t.Errorf("Bot = %v, IsBot = %v", a.Bot, !a.Bot)
		}
	})
}

func BenchmarkParseAgent(b *testing.B) {
	var uas []string
	for _, h := range humanAgents {
		uas = append(uas, h.ua)
	}
	for _, bot := range botAgents {
		uas = append(uas, bot.ua)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ParseAgent(uas[i%len(uas)])
	}
}

func BenchmarkIsBot(b *testing.B) {
	ua := humanAgents[0].ua
	b.ReportAllocs()
	for b.Loop() {
		IsBot(ua)
	}
}

package redact

import (
	"testing"
)

// chrome is a desktop Chrome's user agent.
const chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want string
	}{
		// Text with nothing to redact is kept as it is.
		{"empty", "", ""},
		{"path", "/blog/2026/12/tea-ceremony", "/blog/2026/12/tea-ceremony"},
		{"Japanese path", "/ja/お知らせ/サービス（２０２６年）", "/ja/お知らせ/サービス（２０２６年）"},
		{"file", "/files/report-2026.pdf", "/files/report-2026.pdf"},
		{"date", "2026-12-07", "2026-12-07"},
		{"date and time", "2026-12-07 10:30:00", "2026-12-07 10:30:00"},
		{"dates", "2026-12-07 2026-12-08", "2026-12-07 2026-12-08"},
		{"compact date time", "20261207", "20261207"},
		{"postal code", "〒100-0001", "〒100-0001"},
		{"short id", "/orders/12345678", "/orders/12345678"},
		{"unix time", "/news/1764547200", "/news/1764547200"},
		{"price", "¥1,234,567,890", "¥1,234,567,890"},
		{"decimal", "0.123456789012345", "0.123456789012345"},
		{"uuid", "/items/550e8400-e29b-41d4-a716-446655440000", "/items/550e8400-e29b-41d4-a716-446655440000"},
		{"identifier", "order_12345678901234", "order_12345678901234"},
		{"time", "12:30:45", "12:30:45"},
		{"mac-like", "00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5e"},
		{"loopback v6", "::1", "::1"},
		{"unspecified v6", "0:0::", "0:0::"},
		{"loopback", "127.0.0.1:8080", "127.0.0.1:8080"},
		{"unspecified", "0.0.0.0", "0.0.0.0"},
		{"hex words", "dead::beef", "dead::beef"},
		{"scope", "Foo::Bar", "Foo::Bar"},
		{"version", "v1.2.3", "v1.2.3"},
		{"five parts", "1.2.3.4.5", "1.2.3.4.5"},
		{"octet over 255", "256.1.1.1", "256.1.1.1"},
		{"handle", "@noren", "@noren"},
		{"no tld", "user@localhost", "user@localhost"},
		{"one-letter tld", "a@b.c", "a@b.c"},
		{"download path", "/downloads/curl/8.1.2/", "/downloads/curl/8.1.2/"},
		{"path with version", "/api/2024/report", "/api/2024/report"},
		{"docs version", "/docs/v2/", "/docs/v2/"},
		{"campaign", "spring_sale_2026", "spring_sale_2026"},
		{"search", "確定申告 2026 必要書類", "確定申告 2026 必要書類"},

		// IP addresses.
		{"IPv4", "192.168.1.1", "[ip]"},
		{"IPv4 in a path", "/user/192.168.1.1/", "/user/[ip]/"},
		{"IPv4 with port", "192.168.1.1:8080", "[ip]:8080"},
		{"IPv4 leading zeros", "192.168.001.001", "[ip]"},
		{"IPv4 at sentence end", "from 203.0.113.7.", "from [ip]."},
		{"IPv4 after a letter", "ip203.0.113.7", "ip[ip]"},
		{"IPv4 percent-encoded dots", "192%2E168%2E1%2E1", "[ip]"},
		{"IPv4 full width", "１９２．１６８．１．１", "[ip]"},
		{"IPv6", "2001:db8:4:5:6:7:8:9", "[ip]"},
		{"IPv6 compressed", "/u/2001:db8::1/", "/u/[ip]/"},
		{"IPv6 link local", "fe80::1", "[ip]"},
		{"IPv6 mapped", "::ffff:192.0.2.128", "[ip]"},
		{"IPv6 bracketed with port", "[2001:db8::1]:443", "[[ip]]:443"},
		{"IPv6 upper case", "2001:DB8::A1", "[ip]"},
		{"IPv6 after a label", "ip:2001:db8::1", "ip:[ip]"},
		{"IPv6 percent-encoded", "2001%3Adb8%3A%3A1", "[ip]"},
		{"IPv6 with zone", "fe80::1%25eth0", "[ip]%25eth0"},
		{"decimal IPv4", "3232235777", "3232235777"},

		// E-mail addresses.
		{"email", "taro.yamada@example.co.jp", "[email]"},
		{"email plus", "taro+news@example.com", "[email]"},
		{"email in a path", "/contact/taro@example.com/", "/contact/[email]/"},
		{"email in a query", "email=taro@example.com&x=1", "email=[email]&x=1"},
		{"email percent-encoded", "taro%40example.com", "[email]"},
		{"email full width", "taro＠example.com", "[email]"},
		{"email in Japanese", "連絡先はtaro@example.jpまで", "連絡先は[email]まで"},
		{"email other script", "山田@example.jp", "山田[email]"},
		{"email then dot", "write to a@example.org.", "write to [email]."},
		{"email upper case", "TARO@EXAMPLE.COM", "[email]"},
		{"email digits", "09012345678@example.com", "[email]"},
		{"email ip domain", "a@192.0.2.1", "a@[ip]"},
		{"two emails", "a@example.com,b@example.org", "[email],[email]"},

		// Long digit runs.
		{"Tokyo number", "03-1234-5678", "[number]"},
		{"mobile number", "090-1234-5678", "[number]"},
		{"mobile digits", "09012345678", "[number]"},
		{"international", "+81-90-1234-5678", "[number]"},
		{"international spaced", "+81 90 1234 5678", "[number]"},
		{"parenthesised", "(03) 1234-5678", "[number]"},
		{"free dial", "0120-123-456", "[number]"},
		{"spaced dash", "03 - 1234 - 5678", "[number]"},
		{"card", "4111 1111 1111 1111", "[number]"},
		{"card dashes", "4111-1111-1111-1111", "[number]"},
		{"card digits", "4111111111111111", "[number]"},
		{"my number", "123456789012", "[number]"},
		{"full-width phone", "０９０－１２３４－５６７８", "[number]"},
		{"katakana dash", "090ー1234ー5678", "[number]"},
		{"phone in a path", "/tel/0312345678", "/tel/[number]"},
		{"phone after label", "TEL.03-1234-5678", "TEL.[number]"},
		{"phone in Japanese", "電話09012345678です", "電話[number]です"},
		{"phone percent-encoded", "090%2D1234%2D5678", "[number]"},
		{"date then number", "2026-12-07 090-1234-5678", "2026-12-07 [number]"},
		{"grouped ten", "12 34 56 78 90", "[number]"},
		{"after an identifier", "a1 090-1234-5678", "a1 [number]"},
		{"before a word", "4111 1111 1111 1111x", "[number] 1111x"},

		// User agents.
		{"user agent", chrome, "[ua]"},
		{"user agent in a path", "/ua/" + chrome + "/page", "/ua/[ua]/page"},
		{"user agent lower case", "mozilla/5.0 (x11; linux x86_64)", "[ua]"},
		{"user agent form-encoded", "Mozilla/5.0+(X11;+Linux+x86_64)+Gecko/20100101+Firefox/133.0", "[ua]"},
		{"user agent percent-encoded", "Mozilla%2F5.0%20(X11%3B%20Linux%20x86_64)", "[ua]"},
		{"mobile", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "[ua]"},
		{"truncated", "Mozilla/5.0 (Windows NT 10.0; Win64", "[ua]"},
		{"curl", "curl/8.1", "[ua]"},
		{"curl in text", "sent by curl/8.5.0 today", "sent by [ua] today"},
		{"python", "python-requests/2.31.0", "[ua]"},
		{"product and comment", "Tracer/7.3 (unique build)", "[ua]"},
		{"two products", "Chrome/131.0.0.0 Safari/537.36", "[ua]"},
		{"no space before comment", "Mozilla/5.0(X11; Linux x86_64) Gecko/20100101", "[ua]"},
		{"opera", "Opera/9.80 (Windows NT 6.1) Presto/2.12", "[ua]"},

		// Several kinds at once.
		{"mixed", "a@example.com 192.0.2.1 090-1234-5678 curl/8.1", "[email] [ip] [number] [ua]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.in, nil); got != tc.want {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTextCounts(t *testing.T) {
	var n Counts
	got := Text("a@example.com b@example.org 192.0.2.1 2001:db8::1 090-1234-5678 "+chrome, &n)
	want := Counts{Email: 2, IP: 2, Number: 1, Agent: 1}
	if n != want {
		t.Errorf("counts %v, want %v (text %q)", n, want, got)
	}
	if n.Total() != 6 {
		t.Errorf("total %d, want 6", n.Total())
	}
	Text("/blog/2026/12/tea", &n)
	if n != want {
		t.Errorf("clean text changed the counts to %v", n)
	}
}

func TestKinds(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Kinds() {
		if k.Marker() != "["+k.String()+"]" {
			t.Errorf("kind %d: marker %q, name %q", k, k.Marker(), k.String())
		}
		if seen[k.String()] {
			t.Errorf("kind %d: name %q used twice", k, k.String())
		}
		seen[k.String()] = true
	}
	if len(seen) != int(numKinds) {
		t.Errorf("Kinds lists %d kinds, want %d", len(seen), numKinds)
	}
}

// TestCleanTextDoesNotAllocate guards the collector's hot path: text
// without anything to redact costs no allocation.
func TestCleanTextDoesNotAllocate(t *testing.T) {
	for _, s := range []string{
		"/blog/2026/12/tea-ceremony",
		"/ja/お知らせ/サービス（２０２６年）",
		"www.google.com/search",
		"spring_sale_2026",
		"2026-12-07 10:30:00",
	} {
		if n := testing.AllocsPerRun(100, func() { Text(s, nil) }); n != 0 {
			t.Errorf("Text(%q): %v allocations, want 0", s, n)
		}
	}
}

package reports

import (
	"strings"
	"testing"
)

func TestKeyOf(t *testing.T) {
	long := "/" + strings.Repeat("あ", 100) // 301 bytes
	tests := []struct {
		name string
		v    Violation
		want Key
		ok   bool
	}{
		{"host, no query", Violation{"https://www.example.jp/ja/news/?id=42&email=a@b.jp#top", "https://Tags.Example.COM./t.js?uid=9", "script-src-elem"},
			Key{"tags.example.com", "script-src-elem", "/ja/news/"}, true},
		{"port and ip", Violation{"http://127.0.0.1:8080/", "http://127.0.0.2:9999/x.js", "script-src-elem"}, Key{"127.0.0.2", "script-src-elem", "/"}, true},
		{"ipv6", Violation{"https://a.jp", "https://[2001:db8::1]/x", "img-src"}, Key{"2001:db8::1", "img-src", "/"}, true},
		{"wss", Violation{"https://a.jp/p", "wss://live.example/s", "connect-src"}, Key{"live.example", "connect-src", "/p"}, true},
		{"inline", Violation{"https://a.jp/p", "inline", "script-src-elem"}, Key{LabelInline, "script-src-elem", "/p"}, true},
		{"eval", Violation{"https://a.jp/p", "eval", "script-src"}, Key{LabelEval, "script-src", "/p"}, true},
		{"wasm", Violation{"https://a.jp/p", "wasm-eval", "script-src"}, Key{LabelWasmEval, "script-src", "/p"}, true},
		{"data keyword", Violation{"https://a.jp/p", "data", "img-src"}, Key{LabelData, "img-src", "/p"}, true},
		{"data url", Violation{"https://a.jp/p", "data:image/png;base64,AAAA", "img-src"}, Key{LabelData, "img-src", "/p"}, true},
		{"blob", Violation{"https://a.jp/p", "blob", "worker-src"}, Key{LabelBlob, "worker-src", "/p"}, true},
		{"trusted types", Violation{"https://a.jp/p", "trusted-types-sink", "require-trusted-types-for"}, Key{LabelTrustedTypes, "require-trusted-types-for", "/p"}, true},
		{"unknown directive", Violation{"https://a.jp/p", "https://x.jp/", "made-up-src"}, Key{"x.jp", DirectiveOther, "/p"}, true},
		{"directive case", Violation{"https://a.jp/p", "https://x.jp/", "IMG-SRC"}, Key{"x.jp", "img-src", "/p"}, true},
		{"long path", Violation{"https://a.jp" + long, "https://x.jp/", "img-src"}, Key{"x.jp", "img-src", "/" + strings.Repeat("あ", 66)}, true},
		{"escaped path", Violation{"https://a.jp/%E3%81%82%FF%0A", "https://x.jp/", "img-src"}, Key{"x.jp", "img-src", "/あ\uFFFD"}, true},
		{"self keyword", Violation{"https://a.jp/p", "self", "img-src"}, Key{}, false},
		{"empty blocked", Violation{"https://a.jp/p", "", "img-src"}, Key{}, false},
		{"odd scheme", Violation{"https://a.jp/p", "chrome-extension://abc/x.js", "script-src"}, Key{}, false},
		{"odd host", Violation{"https://a.jp/p", "https://<b>/", "img-src"}, Key{}, false},
		{"no document host", Violation{"/p", "https://x.jp/", "img-src"}, Key{}, false},
		{"file document", Violation{"file:///etc/passwd", "https://x.jp/", "img-src"}, Key{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := KeyOf(tt.v)
			if ok != tt.ok || got != tt.want {
				t.Errorf("KeyOf(%+v) = %+v, %v; want %+v, %v", tt.v, got, ok, tt.want, tt.ok)
			}
		})
	}
}

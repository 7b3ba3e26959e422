package site

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
)

// encodeIn encodes UTF-8 text in a charset, with character references for
// what it lacks, as a site's own tools would have written it.
func encodeIn(t testing.TB, label, s string) []byte {
	t.Helper()
	e, err := htmlindex.Get(label)
	if err != nil {
		t.Fatal(err)
	}
	b, err := encoding.HTMLEscapeUnsupported(e.NewEncoder()).Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode in %s: %v", label, err)
	}
	return b
}

// decodeFrom decodes text in a charset to UTF-8.
func decodeFrom(t testing.TB, label string, b []byte) string {
	t.Helper()
	e, err := htmlindex.Get(label)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatalf("decode from %s: %v", label, err)
	}
	return string(s)
}

// rewriteIn rewrites a page in a charset the way an Injector does.
func rewriteIn(t testing.TB, src []byte, contentType string, cfg *rewriteConfig) []byte {
	t.Helper()
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	if err := decodeAndRewrite(bw, bytes.NewReader(src), "", contentType, cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("decodeAndRewrite: %v", err)
	}
	return out.Bytes()
}

func TestDetectCharset(t *testing.T) {
	pad := strings.Repeat(" ", sniffLen)
	tests := []struct {
		name, contentType, head, want string
	}{
		{"nothing declared", "text/html", "<p>x", "utf-8"},
		{"header", "text/html; charset=Shift_JIS", "<p>x", "Shift_JIS"},
		{"header label alias", "text/html; charset=x-sjis", "", "Shift_JIS"},
		{"header names EUC-JP", "text/html;charset=\"euc-jp\"", "", "EUC-JP"},
		{"header over meta", "text/html; charset=utf-8", `<meta charset="shift_jis">`, "utf-8"},
		{"unknown header label falls to meta", "text/html; charset=bogus", `<meta charset="euc-jp">`, "EUC-JP"},
		{"meta charset", "", `<!doctype html><html><head><meta charset=Shift_JIS>`, "Shift_JIS"},
		{"meta http-equiv", "", `<meta http-equiv="Content-Type" content="text/html; charset=euc-jp">`, "EUC-JP"},
		{"meta http-equiv quoted", "", `<META HTTP-EQUIV=content-type CONTENT="text/html; CHARSET='iso-2022-jp'">`, "ISO-2022-JP"},
		{"meta content without pragma", "", `<meta content="text/html; charset=euc-jp">`, "utf-8"},
		{"first meta counts", "", `<meta charset="shift_jis"><meta charset="euc-jp">`, "Shift_JIS"},
		{"unknown meta label skipped", "", `<meta charset="nonsense"><meta charset="euc-jp">`, "EUC-JP"},
		{"meta utf-16 means utf-8", "", `<meta charset="utf-16">`, "utf-8"},
		{"meta x-user-defined means windows-1252", "", `<meta charset="x-user-defined">`, "windows-1252"},
		{"latin1 label", "", `<meta charset="iso-8859-1">`, "windows-1252"},
		{"meta in a comment", "", `<!-- <meta charset="euc-jp"> -->`, "utf-8"},
		{"meta beyond the prescan", "", pad + `<meta charset="euc-jp">`, "utf-8"},
		{"utf-8 bom over header", "text/html; charset=Shift_JIS", "\xEF\xBB\xBF<p>", "utf-8"},
		{"utf-16le bom", "text/html; charset=utf-8", "\xFF\xFE<\x00", "utf-16le"},
		{"utf-16be bom", "", "\xFE\xFF\x00<", "utf-16be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detectCharset(tt.contentType, []byte(tt.head)).name; got != tt.want {
				t.Errorf("detectCharset(%q, %.40q) = %q, want %q", tt.contentType, tt.head, got, tt.want)
			}
		})
	}
}

// asciiCompatible are the charsets of the Encoding Standard that the rewrite
// reads byte for byte.
var asciiCompatible = []string{
	"shift_jis", "euc-jp", "gbk", "gb18030", "big5", "euc-kr",
	"ibm866", "iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5", "iso-8859-6",
	"iso-8859-7", "iso-8859-8", "iso-8859-8-i", "iso-8859-10", "iso-8859-13",
	"iso-8859-14", "iso-8859-15", "iso-8859-16", "koi8-r", "koi8-u", "macintosh",
	"windows-874", "windows-1250", "windows-1251", "windows-1252", "windows-1253",
	"windows-1254", "windows-1255", "windows-1256", "windows-1257", "windows-1258",
	"x-mac-cyrillic", "x-user-defined",
}

// TestCharsetASCIICompatible checks the claim the byte-for-byte rewrite
// rests on: in these charsets ASCII is written as ASCII, no other
// character's bytes include one that HTML's syntax depends on (anything
// below 0x40 but digits), and a stray first byte of a multibyte character
// does not swallow the markup after it.
func TestCharsetASCIICompatible(t *testing.T) {
	for _, label := range asciiCompatible {
		t.Run(label, func(t *testing.T) {
			cs, ok := lookupCharset(label)
			if !ok || cs.mode != charsetASCII {
				t.Fatalf("lookupCharset(%q) = %+v, %t; want an ASCII-compatible charset", label, cs, ok)
			}
			enc := cs.enc.NewEncoder()
			var buf [8]byte
			for r := rune(0); r <= 0x10FFFF; r++ {
				if r >= 0x10000 && r%97 != 0 || r >= 0xD800 && r <= 0xDFFF {
					continue // a sample of the planes beyond the first
				}
				enc.Reset()
				n, _, err := enc.Transform(buf[:], utf8.AppendRune(nil, r), true)
				if err != nil {
					continue
				}
				b := buf[:n]
				if r < utf8.RuneSelf {
					if n != 1 || b[0] != byte(r) {
						t.Fatalf("U+%04X is written as % X", r, b)
					}
					continue
				}
				for _, c := range b {
					if c < 0x40 && (c < '0' || c > '9') {
						t.Fatalf("U+%04X is written as % X, with a byte of HTML's syntax", r, b)
					}
				}
			}
			dec := cs.enc.NewDecoder()
			for lead := 0x80; lead <= 0xFF; lead++ {
				for _, c := range []byte("<>&\"'=/ \t\n") {
					got, err := dec.Bytes([]byte{byte(lead), c})
					if err != nil || len(got) == 0 || got[len(got)-1] != c {
						t.Fatalf("% X decodes to %q, %v: the %q is lost", []byte{byte(lead), c}, got, err, c)
					}
				}
			}
		})
	}
}

func TestLookupCharsetModes(t *testing.T) {
	tests := []struct {
		label string
		mode  charsetMode
	}{
		{"utf-8", charsetUTF8},
		{"unicode-1-1-utf-8", charsetUTF8},
		{"Shift_JIS", charsetASCII},
		{"ms932", charsetASCII},
		{"EUC-JP", charsetASCII},
		{"ISO-2022-JP", charsetTranscoded},
		{"csISO2022JP", charsetTranscoded},
		{"utf-16", charsetUnsupported},
		{"utf-16be", charsetUnsupported},
		{"iso-2022-kr", charsetUnsupported},
	}
	for _, tt := range tests {
		cs, ok := lookupCharset(tt.label)
		if !ok || cs.mode != tt.mode {
			t.Errorf("lookupCharset(%q) = %+v, %t; want mode %d", tt.label, cs, ok, tt.mode)
		}
	}
	if cs, ok := lookupCharset("bogus"); ok {
		t.Errorf("lookupCharset(bogus) = %+v, true", cs)
	}
}

func TestAppendInserted(t *testing.T) {
	tests := []struct {
		name, charset, in string
		want              []byte
	}{
		{"ascii", "shift_jis", `<p class="x">ok</p>`, []byte(`<p class="x">ok</p>`)},
		{"japanese text", "shift_jis", `<p>ソ表</p>`, []byte("<p>\x83\x5C\x95\x5C</p>")},
		{"japanese in euc-jp", "euc-jp", `<p>ソ表</p>`, []byte("<p>\xA5\xBD\xC9\xBD</p>")},
		{"lacking in text", "shift_jis", "<p>a–😀</p>", []byte("<p>a&#8211;&#128512;</p>")},
		{"lacking in attribute", "shift_jis", `<a title="–ソ">x</a>`, []byte("<a title=\"&#8211;\x83\x5C\">x</a>")},
		{"lacking in script", "shift_jis", `<script type="application/json">{"t":"–😀ソ"}</script><p>–</p>`,
			[]byte("<script type=\"application/json\">{\"t\":\"\\u2013\\uD83D\\uDE00\x83\x5C\"}</script><p>&#8211;</p>")},
		{"lacking in style", "euc-jp", `<style>p::before{content:"–"}</style>`, []byte(`<style>p::before{content:"\2013 "}</style>`)},
		{"invalid utf-8", "shift_jis", "<p>\xff</p>", []byte("<p>&#65533;</p>")},
		{"iso-2022-jp stays utf-8", "iso-2022-jp", "<p>ソ😀</p>", []byte("<p>ソ&#128512;</p>")},
		{"iso-2022-jp shift controls", "iso-2022-jp", "<p>\x1b$B</p><script>\x0e</script>", []byte("<p>&#27;$B</p><script>\\u000E</script>")},
		{"shift controls elsewhere", "shift_jis", "<p>\x1b$B</p>", []byte("<p>\x1b$B</p>")},
		{"single byte", "windows-1252", "<p>é–ソ</p>", []byte("<p>\xE9\x96&#12477;</p>")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, ok := lookupCharset(tt.charset)
			if !ok {
				t.Fatalf("unknown charset %q", tt.charset)
			}
			if got := cs.appendInserted(nil, tt.in); !bytes.Equal(got, tt.want) {
				t.Errorf("appendInserted(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// legacyPage is a page with characters whose second byte in Shift_JIS is a
// backslash (ソ, 表, 能) and, in Shift_JIS, one of the NEC-selected IBM
// extensions (ED40), which a decode and encode would turn into FA5C.
const legacyPage = `<!DOCTYPE html>
<html lang="ja"><head><meta charset="%s"><title>ソフト表示 &amp; 能力</title>
<script>var s = "申請\"表";</script></head>
<body><p class="ソ">申請書の様式（ソ表能）%s</p>
<a href="/files/報告.pdf">報告書</a>
</body></html>`

// withNonce is a page as served with testNonce, which the page's inline
// scripts get.
func withNonce(page []byte) []byte {
	return bytes.ReplaceAll(page, []byte("<script>"), []byte(`<script nonce="`+testNonce+`">`))
}

func legacySource(t testing.TB, label string) []byte {
	t.Helper()
	extra := ""
	if label == "shift_jis" {
		extra = "\x00" // replaced below
	}
	page := encodeIn(t, label, strings.Replace(strings.Replace(legacyPage, "%s", label, 1), "%s", extra, 1))
	return bytes.Replace(page, []byte{0}, []byte{0xED, 0x40}, 1)
}

func TestRewriteLegacyCharsetKeepsPageBytes(t *testing.T) {
	const (
		head   = `<meta name="noren" content="同意 – 😀">`
		footer = `<footer><a href="/ja/privacy">プライバシーポリシー</a> – 外部送信</footer>`
	)
	for _, label := range []string{"shift_jis", "euc-jp"} {
		for _, declared := range []string{"header", "meta"} {
			t.Run(label+"/"+declared, func(t *testing.T) {
				src := legacySource(t, label)
				cfg := markerConfig("/ja/")
				cfg.head = func(string) string { return head }
				cfg.footer = func(string) string { return footer }
				contentType := "text/html"
				if declared == "header" {
					contentType = "text/html; charset=" + label
				}
				got := rewriteIn(t, src, contentType, cfg)

				encHead, encFooter := encodeIn(t, label, head), encodeIn(t, label, footer)
				i := bytes.Index(src, []byte("</head>"))
				j := bytes.Index(src, []byte("</body>"))
				want := bytes.Join([][]byte{src[:i], encHead, src[i:j], encFooter, src[j:]}, nil)
				if !bytes.Equal(got, want) {
					t.Fatalf("rewritten page\n%q\nwant\n%q", got, want)
				}
				if s := decodeFrom(t, label, encFooter); s != strings.ReplaceAll(footer, "–", "&#8211;") {
					t.Errorf("footer decodes to %q", s)
				}
			})
		}
	}
}

func TestRewriteLegacyCharsetTags(t *testing.T) {
	for _, label := range []string{"shift_jis", "euc-jp", "iso-2022-jp"} {
		t.Run(label, func(t *testing.T) {
			var seen []string
			cfg := func() *rewriteConfig {
				cfg := markerConfig("/ja/")
				cfg.fileSize = func(p string) (int64, bool) { return 2048, p == "/files/報告.pdf" }
				cfg.footer = func(string) string { return "<footer>外部送信</footer>" }
				cfg.startTags = []TagRewriter{{
					Tags: []string{"p"},
					Rewrite: func(p Page, tok *html.Token) (bool, string) {
						seen = append(seen, p.Title+"|"+attr(tok, "class"))
						tok.Attr = append(tok.Attr, html.Attribute{Key: "data-note", Val: "確認済み"})
						return true, "<span>後</span>"
					},
				}}
				return cfg
			}
			page := strings.Replace(strings.Replace(legacyPage, "%s", label, 1), "%s", "", 1)
			want := rewriteString(t, page, cfg())
			wantSeen := seen
			seen = nil

			got := rewriteIn(t, encodeIn(t, label, page), "text/html; charset="+label, cfg())
			if s := decodeFrom(t, label, got); s != want {
				t.Errorf("rewritten page decodes to\n%s\nwant\n%s", s, want)
			}
			if strings.Join(seen, ",") != strings.Join(wantSeen, ",") || len(seen) != 1 {
				t.Errorf("tag rewriter saw %q, want %q", seen, wantSeen)
			}
			if !strings.Contains(want, "（PDF：2KB）") || !strings.Contains(want, `data-note="確認済み"`) {
				t.Errorf("the UTF-8 page lacks the note or the new attribute:\n%s", want)
			}
		})
	}
}

func TestRewriteISO2022JPKeepsText(t *testing.T) {
	page := "<html><head><meta charset=\"iso-2022-jp\"><title>ｶﾅと漢字</title></head><body><p>申請（ソ）</p></body></html>"
	src := encodeIn(t, "iso-2022-jp", page)
	cfg := markerConfig("/")
	cfg.footer = func(string) string { return "<p>外部送信 😀</p>" }
	got := rewriteIn(t, src, "text/html", cfg)
	want := strings.Replace(strings.Replace(page, "</head>", testHead+"</head>", 1),
		"</body>", "<p>外部送信 &#128512;</p></body>", 1)
	if s := decodeFrom(t, "iso-2022-jp", got); s != want {
		t.Errorf("rewritten page decodes to\n%s\nwant\n%s", s, want)
	}
	if !bytes.HasSuffix(got, []byte("</html>")) || bytes.Contains(got, []byte("外")) {
		t.Errorf("rewritten page is not in ISO-2022-JP: %q", got)
	}
}

func TestRewriteUnsupportedCharsetPassesThrough(t *testing.T) {
	page := string(encodeIn(t, "utf-16le", "\uFEFF<html><body><p>申請</p></body></html>"))
	for _, contentType := range []string{"text/html; charset=utf-16le", "text/html"} {
		got := rewriteIn(t, []byte(page), contentType, markerConfig("/"))
		if string(got) != page {
			t.Errorf("%s: page changed to %q", contentType, got)
		}
	}
}

// TestInjectCharsets serves pages in Shift_JIS through an Injector, in
// every way a handler may declare them.
func TestInjectCharsets(t *testing.T) {
	body := legacySource(t, "shift_jis")
	tests := []struct {
		name, contentType, coding string
	}{
		{"header", "text/html; charset=Shift_JIS", ""},
		{"meta", "text/html", ""},
		{"meta, gzip", "text/html", "gzip"},
		{"unknown header label", "text/html; charset=x-unknown", ""},
	}
	opt := testOptions()
	opt.Injection.Footer = func(*http.Request, string) string { return "<footer>外部送信について</footer>" }
	in, err := NewInjector(opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(in.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				if tt.coding == "" {
					w.Write(body)
					return
				}
				w.Header().Set("Content-Encoding", tt.coding)
				zw := gzip.NewWriter(w)
				zw.Write(body)
				zw.Close()
			})))
			defer srv.Close()
			resp, got := fetch(t, srv, http.MethodGet, "/ja/")
			if ct := resp.Header.Get("Content-Type"); ct != tt.contentType {
				t.Errorf("Content-Type %q, want %q", ct, tt.contentType)
			}
			head := `<meta name="noren-head" content="ja" data-nonce="` + testNonce + `">`
			footer := encodeIn(t, "shift_jis", "<footer>外部送信について</footer>")
			i := bytes.Index(body, []byte("</head>"))
			j := bytes.Index(body, []byte("</body>"))
			want := withNonce(bytes.Join([][]byte{body[:i], []byte(head), body[i:j], footer, body[j:]}, nil))
			if got != string(want) {
				t.Errorf("page in Shift_JIS rewritten to\n%q\nwant\n%q", got, want)
			}
		})
	}
}

func TestProxyLegacyCharset(t *testing.T) {
	for _, label := range []string{"shift_jis", "euc-jp"} {
		t.Run(label, func(t *testing.T) {
			body := legacySource(t, label)
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset="+label)
				w.Write(body)
			}))
			defer up.Close()
			opt := testOptions()
			opt.Injection.Head = func(*http.Request, string, string) string { return `<meta name="n" content="同意">` }
			opt.Injection.Footer = func(*http.Request, string) string { return "<footer>外部送信</footer>" }
			srv := proxyServer(t, up.URL, opt)
			for _, accept := range []string{"", "gzip", "br"} {
				_, got := fetch(t, srv, http.MethodGet, "/ja/page", "Accept-Encoding: "+accept)
				i := bytes.Index(body, []byte("</head>"))
				j := bytes.Index(body, []byte("</body>"))
				want := withNonce(bytes.Join([][]byte{body[:i], encodeIn(t, label, `<meta name="n" content="同意">`),
					body[i:j], encodeIn(t, label, "<footer>外部送信</footer>"), body[j:]}, nil))
				if got != string(want) {
					t.Errorf("Accept-Encoding %q: page\n%q\nwant\n%q", accept, got, want)
				}
			}
		})
	}
}

func TestStaticLegacyCharset(t *testing.T) {
	sjis := legacySource(t, "shift_jis")
	fsys := fstest.MapFS{
		"ja/index.html":   {Data: sjis},
		"ja/euc.html":     {Data: legacySource(t, "euc-jp")},
		"ja/jis.html":     {Data: encodeIn(t, "iso-2022-jp", `<meta http-equiv="Content-Type" content="text/html; charset=ISO-2022-JP"><p>申請</p>`)},
		"ja/bom.html":     {Data: []byte("\xEF\xBB\xBF<meta charset=\"shift_jis\"><p>申請</p>")},
		"ja/plain.html":   {Data: []byte("<p>申請</p>")},
		"ja/404.html":     {Data: encodeIn(t, "euc-jp", `<meta charset="euc-jp"><p>見つかりません</p>`)},
		"en/index.html":   {Data: []byte("<p>en</p>")},
		"ja/utf16le.html": {Data: encodeIn(t, "utf-16le", "\uFEFF<p>申請</p>")},
	}
	opt := testOptions()
	opt.Injection.Footer = func(*http.Request, string) string { return "<footer>外部送信</footer>" }
	srv := staticServer(t, fsys, opt)
	tests := []struct {
		path        string
		status      int
		contentType string
	}{
		{"/ja/", http.StatusOK, "text/html; charset=Shift_JIS"},
		{"/ja/euc", http.StatusOK, "text/html; charset=EUC-JP"},
		{"/ja/jis", http.StatusOK, "text/html; charset=ISO-2022-JP"},
		{"/ja/bom", http.StatusOK, "text/html; charset=utf-8"},
		{"/ja/plain", http.StatusOK, "text/html; charset=utf-8"},
		{"/ja/utf16le", http.StatusOK, "text/html; charset=utf-16le"},
		{"/ja/missing", http.StatusNotFound, "text/html; charset=EUC-JP"},
	}
	for _, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp, _ := fetch(t, srv, method, tt.path)
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("%s %s: %d %q, want %d %q", method, tt.path, resp.StatusCode,
					resp.Header.Get("Content-Type"), tt.status, tt.contentType)
			}
		}
	}

	_, got := fetch(t, srv, http.MethodGet, "/ja/", "Accept-Encoding: br")
	head := `<meta name="noren-head" content="ja" data-nonce="` + testNonce + `">`
	i := bytes.Index(sjis, []byte("</head>"))
	j := bytes.Index(sjis, []byte("</body>"))
	want := withNonce(bytes.Join([][]byte{sjis[:i], []byte(head), sjis[i:j], encodeIn(t, "shift_jis", "<footer>外部送信</footer>"), sjis[j:]}, nil))
	if got != string(want) {
		t.Errorf("Shift_JIS page served as\n%q\nwant its bytes with the footer in Shift_JIS:\n%q", got, want)
	}
	if _, got := fetch(t, srv, http.MethodGet, "/ja/utf16le"); got != string(fsys["ja/utf16le.html"].Data) {
		t.Errorf("UTF-16 page served as %q", got)
	}
}

func TestStaticCharsetFollowsFile(t *testing.T) {
	fsys := fstest.MapFS{"ja/index.html": {Data: []byte(`<meta charset="euc-jp"><p>x</p>`)}}
	srv := staticServer(t, fsys, testOptions())
	if resp, _ := fetch(t, srv, http.MethodGet, "/ja/"); resp.Header.Get("Content-Type") != "text/html; charset=EUC-JP" {
		t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	fsys["ja/index.html"] = &fstest.MapFile{Data: []byte(`<meta charset="shift_jis"><p>xy</p>`)}
	if resp, _ := fetch(t, srv, http.MethodGet, "/ja/"); resp.Header.Get("Content-Type") != "text/html; charset=Shift_JIS" {
		t.Errorf("after the file changed, Content-Type %q", resp.Header.Get("Content-Type"))
	}
}

// FuzzCharsetDetect checks that charset detection never fails, finds the
// charset a known header declares unless a byte order mark overrides it,
// and agrees with its own Content-Type.
func FuzzCharsetDetect(f *testing.F) {
	f.Add("text/html; charset=Shift_JIS", []byte(`<meta charset="euc-jp">`))
	f.Add("text/html", []byte(`<meta http-equiv="content-type" content="text/html;charset=iso-2022-jp">`))
	f.Add("", []byte("\xEF\xBB\xBF<p>"))
	f.Fuzz(func(t *testing.T, contentType string, head []byte) {
		cs := detectCharset(contentType, head)
		again := detectCharset(htmlContentType(cs.name), nil)
		if again.name != cs.name || again.mode != cs.mode {
			t.Fatalf("charset %q (%d) read back from its Content-Type as %q (%d)", cs.name, cs.mode, again.name, again.mode)
		}
		if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) || bytes.HasPrefix(head, []byte("\xFE\xFF")) || bytes.HasPrefix(head, []byte("\xFF\xFE")) {
			return
		}
		if want, ok := headerCharset(contentType); ok {
			if cs.name != want.name {
				t.Fatalf("header %q declares %q, detected %q", contentType, want.name, cs.name)
			}
		}
	})
}

// FuzzCharsetRewrite rewrites any bytes as a page in an ASCII-compatible
// charset and checks that, with nothing to insert, tag rewriters that
// change nothing leave every byte as it was.
func FuzzCharsetRewrite(f *testing.F) {
	f.Add(uint8(0), []byte("<p class=\"\x83\x5C\">\x95\x5C</p>"))
	f.Add(uint8(1), []byte("<title>\xA5\xBD &amp;</title><p>\xC9\xBD"))
	f.Add(uint8(2), []byte("<noscript><p title=\"\xB1\xED\">x</p></noscript>"))
	labels := []string{"shift_jis", "euc-jp", "gb18030", "big5", "windows-1252"}
	f.Fuzz(func(t *testing.T, which uint8, page []byte) {
		label := labels[int(which)%len(labels)]
		cfg := &rewriteConfig{
			language: func(string) string { return "ja" },
			startTags: []TagRewriter{{
				Tags: []string{"p", "a", "img", "iframe", "script"},
				Rewrite: func(p Page, tok *html.Token) (bool, string) {
					for _, a := range tok.Attr {
						if !utf8.ValidString(a.Val) {
							t.Fatalf("attribute %s=%q is not UTF-8", a.Key, a.Val)
						}
					}
					return false, ""
				},
			}},
		}
		got := rewriteIn(t, page, "text/html; charset="+label, cfg)
		if !bytes.Equal(got, page) {
			t.Fatalf("page in %s\n%q\nrewritten to\n%q", label, page, got)
		}
	})
}

// FuzzCharsetInsert checks that text Noren inserts, encoded in a page's
// charset, reads back as the same text, with references for what the
// charset lacks.
func FuzzCharsetInsert(f *testing.F) {
	f.Add(uint8(0), "プライバシーポリシー – 😀")
	f.Add(uint8(1), "外部送信\xff")
	f.Add(uint8(2), "ｶﾅ &amp; 〜")
	labels := []string{"shift_jis", "euc-jp", "iso-2022-jp", "gb18030", "windows-1252"}
	f.Fuzz(func(t *testing.T, which uint8, text string) {
		label := labels[int(which)%len(labels)]
		cs, _ := lookupCharset(label)
		// Tokenizers read NUL and C1 references their own ways whatever
		// the charset.
		text = strings.Map(func(r rune) rune {
			if r == 0 || r >= 0x80 && r <= 0x9F {
				return -1
			}
			return r
		}, text)
		markup := "<p title=\"" + html.EscapeString(text) + "\">" + html.EscapeString(text) + "</p>"
		b := cs.appendInserted(nil, markup)
		if cs.mode == charsetTranscoded {
			b = encodeIn(t, label, string(b))
		}
		z := html.NewTokenizer(strings.NewReader(decodeFrom(t, label, b)))
		want := strings.ToValidUTF8(text, "\uFFFD")
		z.Next()
		if tok := z.Token(); attr(&tok, "title") != want {
			t.Fatalf("%s: title %q reads back as %q", label, want, attr(&tok, "title"))
		}
		if z.Next(); want != "" && string(z.Text()) != want {
			t.Fatalf("%s: text %q reads back as %q", label, want, z.Text())
		}
	})
}

// FuzzCharsetTranscode rewrites any bytes as an ISO-2022-JP page and checks
// that the text comes out the same, but for the bytes that were not text.
func FuzzCharsetTranscode(f *testing.F) {
	f.Add([]byte("<p>\x1b$B?=@A\x1b(B</p>"))
	f.Add([]byte("<title>\x1b(I123\x1b(B</title><p>\x1b$B"))
	f.Fuzz(func(t *testing.T, page []byte) {
		got := rewriteIn(t, page, "text/html; charset=iso-2022-jp", &rewriteConfig{language: func(string) string { return "ja" }})
		// What the encoder lacks, such as U+FFFD for bytes that were not
		// text, becomes a character reference.
		want := decodeFrom(t, "iso-2022-jp", encodeIn(t, "iso-2022-jp", decodeFrom(t, "iso-2022-jp", page)))
		if s := decodeFrom(t, "iso-2022-jp", got); s != want {
			t.Fatalf("page %q\nreads as %q\nrewritten, as %q", page, want, s)
		}
	})
}

// BenchmarkRewriteLegacyCharset measures the rewrite of a large page in
// Shift_JIS, to compare with BenchmarkRewriteHTML's UTF-8.
func BenchmarkRewriteLegacyCharset(b *testing.B) {
	var page strings.Builder
	if err := largePage(&page, 1<<20); err != nil {
		b.Fatal(err)
	}
	src := encodeIn(b, "shift_jis", page.String())
	cfg := markerConfig("/")
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		bw := bufio.NewWriter(io.Discard)
		if err := decodeAndRewrite(bw, bytes.NewReader(src), "", "text/html; charset=Shift_JIS", cfg, slog.New(slog.DiscardHandler)); err != nil {
			b.Fatal(err)
		}
	}
}

package site

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

const (
	testHead   = "<!--HEAD-->"
	testFooter = "<!--FOOT-->"
)

// markerConfig inserts testHead and testFooter and knows one PDF's size.
func markerConfig(pagePath string) *rewriteConfig {
	return &rewriteConfig{
		language: func(htmlLang string) string {
			if l := matchLanguage(htmlLang, []string{"ja", "en"}); l != "" {
				return l
			}
			return "en"
		},
		head:   func(string) string { return testHead },
		footer: func(string) string { return testFooter },
		fileSize: func(p string) (int64, bool) {
			if p == "/files/report.pdf" {
				return 1288490, true // 1.2 MiB
			}
			return 0, false
		},
		pagePath: pagePath,
	}
}

func rewriteString(t testing.TB, page string, cfg *rewriteConfig) string {
	t.Helper()
	var out strings.Builder
	if err := rewriteHTML(&out, strings.NewReader(page), cfg); err != nil {
		t.Fatalf("rewriteHTML: %v", err)
	}
	return out.String()
}

func TestRewriteInsertionPoints(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			"full document",
			`<!DOCTYPE html><html><head><title>x</title></head><body><p>hi</p></body></html>`,
			`<!DOCTYPE html><html><head><title>x</title><!--HEAD--></head><body><p>hi</p><!--FOOT--></body></html>`,
		},
		{
			"no head element",
			`<html><body><p>x</p></body></html>`,
			`<html><!--HEAD--><body><p>x</p><!--FOOT--></body></html>`,
		},
		{
			"fragment",
			`<p>hello</p>`,
			`<!--HEAD--><p>hello</p><!--FOOT-->`,
		},
		{
			"text only",
			`hello`,
			`<!--HEAD-->hello<!--FOOT-->`,
		},
		{
			"empty",
			``,
			`<!--HEAD--><!--FOOT-->`,
		},
		{
			"upper-case tags kept as written",
			`<HTML><HEAD><TITLE>T</TITLE></HEAD><BODY>x</BODY></HTML>`,
			`<HTML><HEAD><TITLE>T</TITLE><!--HEAD--></HEAD><BODY>x<!--FOOT--></BODY></HTML>`,
		},
		{
			"</head> inside a script",
			`<head><script>var s = "</head><body>";</script></head><body></body>`,
			`<head><script>var s = "</head><body>";</script><!--HEAD--></head><body><!--FOOT--></body>`,
		},
		{
			"</head> inside a comment",
			`<head><!-- </head> --><meta charset="utf-8"></head><body></body>`,
			`<head><!-- </head> --><meta charset="utf-8"><!--HEAD--></head><body><!--FOOT--></body>`,
		},
		{
			"</body> inside a script and a textarea",
			`<body><script>document.write("</body>")</script><textarea></body></textarea></body>`,
			`<!--HEAD--><body><script>document.write("</body>")</script><textarea></body></textarea><!--FOOT--></body>`,
		},
		{
			"title text does not end the head",
			"<title>Title</title>\n<p>x",
			"<title>Title</title>\n<!--HEAD--><p>x<!--FOOT-->",
		},
		{
			"noscript and template stay in the head",
			`<head><noscript><link rel="stylesheet" href="a.css"></noscript><template><p>t</p></template></head>`,
			`<head><noscript><link rel="stylesheet" href="a.css"></noscript><template><p>t</p></template><!--HEAD--></head><!--FOOT-->`,
		},
		{
			"end tags inside a template are inert",
			`<body><template></body></head></template><p>x</p></body>`,
			`<!--HEAD--><body><template></body></head></template><p>x</p><!--FOOT--></body>`,
		},
		{
			"whitespace before the body",
			"<html>\n<head>\n<meta charset=utf-8>\n<body>\n</body>",
			"<html>\n<head>\n<meta charset=utf-8>\n<!--HEAD--><body>\n<!--FOOT--></body>",
		},
		{
			"no </body> but </html>",
			`<body>x</html>`,
			`<!--HEAD--><body>x<!--FOOT--></html>`,
		},
		{
			"only the first </head> and </body> count",
			`<head></head></head><body></body></body>`,
			`<head><!--HEAD--></head></head><body><!--FOOT--></body></body>`,
		},
		{
			"truncated tag at the end",
			`<body><p>x</p><a hre`,
			`<!--HEAD--><body><p>x</p><a hre<!--FOOT-->`,
		},
		{
			"entities and odd markup pass through",
			`<p title='a&amp;b' data-x=<>&nbsp;&lt;</p ><br/><?php x ?><![CDATA[x]]></>`,
			`<!--HEAD--><p title='a&amp;b' data-x=<>&nbsp;&lt;</p ><br/><?php x ?><![CDATA[x]]></><!--FOOT-->`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rewriteString(t, tt.in, markerConfig("/")); got != tt.want {
				t.Errorf("rewrite(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRewriteLanguage(t *testing.T) {
	tests := []struct {
		name, page, want string
	}{
		{"from <html lang>", `<html lang="en-GB"><body></body></html>`, "en"},
		{"from <html lang> in upper case", `<HTML LANG="JA"><body></body></HTML>`, "ja"},
		{"unknown language", `<html lang="fr"><body></body></html>`, "default"},
		{"no <html>", `<p>x</p>`, "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headLang, footLang string
			cfg := &rewriteConfig{
				language: func(htmlLang string) string {
					if l := matchLanguage(htmlLang, []string{"ja", "en"}); l != "" {
						return l
					}
					return "default"
				},
				head:   func(lang string) string { headLang = lang; return "" },
				footer: func(lang string) string { footLang = lang; return "" },
			}
			rewriteString(t, tt.page, cfg)
			if headLang != tt.want || footLang != tt.want {
				t.Errorf("head got %q, footer got %q, want %q", headLang, footLang, tt.want)
			}
		})
	}
}

func TestRewriteFileSizeNotes(t *testing.T) {
	const (
		en = ` <span class="noren-filesize">(PDF, 1.2 MB)</span>`
		ja = `<span class="noren-filesize">（PDF：1.2MB）</span>`
	)
	tests := []struct {
		name, pagePath, in, want string
	}{
		{"absolute path, English", "/en/", `<html lang="en"><a href="/files/report.pdf">Report</a>`,
			`<html lang="en"><!--HEAD--><a href="/files/report.pdf">Report</a>` + en + `<!--FOOT-->`},
		{"relative path, Japanese", "/ja/news/", `<html lang="ja"><a href="../../files/report.pdf">報告書</a>`,
			`<html lang="ja"><!--HEAD--><a href="../../files/report.pdf">報告書</a>` + ja + `<!--FOOT-->`},
		{"relative to a page without a slash", "/files/index", `<html lang="en"><a href="report.pdf">R</a>`,
			`<html lang="en"><!--HEAD--><a href="report.pdf">R</a>` + en + `<!--FOOT-->`},
		{"query, fragment and upper case", "/", `<html lang="en"><A HREF="/files/report.pdf?v=2#page=3">R</A>`,
			`<html lang="en"><!--HEAD--><A HREF="/files/report.pdf?v=2#page=3">R</A>` + en + `<!--FOOT-->`},
		{"unknown size", "/", `<html lang="en"><a href="/files/other.pdf">R</a>`,
			`<html lang="en"><!--HEAD--><a href="/files/other.pdf">R</a><!--FOOT-->`},
		{"other host", "/", `<html lang="en"><a href="https://example.org/files/report.pdf">R</a>`,
			`<html lang="en"><!--HEAD--><a href="https://example.org/files/report.pdf">R</a><!--FOOT-->`},
		{"protocol-relative", "/", `<html lang="en"><a href="//example.org/files/report.pdf">R</a>`,
			`<html lang="en"><!--HEAD--><a href="//example.org/files/report.pdf">R</a><!--FOOT-->`},
		{"not a PDF", "/", `<html lang="en"><a href="/files/report.pdf.html">R</a>`,
			`<html lang="en"><!--HEAD--><a href="/files/report.pdf.html">R</a><!--FOOT-->`},
		{"link never closed", "/", `<html lang="en"><a href="/files/report.pdf">R<a href="/x">y</a>`,
			`<html lang="en"><!--HEAD--><a href="/files/report.pdf">R` + en + `<a href="/x">y</a><!--FOOT-->`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rewriteString(t, tt.in, markerConfig(tt.pagePath)); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestHumanSize(t *testing.T) {
	tests := []struct {
		size   int64
		en, ja string
	}{
		{0, "(PDF, 1 KB)", "（PDF：1KB）"},
		{1, "(PDF, 1 KB)", "（PDF：1KB）"},
		{1024, "(PDF, 1 KB)", "（PDF：1KB）"},
		{1025, "(PDF, 2 KB)", "（PDF：2KB）"},
		{350 * 1024, "(PDF, 350 KB)", "（PDF：350KB）"},
		{1 << 20, "(PDF, 1.0 MB)", "（PDF：1.0MB）"},
		{1288490, "(PDF, 1.2 MB)", "（PDF：1.2MB）"},
		{3 << 30, "(PDF, 3.0 GB)", "（PDF：3.0GB）"},
	}
	for _, tt := range tests {
		if got := fileSizeNote(tt.size, "en"); !strings.Contains(got, ">"+tt.en+"<") {
			t.Errorf("fileSizeNote(%d, en) = %q, want %q", tt.size, got, tt.en)
		}
		if got := fileSizeNote(tt.size, "ja"); !strings.Contains(got, ">"+tt.ja+"<") {
			t.Errorf("fileSizeNote(%d, ja) = %q, want %q", tt.size, got, tt.ja)
		}
	}
}

func TestRewriteStartTagExtension(t *testing.T) {
	cfg := markerConfig("/")
	cfg.startTags = []TagRewriter{{
		Tags: []string{"script"},
		Rewrite: func(p Page, tok *html.Token) (bool, string) {
			if tok.Data != "script" || attr(tok, "src") == "" {
				return false, ""
			}
			for i, a := range tok.Attr {
				if a.Key == "src" {
					tok.Attr[i].Key = "data-src"
				}
			}
			tok.Attr = append(tok.Attr, html.Attribute{Key: "data-lang", Val: p.Lang})
			return true, ""
		},
	}}
	in := `<html lang="en"><head><SCRIPT SRC="https://tracker.example/t.js?a=1&amp;b=2" async></SCRIPT><script>inline()</script></head>`
	want := `<html lang="en"><head><script data-src="https://tracker.example/t.js?a=1&amp;b=2" async="" data-lang="en"></SCRIPT><script>inline()</script><!--HEAD--></head><!--FOOT-->`
	if got := rewriteString(t, in, cfg); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// largePage writes a page of about size bytes without holding it whole.
func largePage(w io.Writer, size int) error {
	bw := bufio.NewWriter(w)
	fmt.Fprint(bw, `<!DOCTYPE html><html lang="en"><head><title>Large</title></head><body>`)
	for i := 0; bw.Buffered()+i*80 < size; i++ {
		fmt.Fprintf(bw, "<p class=\"row\">Paragraph %08d with <a href=\"/x/%d\">a link</a>.</p>\n", i, i)
	}
	fmt.Fprint(bw, `</body></html>`)
	return bw.Flush()
}

func TestRewriteLargePage(t *testing.T) {
	const size = 16 << 20
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(largePage(pw, size)) }()
	counter := &tailWriter{}
	if err := rewriteHTML(counter, pr, markerConfig("/")); err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	if err := largePage(&want, size); err != nil {
		t.Fatal(err)
	}
	if counter.n != int64(want.Len()+len(testHead)+len(testFooter)) {
		t.Errorf("wrote %d bytes, want %d", counter.n, want.Len()+len(testHead)+len(testFooter))
	}
	if !strings.HasSuffix(counter.tail.String(), testFooter+"</body></html>") {
		t.Errorf("page ends %q", counter.tail.String())
	}
}

// tailWriter counts what is written and keeps the last bytes.
type tailWriter struct {
	n    int64
	tail strings.Builder
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	s := w.tail.String() + string(p)
	if len(s) > 64 {
		s = s[len(s)-64:]
	}
	w.tail.Reset()
	w.tail.WriteString(s)
	return len(p), nil
}

// FuzzRewriteHTML checks that the rewriter never panics, never loses or
// changes a byte of its input, and inserts the head and footer once each.
func FuzzRewriteHTML(f *testing.F) {
	f.Add(`<!DOCTYPE html><html><head><title>x</title></head><body><p>hi</p></body></html>`)
	f.Add(`<html lang="ja"><a href="/files/report.pdf">報告</a></html>`)
	f.Fuzz(func(t *testing.T, page string) {
		const head, foot = "\x00HEAD\x00", "\x00FOOT\x00"
		cfg := markerConfig("/a/b")
		cfg.head = func(string) string { return head }
		cfg.footer = func(string) string { return foot }
		out := rewriteString(t, page, cfg)
		if got, want := strings.Count(out, head), strings.Count(page, head)+1; got != want {
			t.Fatalf("head appears %d times, want %d", got, want)
		}
		if got, want := strings.Count(out, foot), strings.Count(page, foot)+1; got != want {
			t.Fatalf("footer appears %d times, want %d", got, want)
		}
		strip := strings.NewReplacer(head, "", foot, "",
			fileSizeNote(1288490, "en"), "", fileSizeNote(1288490, "ja"), "")
		if strip.Replace(out) != strip.Replace(page) {
			t.Fatalf("input changed:\n in %q\nout %q", page, out)
		}
	})
}

// TestRewriteHeadStart checks that what must run first lands before the
// page's first script, after the head's other elements such as <meta
// charset>, and with the head snippet when the head has no script.
func TestRewriteHeadStart(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			"before the page's scripts",
			`<html lang="en"><head><meta charset="utf-8"><script src="/a.js"></script><script>b()</script><title>x</title></head><body></body></html>`,
			`<html lang="en"><head><meta charset="utf-8"><!--START en--><script src="/a.js"></script><script>b()</script><title>x</title><!--HEAD--></head><body><!--FOOT--></body></html>`,
		},
		{
			"no script in the head",
			`<head><meta charset="utf-8"></head><body><script>c()</script></body>`,
			`<head><meta charset="utf-8"><!--START en--><!--HEAD--></head><body><script>c()</script><!--FOOT--></body>`,
		},
		{
			"no head tag",
			`<html><body><p>x</p></body></html>`,
			`<html><!--START en--><!--HEAD--><body><p>x</p><!--FOOT--></body></html>`,
		},
		{
			"a script inside a template is not run",
			`<head><template><script>t()</script></template><script>s()</script></head>`,
			`<head><template><script>t()</script></template><!--START en--><script>s()</script><!--HEAD--></head><!--FOOT-->`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := markerConfig("/")
			cfg.headStart = func(lang string) string { return "<!--START " + lang + "-->" }
			if got := rewriteString(t, tt.in, cfg); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

package site

import (
	"html/template"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/web"
)

// shareLink is one link of ShareHTML's output.
type shareLink struct {
	href, rel, target, text string
}

// shareLinks reads the links of ShareHTML's output, failing the test if
// it holds anything but the list, its items, links and notes.
func shareLinks(t testing.TB, out string) (label string, links []shareLink) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(out))
	var cur *shareLink
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return label, links
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken:
			switch tok.Data {
			case "ul":
				label = attr(&tok, "aria-label")
			case "li", "span":
			case "a":
				links = append(links, shareLink{href: attr(&tok, "href"), rel: attr(&tok, "rel"), target: attr(&tok, "target")})
				cur = &links[len(links)-1]
			default:
				t.Fatalf("unexpected <%s> in %q", tok.Data, out)
			}
		case html.EndTagToken:
			if tok.Data == "a" {
				cur = nil
			}
		case html.TextToken:
			if cur != nil {
				cur.text += tok.Data
			} else if strings.TrimSpace(tok.Data) != "" {
				t.Fatalf("text %q outside the links in %q", tok.Data, out)
			}
		default:
			t.Fatalf("unexpected %v in %q", tt, out)
		}
	}
}

func TestShareHTML(t *testing.T) {
	const (
		pageURL = "https://city.example.jp/ja/news/seed-grant/?from=top&x=1"
		title   = "シード補助金 2026 第1期 & <募集>"
		encURL  = "https%3a%2f%2fcity.example.jp%2fja%2fnews%2fseed-grant%2f%3ffrom%3dtop%26x%3d1"
		encT    = "%e3%82%b7%e3%83%bc%e3%83%89%e8%a3%9c%e5%8a%a9%e9%87%91%202026%20%e7%ac%ac1%e6%9c%9f%20%26%20%3c%e5%8b%9f%e9%9b%86%3e"
	)
	tests := []struct {
		name      string
		lang      string
		networks  []string
		wantLabel string
		want      []shareLink
	}{
		{
			"every network in Japanese", "ja", nil, "このページを共有",
			[]shareLink{
				{"https://x.com/intent/post?text=" + encT + "&url=" + encURL, "noopener noreferrer", "_blank", "X（新しいウィンドウで開きます）"},
				{"https://www.facebook.com/sharer/sharer.php?u=" + encURL, "noopener noreferrer", "_blank", "Facebook（新しいウィンドウで開きます）"},
				{"https://social-plugins.line.me/lineit/share?url=" + encURL, "noopener noreferrer", "_blank", "LINE（新しいウィンドウで開きます）"},
				{"https://b.hatena.ne.jp/entry/panel/?url=" + encURL, "noopener noreferrer", "_blank", "はてなブックマーク（新しいウィンドウで開きます）"},
				{"https://www.linkedin.com/sharing/share-offsite/?url=" + encURL, "noopener noreferrer", "_blank", "LinkedIn（新しいウィンドウで開きます）"},
				{"mailto:?subject=" + encT + "&body=" + encURL, "", "", "メール"},
			},
		},
		{
			"chosen networks in English, in their order", "en", []string{"email", "hatena"}, "Share this page",
			[]shareLink{
				{"mailto:?subject=" + encT + "&body=" + encURL, "", "", "Email"},
				{"https://b.hatena.ne.jp/entry/panel/?url=" + encURL, "noopener noreferrer", "_blank", "Hatena Bookmark (opens in a new window)"},
			},
		},
		{
			"other languages get English", "fr", []string{"linkedin"}, "Share this page",
			[]shareLink{{"https://www.linkedin.com/sharing/share-offsite/?url=" + encURL, "noopener noreferrer", "_blank", "LinkedIn (opens in a new window)"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := ShareHTML(tt.lang, pageURL, title, tt.networks)
			label, links := shareLinks(t, out)
			if label != tt.wantLabel {
				t.Errorf("list label %q, want %q", label, tt.wantLabel)
			}
			if !slices.Equal(links, tt.want) {
				t.Errorf("links\n got %q\nwant %q", links, tt.want)
			}
		})
	}
}

// TestShareTemplateMatches checks that web/templates/share.html renders
// what the rewriter puts into pages, title and URL escaped the same way.
func TestShareTemplateMatches(t *testing.T) {
	tmpl, err := template.New("share.html").Funcs(i18n.Default().Funcs()).ParseFS(web.Templates, "templates/share.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"ja", "en"} {
		data := struct{ URL, Title, Lang string }{
			URL:   "https://city.example.jp/" + lang + "/news/a b/?q=1&r=2#top",
			Title: `補助金 "2026" <&> 'x' + café`,
			Lang:  lang,
		}
		var b strings.Builder
		if err := tmpl.ExecuteTemplate(&b, "noren-share", data); err != nil {
			t.Fatal(err)
		}
		if want := ShareHTML(lang, data.URL, data.Title, nil); b.String() != want {
			t.Errorf("%s: template renders\n%s\nShareHTML gives\n%s", lang, b.String(), want)
		}
	}
}

func TestParseShareNetworks(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"x facebook line hatena linkedin email", strings.Fields(ShareNetworks)},
		{" LINE,x  x\temail ", []string{"line", "x", "email"}},
		{"myspace twitter", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := ParseShareNetworks(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("ParseShareNetworks(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzShareHTML checks share links made from outside input: only the
// expected markup, only links to the networks, and queries that give back
// the page's URL and title exactly.
func FuzzShareHTML(f *testing.F) {
	f.Add("ja", "https://city.example.jp/ja/news/x/", "お知らせ & <b>", "x line email")
	f.Add("en", `javascript:alert("x")`, "\"><script>alert(1)</script>", "facebook,hatena,linkedin")
	f.Fuzz(func(t *testing.T, lang, pageURL, title, networks string) {
		list := ParseShareNetworks(networks)
		_, links := shareLinks(t, ShareHTML(lang, pageURL, title, list))
		if len(list) == 0 {
			list = strings.Fields(ShareNetworks)
		}
		if len(links) != len(list) {
			t.Fatalf("%d links for networks %q", len(links), list)
		}
		for i, l := range links {
			want := shareTarget(list[i], "", "")
			prefix, _, _ := strings.Cut(want, "?")
			if !strings.HasPrefix(l.href, prefix+"?") {
				t.Fatalf("link %q is not to %s", l.href, prefix)
			}
			_, query, _ := strings.Cut(l.href, "?")
			q, err := url.ParseQuery(query)
			if err != nil {
				t.Fatalf("link %q: %v", l.href, err)
			}
			for key, v := range map[string]string{"url": pageURL, "u": pageURL, "body": pageURL, "text": title, "subject": title} {
				if q.Has(key) && q.Get(key) != v {
					t.Fatalf("link %q: %s=%q, want %q", l.href, key, q.Get(key), v)
				}
			}
			if len(q) != strings.Count(want, "=") {
				t.Fatalf("link %q has parameters %v", l.href, q)
			}
		}
	})
}

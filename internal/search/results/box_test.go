package results

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/site"
	"github.com/noren-web/noren/web"
)

// boxSite serves pages through the site's injector with the box
// rewriter, as cmd/noren does with search.inject_box.
func boxSite(t *testing.T, pages map[string]string) *httptest.Server {
	t.Helper()
	box, err := NewBox(web.Templates)
	if err != nil {
		t.Fatal(err)
	}
	inj, err := site.NewInjector(site.Options{
		Languages:       []string{"ja", "en"},
		DefaultLanguage: "ja",
		Injection:       site.Injection{StartTags: []site.TagRewriter{box.Rewriter()}},
		Nonce:           func(*http.Request) string { return "n0nce" },
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(inj.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, body)
	})))
	t.Cleanup(srv.Close)
	return srv
}

func TestBoxRewriter(t *testing.T) {
	const (
		form   = `<form class="noren-search-box" role="search" method="get" action="/%s/search"`
		script = `<script src="/noren/search.js" defer nonce="n0nce"></script>`
	)
	tests := []struct {
		name, path, page string
		// before and after are what come right before and after the box,
		// before "" for no box.
		before, after string
		lang          string
	}{
		{
			name:   "no mark: end of the first header",
			path:   "/ja/a.html",
			page:   `<!doctype html><html lang="ja"><head><title>A</title></head><body><header class="site"><a href="/">Home</a></header><main><header><h1>A</h1></header></main></body></html>`,
			before: `<a href="/">Home</a>`,
			after:  `</header><main><header><h1>A</h1></header>`,
			lang:   "ja",
		},
		{
			name:   "mark inside the header",
			path:   "/en/m.html",
			page:   `<!doctype html><html lang="en"><body><header><div class="bar">Site</div><div class="masthead-search" data-noren-search-box></div><nav>Menu</nav></header></body></html>`,
			before: `<div class="masthead-search" data-noren-search-box>`,
			after:  `</div><nav>Menu</nav></header>`,
			lang:   "en",
		},
		{
			name:   "marked element before the header",
			path:   "/en/b.html",
			page:   `<!doctype html><html lang="en"><body><div class="top" data-noren-search-box></div><header><p>Site</p></header></body></html>`,
			before: `<div class="top" data-noren-search-box>`,
			after:  `</div><header><p>Site</p></header>`,
			lang:   "en",
		},
		{
			name:   "marked header",
			path:   "/en/c.html",
			page:   `<!doctype html><html lang="en"><body><HEADER id="top" DATA-NOREN-SEARCH-BOX><p>Site</p></HEADER></body></html>`,
			before: `<HEADER id="top" DATA-NOREN-SEARCH-BOX>`,
			after:  `<p>Site</p></HEADER>`,
			lang:   "en",
		},
		{
			name:   "nested headers",
			path:   "/ja/n.html",
			page:   `<!doctype html><html lang="ja"><body><header><p>Site</p><article><header><h1>A</h1></header><p>Text</p></article></header><header>Other</header></body></html>`,
			before: `<p>Text</p></article>`,
			after:  `</header><header>Other</header>`,
			lang:   "ja",
		},
		{
			name:   "header in a template",
			path:   "/en/t.html",
			page:   `<!doctype html><html lang="en"><body><template><header data-noren-search-box>T</header></template><header><p>Site</p></header></body></html>`,
			before: `<p>Site</p>`,
			after:  `</header></body>`,
			lang:   "en",
		},
		{
			name:   "header left open",
			path:   "/en/o.html",
			page:   `<!doctype html><html lang="en"><body><header><p>Site</p></body></html>`,
			before: `<p>Site</p>`,
			after:  `</body>`,
			lang:   "en",
		},
		{
			name:   "two marks",
			path:   "/en/two.html",
			page:   `<!doctype html><html lang="en"><body><nav data-noren-search-box>A</nav><header><span data-noren-search-box>B</span></header></body></html>`,
			before: `<nav data-noren-search-box>`,
			after:  `A</nav>`,
			lang:   "en",
		},
		{
			name:   "marked element without a header",
			path:   "/ja/d.html",
			page:   `<!doctype html><html><body><nav data-noren-search-box="here"><a href="/">Home</a></nav><main><p>Text</p></main></body></html>`,
			before: `<nav data-noren-search-box="here">`,
			after:  `<a href="/">Home</a></nav>`,
			lang:   "ja",
		},
		{
			name:   "mark after the header",
			path:   "/en/g.html",
			page:   `<!doctype html><html lang="en"><body><header><p>Site</p></header><aside data-noren-search-box></aside></body></html>`,
			before: `<p>Site</p>`,
			after:  `</header><aside data-noren-search-box></aside>`,
			lang:   "en",
		},
		{
			name: "no header and no mark",
			path: "/en/e.html",
			page: `<!doctype html><html lang="en"><body><main><p>Text</p><div class="headerish">x</div></main></body></html>`,
		},
		{
			name: "headers in words only",
			path: "/en/f.html",
			page: `<!doctype html><html lang="en"><body><headers>x</headers><p class="header">Text</p></body></html>`,
		},
	}
	pages := map[string]string{}
	for _, tt := range tests {
		pages[tt.path] = tt.page
	}
	srv := boxSite(t, pages)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := srv.Client().Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			body := string(raw)
			n := strings.Count(body, `class="noren-search-box"`)
			if tt.before == "" {
				if n != 0 || body != tt.page {
					t.Errorf("the page changed:\n%s", body)
				}
				return
			}
			if n != 1 {
				t.Fatalf("%d boxes, want 1:\n%s", n, body)
			}
			if want := tt.before + strings.Replace(form, "%s", tt.lang, 1); !strings.Contains(body, want) {
				t.Errorf("the box does not follow %s in:\n%s", tt.before, body)
			}
			if want := script + tt.after; !strings.Contains(body, want) {
				t.Errorf("%s does not follow the box in:\n%s", tt.after, body)
			}
			for _, w := range []string{`<link rel="stylesheet" href="/noren/search.css">`, script,
				`<label class="noren-search-box__label" for="noren-search-box-q">`} {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %s", w)
				}
			}
		})
	}
}

func TestBoxHTML(t *testing.T) {
	box, err := NewBox(web.Templates)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ lang, want string }{
		{"ja", `>サイト内検索</label>`},
		{"en", `>Search this site</label>`},
	} {
		h, err := box.HTML(tt.lang, `"><x`)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(h, tt.want) || !strings.Contains(h, `action="/`+tt.lang+`/search"`) {
			t.Errorf("%s box lacks %s:\n%s", tt.lang, tt.want, h)
		}
		if !strings.HasSuffix(h, `<script src="/noren/search.js" defer nonce="&#34;&gt;&lt;x"></script>`) {
			t.Errorf("the nonce is not escaped:\n%s", h)
		}
	}
}

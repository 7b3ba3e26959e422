package site

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/web"
)

// errorPages renders Noren's own bilingual error pages.
type errorPages struct {
	notFound    *template.Template
	unavailable *template.Template
	langs       []string
	def         string
	// home returns the link to a language's home page.
	home func(ctx context.Context, lang string) string
}

func newErrorPages(langs []string, def string, home func(ctx context.Context, lang string) string) (*errorPages, error) {
	notFound, err := template.New("404.html").Funcs(i18n.Default().Funcs()).ParseFS(web.Templates, "templates/site/404.html")
	if err != nil {
		return nil, fmt.Errorf("site: parse 404 page: %w", err)
	}
	unavailable, err := template.New("502.html").Funcs(i18n.Default().Funcs()).ParseFS(web.Templates, "templates/site/502.html")
	if err != nil {
		return nil, fmt.Errorf("site: parse 502 page: %w", err)
	}
	return &errorPages{notFound: notFound, unavailable: unavailable, langs: langs, def: def, home: home}, nil
}

// errorPageData feeds the error page templates.
type errorPageData struct {
	Lang     string
	Status   int
	Sections []errorPageSection
}

// errorPageSection is the text of an error page in one language.
type errorPageSection struct {
	Lang string
	Home string
}

// serve writes the error page for status (404 or a 5xx) in the language
// of the request's path, followed by the site's other languages.
func (p *errorPages) serve(w http.ResponseWriter, r *http.Request, status int) {
	lang := pathLanguage(r.URL.Path, p.langs)
	if lang == "" {
		lang = p.def
	}
	data := errorPageData{Lang: lang, Status: status}
	ctx := r.Context()
	data.Sections = append(data.Sections, errorPageSection{Lang: lang, Home: p.home(ctx, lang)})
	for _, l := range p.langs {
		if l != lang {
			data.Sections = append(data.Sections, errorPageSection{Lang: l, Home: p.home(ctx, l)})
		}
	}
	t := p.unavailable
	if status == http.StatusNotFound {
		t = p.notFound
	}
	var buf bytes.Buffer
	h := w.Header()
	if err := t.Execute(&buf, data); err != nil {
		// The templates are fixed and the data simple; fall back to text
		// rather than fail twice.
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintln(w, strconv.Itoa(status), http.StatusText(status))
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// footerData feeds the footer template.
type footerData struct {
	Lang                      string
	Privacy, Cookies, Choices string
	// CookiesName is the cookie policy's name, which every link to it
	// shares.
	CookiesName string
	Others      []footerLanguage
}

// footerLanguage is a link to the same page in another language.
type footerLanguage struct {
	Lang, Name, Href string
}

// FooterLinks returns an Injection.Footer that renders Noren's footer: a
// navigation landmark with links to the privacy policy, the cookie policy
// (named as cookiesName, given the page's language, names it) and, when
// choices is set, the privacy settings in the page's language, and to the
// same page in each other language of the site. With homes, a language
// the site has no page in gets no link, and one without a folder of its
// own is linked to its home page; nil homes take every language to have
// its folder. It loads its look from /noren/site.css.
func FooterLinks(languages []string, choices bool, homes *Homes, cookiesName func(lang string) string) (func(r *http.Request, lang string) string, error) {
	if cookiesName == nil {
		return nil, errors.New("site: the footer needs the cookie policy's name")
	}
	t, err := template.New("footer.html").Funcs(i18n.Default().Funcs()).ParseFS(web.Templates, "templates/site/footer.html")
	if err != nil {
		return nil, fmt.Errorf("site: parse footer: %w", err)
	}
	langs := append([]string(nil), languages...)
	return func(r *http.Request, lang string) string {
		data := footerData{
			Lang:        lang,
			Privacy:     "/" + lang + "/privacy",
			Cookies:     "/" + lang + "/cookies",
			CookiesName: cookiesName(lang),
		}
		if choices {
			data.Choices = "/" + lang + "/privacy/choices"
		}
		for _, l := range langs {
			if l == lang {
				continue
			}
			href := samePageIn(r.URL.Path, l, langs)
			if homes != nil {
				var ok bool
				if href, ok = homes.otherLanguage(r.Context(), r.URL.Path, l); !ok {
					continue
				}
			}
			data.Others = append(data.Others, footerLanguage{Lang: l, Name: page.LanguageName(l), Href: href})
		}
		var b strings.Builder
		if err := t.Execute(&b, data); err != nil {
			// A half-written footer would be worse than none.
			return ""
		}
		return b.String()
	}, nil
}

// samePageIn returns the path of the page at urlPath in language to: its
// language prefix replaced, or the language's home page when it has none.
func samePageIn(urlPath, to string, langs []string) string {
	from := pathLanguage(urlPath, langs)
	if from == "" {
		return "/" + to + "/"
	}
	rest := strings.TrimPrefix(urlPath, "/"+from)
	if rest == "" {
		rest = "/"
	}
	return (&url.URL{Path: "/" + to + rest}).EscapedPath()
}

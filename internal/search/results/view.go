package results

import (
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/search"
	"github.com/noren-web/noren/internal/timefmt"
)

// pageView is what templates/search/search.html reads.
type pageView struct {
	page.Layout
	Form  formView
	Query string
	// Searched is set when the page shows the results of a query, even
	// none; the empty form leaves it unset.
	Searched bool
	// Status is the sentence the live region reads: how many results, or
	// why there are none.
	Status string
	Error  bool
	// ErrorDetail is why the index refused the query, as it said it.
	ErrorDetail string
	Range       string
	First       int
	Hits        []hitView
	Suggestion  *page.Link
	// Ignored lists the words the index left out of a long query.
	Ignored   string
	NoResults bool
	Pages     []pageLink
	Previous  string
	Next      string
	Nonce     string
}

// formView is the search form, on the page and in the box.
type formView struct {
	Lang   string
	Action string
	// ID prefixes the ids of the form's elements, which must be unique
	// in the page that holds it.
	ID      string
	Query   string
	Langs   []option
	Section []option
	Types   []option
	// Page marks the form of the search page, which has filters and
	// whose results region is the page's own.
	Page bool
	// Texts the script shows, in the page's language; %d stands for a
	// number.
	Count, None, More string
}

type option struct {
	Value, Label string
	Selected     bool
}

type hitView struct {
	Href, Title string
	// Lang is the result's language when it differs from the page's.
	Lang    string
	Snippet []search.Fragment
	Date    string
	DateISO string
	Section string
	PDF     bool
}

type pageLink struct {
	Number  int
	Href    string
	Label   string
	Current bool
	// Gap marks the place of pages left out between two links.
	Gap bool
}

func (h *Handler) newPageView(m *manifest.Manifest, lang, nonce string, q search.Query, res *search.Results, ref *refusal) *pageView {
	l := i18n.Lang(lang)
	v := &pageView{
		Layout: page.New(m, lang, i18n.T(l, "search.title"), Path),
		Form:   newFormView(lang, "search", true),
		Query:  q.Text,
		Nonce:  nonce,
	}
	v.Form.Query = q.Text
	v.Form.Langs = h.langOptions(lang, q.Lang)
	if ref != nil {
		v.Searched = q.Text != ""
		v.Error = true
		v.Status = i18n.T(l, ref.key)
		if ref.err != nil {
			v.ErrorDetail = ref.err.Error()
		}
		return v
	}
	if res == nil {
		return v
	}
	v.Searched = true
	v.Form.Section = facetOptions(lang, "search.section_all", res.Facets.Section, q.Section, sectionLabel)
	v.Form.Types = facetOptions(lang, "search.type_all", res.Facets.Type, q.Type, typeLabel)
	if res.Total == 0 {
		v.NoResults = true
		v.Status = i18n.T(l, "search.none", q.Text)
	} else {
		v.Status = i18n.T(l, "search.count", q.Text, res.Total)
	}
	if len(res.Ignored) > 0 {
		v.Ignored = strings.Join(res.Ignored, i18n.T(l, "search.ignored_separator"))
	}
	if res.Suggestion != "" {
		sq := q
		sq.Text = res.Suggestion
		v.Suggestion = &page.Link{Href: pageHref(lang, sq, 1), Label: res.Suggestion}
	}
	per := q.PerPage
	if per <= 0 {
		per = search.DefaultPerPage
	}
	v.First = (max(q.Page, 1)-1)*per + 1
	if len(res.Hits) > 0 {
		v.Range = i18n.T(l, "search.count_range", v.First, v.First+len(res.Hits)-1)
	}
	for _, hit := range res.Hits {
		v.Hits = append(v.Hits, h.newHitView(lang, hit))
	}
	v.Pages, v.Previous, v.Next = pagination(lang, q, res.Total, per)
	return v
}

func (h *Handler) newHitView(lang string, hit search.Hit) hitView {
	hv := hitView{Href: siteHref(hit.Path), Title: hit.Title, Snippet: hit.Snippet, PDF: hit.Type == "pdf",
		Section: sectionLabel(lang, hit.Section)}
	if hv.Title == "" {
		hv.Title = hit.Path
	}
	if hit.Lang != "" && hit.Lang != lang {
		hv.Lang = hit.Lang
	}
	if !hit.Date.IsZero() {
		hv.Date = timefmt.Date(lang, hit.Date, h.opt.Location)
		hv.DateISO = hit.Date.In(h.opt.Location).Format(time.DateOnly)
	}
	return hv
}

// siteHref is the link to a result's path on the site. A crawled page's
// path is decoded, so /%2F… or /%5C… upstream reads //… or /\…, which a
// browser takes for another host: "/." before it keeps the link on the
// site, at the same path.
func siteHref(p string) string {
	switch {
	case !strings.HasPrefix(p, "/"):
		return "/" + p
	case len(p) > 1 && (p[1] == '/' || p[1] == '\\'):
		return "/." + p
	}
	return p
}

// newFormView is the form of the search page (onPage) or of a box, in
// lang, its element ids prefixed with id.
func newFormView(lang, id string, onPage bool) formView {
	l := i18n.Lang(lang)
	return formView{
		Lang:   lang,
		Action: Path(lang),
		ID:     id,
		Page:   onPage,
		Count:  i18n.T(l, "search.typing_count"),
		None:   i18n.T(l, "search.typing_none"),
		More:   i18n.T(l, "search.more"),
	}
}

// langOptions are the choices of the language filter: every language,
// then each of the site's.
func (h *Handler) langOptions(lang, selected string) []option {
	opts := []option{{Value: "", Label: i18n.T(i18n.Lang(lang), "search.lang_all"), Selected: selected == ""}}
	for _, other := range h.opt.Languages {
		opts = append(opts, option{Value: other, Label: page.LanguageName(other), Selected: other == selected})
	}
	return opts
}

// facetOptions are the choices of a filter built from a facet: every
// value, then each value the results have, with its count. A selected
// value the results lack stays a choice, so that the form shows it.
func facetOptions(lang, allKey string, counts []search.FacetCount, selected string, label func(lang, value string) string) []option {
	l := i18n.Lang(lang)
	opts := []option{{Value: "", Label: i18n.T(l, allKey), Selected: selected == ""}}
	found := selected == ""
	for _, c := range counts {
		opts = append(opts, option{Value: c.Value, Label: i18n.T(l, "search.facet_count", label(lang, c.Value), c.Count),
			Selected: c.Value == selected})
		found = found || c.Value == selected
	}
	if !found {
		opts = append(opts, option{Value: selected, Label: label(lang, selected), Selected: true})
	}
	if len(opts) == 1 {
		return nil
	}
	return opts
}

func sectionLabel(lang, section string) string {
	if section == "" {
		return i18n.T(i18n.Lang(lang), "search.section_home")
	}
	return section
}

func typeLabel(lang, typ string) string {
	switch typ {
	case "html":
		return i18n.T(i18n.Lang(lang), "search.type.html")
	case "pdf":
		return i18n.T(i18n.Lang(lang), "search.type.pdf")
	}
	return typ
}

// pageHref is the address of page n of q's results in lang.
func pageHref(lang string, q search.Query, n int) string {
	v := values(q)
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	return Path(lang) + "?" + v.Encode()
}

// pageWindow is how many pages either side of the current one are linked.
const pageWindow = 2

// pagination links the pages of q's results: the first, the last, and
// those near the current one, with gaps between; and the previous and
// next pages, "" at either end.
func pagination(lang string, q search.Query, total, per int) (links []pageLink, prev, next string) {
	last := min((total+per-1)/per, maxPage)
	cur := max(q.Page, 1)
	if last <= 1 {
		return nil, "", ""
	}
	l := i18n.Lang(lang)
	href := func(n int) string {
		if n == 1 {
			// The visitor saw the first page, which counted the search,
			// before this one.
			return pageHref(lang, q, 1) + "&record=0"
		}
		return pageHref(lang, q, n)
	}
	for n := 1; n <= last; n++ {
		if n != 1 && n != last && (n < cur-pageWindow || n > cur+pageWindow) {
			if len(links) > 0 && !links[len(links)-1].Gap {
				links = append(links, pageLink{Gap: true})
			}
			continue
		}
		links = append(links, pageLink{Number: n, Href: href(n), Label: i18n.T(l, "search.page", n), Current: n == cur})
	}
	if cur > 1 {
		prev = href(min(cur-1, last))
	}
	if cur < last {
		next = href(cur + 1)
	}
	return links, prev, next
}

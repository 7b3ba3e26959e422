package admintest

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/i18n"
)

// CheckPages opens every console page an owner can open, and the sign-in
// page, in every language of the catalogue, and fails on what
// PageProblems finds. Downloads (.csv, .json) are no pages and are left
// out, as are the routes targets leave out.
func CheckPages(t *testing.T, h *Harness, targets Targets) {
	t.Helper()
	owner := h.AddUser("pages-owner@example.jp", account.Owner)
	// The account that pages with an {id} show.
	target := strconv.FormatInt(h.AddUser("pages-target@example.jp", account.Contractor).ID, 10)
	for _, lang := range i18n.Default().Langs() {
		if err := h.Accounts.SetLang(t.Context(), owner.ID, string(lang)); err != nil {
			t.Fatal(err)
		}
		b := h.SignedIn(owner)
		paths := []string{"/admin/login?lang=" + string(lang)}
		for _, rt := range h.Console.Routes() {
			if rt.Method != http.MethodGet || rt.Access != admin.Signed || strings.HasSuffix(rt.Pattern, ".csv") || strings.HasSuffix(rt.Pattern, ".json") {
				continue
			}
			if p, ok := targets.fill(rt.Pattern, target); ok {
				paths = append(paths, p)
			}
		}
		for _, p := range paths {
			client := b
			if strings.HasPrefix(p, "/admin/login") {
				client = h.Browser()
			}
			resp := client.Get(p)
			if resp.Status != http.StatusOK {
				t.Errorf("%s %s: status %d", lang, p, resp.Status)
				continue
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				continue // a script's JSON, not a page
			}
			for _, problem := range PageProblems(resp.Body, string(lang)) {
				t.Errorf("%s %s: %s", lang, p, problem)
			}
		}
	}
}

// messageKey is what a message key looks like: dotted lower-case words.
var messageKey = regexp.MustCompile(`^[a-z_]+(?:\.[a-z_]+)+$`)

// PageProblems lists what a console page in lang gets wrong of what a
// screen reader and a keyboard user depend on: the page's language, one
// h1, a label for every field, unique ids, and no message key shown for
// want of its text.
func PageProblems(page, lang string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return []string{"unparsable HTML: " + err.Error()}
	}
	var problems []string
	ids := map[string]int{}
	labels := map[string]bool{}
	var fields []string
	h1 := 0
	// Text marked translate="no" (domain names, action codes) is not
	// prose, so it is not taken for a message key.
	var walk func(n *html.Node, labelled, verbatim bool)
	walk = func(n *html.Node, labelled, verbatim bool) {
		if n.Type == html.ElementNode {
			a := map[string]string{}
			for _, at := range n.Attr {
				a[at.Key] = at.Val
			}
			if id, ok := a["id"]; ok {
				ids[id]++
			}
			if a["translate"] == "no" {
				verbatim = true
			}
			switch n.Data {
			case "html":
				if a["lang"] != lang {
					problems = append(problems, "html lang="+a["lang"])
				}
			case "h1":
				h1++
			case "label":
				labels[a["for"]] = true
				labelled = true
			case "input", "select", "textarea":
				if a["type"] != "hidden" && a["type"] != "submit" && !labelled && a["aria-label"] == "" {
					fields = append(fields, a["id"])
				}
			}
		}
		// A missing message shows as its key.
		if text := strings.TrimSpace(n.Data); n.Type == html.TextNode && !verbatim && messageKey.MatchString(text) {
			problems = append(problems, "untranslated message key "+text)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, labelled, verbatim)
		}
	}
	walk(doc, false, false)
	if h1 != 1 {
		problems = append(problems, strconv.Itoa(h1)+" h1 elements, want 1")
	}
	for _, id := range fields {
		if id == "" || !labels[id] {
			problems = append(problems, "field #"+id+" has no label")
		}
	}
	for id, n := range ids {
		if n > 1 {
			problems = append(problems, "id "+id+" used "+strconv.Itoa(n)+" times")
		}
	}
	return problems
}

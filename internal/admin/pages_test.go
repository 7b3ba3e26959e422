package admin

import (
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/web"
)

var messageKey = regexp.MustCompile(`\bT "([a-z_.]+)"`)

// TestMessagesComplete checks that every message a template names exists,
// with a Japanese and an English text.
func TestMessagesComplete(t *testing.T) {
	files, err := fs.Glob(web.Templates, "templates/admin/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		text, err := fs.ReadFile(web.Templates, file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range messageKey.FindAllStringSubmatch(string(text), -1) {
			if !hasMessage(m[1]) {
				t.Errorf("%s uses message %q, which does not exist", file, m[1])
			}
		}
	}
	for _, role := range account.Roles() {
		for _, key := range []string{"role." + string(role), "role." + string(role) + ".about", "home.intro." + string(role)} {
			if !hasMessage(key) {
				t.Errorf("no message %q", key)
			}
		}
	}
	for key, texts := range messages {
		if strings.TrimSpace(texts[0]) == "" || strings.TrimSpace(texts[1]) == "" {
			t.Errorf("message %q lacks a text in one language", key)
		}
		if strings.Count(texts[0], "%") != strings.Count(texts[1], "%") {
			t.Errorf("message %q has different verbs in English and Japanese", key)
		}
	}
}

// TestPagesAreAccessible renders every console page an owner can open, in
// both languages, and checks what a screen reader and a keyboard user
// depend on: the page language, one h1, a label for every field, unique
// ids, and no untranslated message key.
func TestPagesAreAccessible(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.addUser("owner@example.jp", account.Owner)
	target := h.addUser("target@example.jp", account.Contractor)
	sub := h.addSubmission("consultation-form", consultation())
	req := h.addRequest(dsr.Disclosure, "en", "hanako.yamada@example.jp", "")
	for _, lang := range []string{"en", "ja"} {
		if err := h.accounts.SetLang(t.Context(), owner.ID, lang); err != nil {
			t.Fatal(err)
		}
		b := h.signedIn(owner)
		paths := []string{"/admin/login?lang=" + lang}
		for _, rt := range h.console.Routes() {
			if rt.Method != "GET" || rt.Access != Signed || strings.HasSuffix(rt.Pattern, ".csv") || strings.HasSuffix(rt.Pattern, ".json") {
				continue // downloads are no pages, and each is audited
			}
			id := strconv.FormatInt(target.ID, 10)
			switch {
			case strings.HasPrefix(rt.Pattern, "/admin/inbox/"):
				id = sub.ID
			case strings.HasPrefix(rt.Pattern, "/admin/requests/"):
				id = req.ID
			}
			p := strings.NewReplacer("{$}", "", "{form}", "consultation-form", "{id}", id).Replace(rt.Pattern)
			paths = append(paths, p)
		}
		for _, p := range paths {
			client := b
			if strings.HasPrefix(p, "/admin/login") {
				client = h.browser()
			}
			resp := client.get(p)
			if resp.status != http.StatusOK {
				t.Errorf("%s %s: status %d", lang, p, resp.status)
				continue
			}
			if !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") {
				continue // a download or a script's JSON, not a page
			}
			for _, problem := range accessibilityProblems(resp.body, lang) {
				t.Errorf("%s %s: %s", lang, p, problem)
			}
		}
	}
}

// TestInboxPagesAreAccessible checks the inbox pages that no GET reaches,
// or only with data: the list with a submission, the submission, the
// opened submission with mail on and off, and a refused opening, in both
// languages.
func TestInboxPagesAreAccessible(t *testing.T) {
	_, mailOn := withMail(t)
	for _, mailer := range []bool{true, false} {
		var h *harness
		if mailer {
			h = newHarness(t, storetest.SQLite(t), mailOn)
		} else {
			h = newHarness(t, storetest.SQLite(t))
		}
		owner := h.addUser("owner@example.jp", account.Owner)
		sub := h.addSubmission("consultation-form", consultation())
		if _, err := h.inbox.AddNote(t.Context(), sub.ID, owner.Email, "A note."); err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"en", "ja"} {
			if err := h.accounts.SetLang(t.Context(), owner.ID, lang); err != nil {
				t.Fatal(err)
			}
			b := h.signedIn(owner)
			pages := map[string]response{
				"list":          b.get("/admin/inbox"),
				"filtered list": b.get("/admin/inbox?form=consultation-form&status=new"),
				"submission":    b.get("/admin/inbox/" + sub.ID),
				"opened":        b.post("/admin/inbox/"+sub.ID+"/open", url.Values{"purpose": {"consultation"}}),
				"no purpose":    b.post("/admin/inbox/"+sub.ID+"/open", url.Values{"purpose": {""}}),
			}
			for name, resp := range pages {
				if resp.status != http.StatusOK && resp.status != http.StatusUnprocessableEntity {
					t.Errorf("%s %s (mail %v): status %d", lang, name, mailer, resp.status)
					continue
				}
				for _, problem := range accessibilityProblems(resp.body, lang) {
					t.Errorf("%s %s (mail %v): %s", lang, name, mailer, problem)
				}
			}
		}
	}
}

// accessibilityProblems lists what a page gets wrong of the basics.
func accessibilityProblems(page, lang string) []string {
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
		// translate returns an unknown key as itself, so a key on the page
		// is a message that was never written.
		if text := strings.TrimSpace(n.Data); n.Type == html.TextNode && !verbatim && messageKey.MatchString(`T "`+text+`"`) && strings.Contains(text, ".") {
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

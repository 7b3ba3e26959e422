package admin_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/store/storetest"
)

// shownText is the text of a page's body a reader sees: text nodes and
// the labels of options, without the identifiers the page shows as they
// are (code marked translate="no"), scripts or styles.
func shownText(t *testing.T, page string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "head":
				return
			case "code":
				if slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == "translate" && a.Val == "no" }) {
					return
				}
			}
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteString(" ")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}

var (
	asciiWord  = regexp.MustCompile(`[A-Za-z]{3,}`)
	messageID  = regexp.MustCompile(`\b[a-z_]+(?:\.[a-z_]+)+\b`)
	emailOrNet = regexp.MustCompile(`[\w.+-]+@[\w.-]+|\d+\.\d+\.\d+\.\d+(?:/\d+)?|[0-9a-f]{64}`)
)

// namesInJapanese are the Latin words a Japanese page may hold: names
// and notations that are not translated.
var namesInJapanese = []string{"noren", "json", "lines", "sha", "csv", "api", "yyyy", "totp", "gpc"}

// englishWords are the words of the English catalogue, lower case, less
// the names a Japanese page keeps.
func englishWords() map[string]bool {
	words := map[string]bool{}
	for _, key := range i18n.Default().Keys() {
		for _, w := range asciiWord.FindAllString(i18n.T(i18n.English, key), -1) {
			words[strings.ToLower(w)] = true
		}
	}
	for _, n := range namesInJapanese {
		delete(words, n)
	}
	return words
}

// TestAuditPageInJapanese records an entry of every action the console
// names, by people, tokens and Noren itself, with every outcome and both
// kinds of purpose, and reads the Japanese audit trail, its filter and the
// home page's recent activity, then verifies the chain: no message id, no
// action code and no word of the English catalogue is shown.
func TestAuditPageInJapanese(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	ctx := context.Background()
	owner := h.AddUser("owner@example.jp", account.Owner)
	purpose := h.Manifest.Purposes[0].ID
	var actions []string
	for _, key := range i18n.Default().Keys() {
		if a, ok := strings.CutPrefix(key, "audit.event."); ok {
			actions = append(actions, a)
		}
	}
	slices.Sort(actions)
	actors := []struct{ actor, role string }{
		{owner.Email, "owner"}, {"system", "system"}, {"cli", "system"}, {"unknown", "none"}, {owner.Email + " (token abcd)", "analyst"},
	}
	outcomes := []audit.Outcome{audit.OK, audit.Denied, audit.Failed}
	for i, a := range actions {
		who := actors[i%len(actors)]
		e := audit.Entry{Actor: who.actor, Role: who.role, Action: a, Object: "user:1", Outcome: outcomes[i%len(outcomes)], Address: "127.0.0.0/24"}
		switch i % 3 {
		case 0:
			e.Purpose = purpose
		case 1:
			e.Purpose = "disclosure-answer"
		}
		if _, err := h.Trail.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	b := inLang(h, owner, "ja")
	pages := map[string]string{}
	for _, path := range []string{"/admin/audit", "/admin/audit?outcome=denied", "/admin/", "/admin/audit?since=bad"} {
		resp := b.Get(path)
		if resp.Status != http.StatusOK && resp.Status != http.StatusBadRequest {
			t.Fatalf("%s: status %d", path, resp.Status)
		}
		pages[path] = resp.Body
	}
	verified := b.Post("/admin/audit/verify", nil)
	if verified.Status != http.StatusOK {
		t.Fatalf("verify: status %d", verified.Status)
	}
	pages["verify"] = verified.Body

	english := englishWords()
	for path, body := range pages {
		text := emailOrNet.ReplaceAllString(shownText(t, body), " ")
		for _, id := range messageID.FindAllString(text, -1) {
			if i18n.Default().Has(id) || slices.Contains(actions, id) || strings.HasPrefix(id, "audit.") {
				t.Errorf("%s shows the message id or action code %q", path, id)
			}
		}
		seen := map[string]bool{}
		for _, w := range asciiWord.FindAllString(text, -1) {
			if l := strings.ToLower(w); english[l] && !seen[l] {
				seen[l] = true
				t.Errorf("%s shows the English word %q", path, w)
			}
		}
	}
	if !strings.Contains(pages["/admin/audit"], "（API トークン abcd）") || !strings.Contains(pages["/admin/audit"], "コマンドライン") {
		t.Error("the audit page does not name a token's call or the command line as the actor")
	}
}

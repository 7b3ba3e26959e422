package drift

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/csp/reports"
	"github.com/noren-web/noren/internal/store/storetest"
)

// consoleManifest is the console's test manifest, shared with the
// console's own tests.
const consoleManifest = "../../../admin/testdata/manifest.yaml"

func serve(t *testing.T, withStore bool, fill func(s *reports.Store, now time.Time)) *admintest.Harness {
	t.Helper()
	db := storetest.SQLite(t)
	return admintest.New(t, db, admintest.Setup{
		Manifest: consoleManifest,
		Sections: func(h *admintest.Harness) []admin.Capability {
			opt := Options{Declared: func(host string) bool { return host == "now-declared.example" }}
			if withStore {
				s, err := reports.NewStore(db)
				if err != nil {
					t.Fatal(err)
				}
				if fill != nil {
					fill(s, h.Clock.Now())
				}
				opt.Store = s
			}
			return []admin.Capability{New(opt)}
		},
	})
}

// TestAccess checks the page for every role: owners and auditors only.
func TestAccess(t *testing.T) {
	h := serve(t, true, nil)
	admintest.CheckAccess(t, h, nil)
	admintest.CheckPages(t, h, nil)
}

// TestPage checks what the page shows: hosts by reports with their
// directives, top paths and whether the manifest now declares them, the
// inline code apart, the (other) count, and nothing older than 30 days.
func TestPage(t *testing.T) {
	h := serve(t, true, func(s *reports.Store, now time.Time) {
		counts := map[reports.Key]*reports.Count{}
		add := func(host, directive, path string, n int64, at time.Time) {
			counts[reports.Key{Host: host, Directive: directive, Path: path}] = &reports.Count{N: n, First: at, Last: at}
		}
		day := now.Add(-2 * time.Hour)
		add("tags.example", "script-src-elem", "/ja/", 7, day)
		add("tags.example", "connect-src", "/ja/news/", 2, day)
		for i := range 7 {
			add("tags.example", "script-src-elem", fmt.Sprintf("/p%d", i), 1, day)
		}
		add("now-declared.example", "img-src", "/en/", 1, day)
		add(reports.LabelInline, "script-src-elem", "/en/contact", 4, day)
		if err := s.Write(t.Context(), counts, reports.Count{N: 3, First: day, Last: day}, admintest.Zone); err != nil {
			t.Fatal(err)
		}
		old := now.AddDate(0, 0, -40)
		if err := s.Write(t.Context(), map[reports.Key]*reports.Count{{Host: "long-ago.example", Directive: "img-src", Path: "/"}: {N: 1, First: old, Last: old}}, reports.Count{}, admintest.Zone); err != nil {
			t.Fatal(err)
		}
	})
	owner := h.AddUser("owner@example.jp", account.Owner)
	if err := h.Accounts.SetLang(t.Context(), owner.ID, "en"); err != nil {
		t.Fatal(err)
	}
	page := h.SignedIn(owner).Get(PagePath)
	if page.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", page.Status, page.Body)
	}
	body := page.Body
	for _, want := range []string{
		"Undeclared recipients seen by visitors", "leads to check, not proof",
		`<tr><th scope="row">tags.example</th><td>16</td><td><code>connect-src</code>, <code>script-src-elem</code></td>`,
		"<li>/ja/ (7)</li><li>/ja/news/ (2)</li>", "and 4 more pages",
		`<tr><th scope="row">now-declared.example</th><td>1</td>`, "Declared now",
		`<th scope="row"><code>(inline)</code></th><td>4</td>`,
		"3 reports came past the limits",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Index(body, "tags.example") > strings.Index(body, "now-declared.example") {
		t.Error("the most reported host is not first")
	}
	if strings.Contains(body, "long-ago.example") {
		t.Error("the page shows a host reported 40 days ago")
	}
	if i := strings.Index(body, "Inline code blocked"); i < 0 || strings.Contains(body[:i], "(inline)") {
		t.Error("inline code is not listed apart from the hosts")
	}
}

// TestOff checks the page of a server with the reports off.
func TestOff(t *testing.T) {
	h := serve(t, false, nil)
	owner := h.AddUser("owner@example.jp", account.Owner)
	if err := h.Accounts.SetLang(t.Context(), owner.ID, "en"); err != nil {
		t.Fatal(err)
	}
	page := h.SignedIn(owner).Get(PagePath)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "csp_reports.enabled") {
		t.Errorf("status %d:\n%s", page.Status, page.Body)
	}
}

package status

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/search"
	"github.com/noren-web/noren/internal/store/storetest"
)

// consoleManifest is the console's test manifest, shared with the
// console's own tests.
const consoleManifest = "../../admin/testdata/manifest.yaml"

// index stands for the wiring's index and its runner: a status to show,
// and runs counted, one at a time.
type index struct {
	mu      sync.Mutex
	status  search.Status
	started int
}

func (ix *index) Status() search.Status {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.status
}

func (ix *index) Reindex() bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.status.Running {
		return false
	}
	ix.status.Running = true
	ix.started++
	return true
}

// serve starts a console whose search section shows ix and reads the
// searches of events, which may be nil.
func serve(t *testing.T, ix *index, events analytics.Reader) *admintest.Harness {
	t.Helper()
	opt := Options{Reader: events, Site: admintest.Site}
	if ix != nil {
		opt.Status, opt.Reindex = ix.Status, ix.Reindex
	}
	return admintest.New(t, storetest.SQLite(t), admintest.Setup{
		Manifest: consoleManifest,
		Sections: func(*admintest.Harness) []admin.Capability { return []admin.Capability{New(opt)} },
	})
}

// TestAccess checks the section's routes for every role, and its pages.
func TestAccess(t *testing.T) {
	h := serve(t, &index{}, nil)
	admintest.CheckAccess(t, h, nil)
	admintest.CheckPages(t, h, nil)
}

// TestPage checks what the page shows of the index, of a run under way,
// of the documents that failed, and of the searches that found nothing.
func TestPage(t *testing.T) {
	db := storetest.SQLite(t)
	events, err := analytics.NewSQLStore(db)
	if err != nil {
		t.Fatal(err)
	}
	ix := &index{status: search.Status{
		Documents: 1234,
		SizeBytes: 3 << 20,
		LastRun:   time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC),
		LastTook:  2500 * time.Millisecond,
		Errors:    []search.DocumentError{{Path: "/files/broken.pdf", Err: "pdf: malformed xref"}},
	}}
	h := serve(t, ix, events)
	now := h.Clock.Now()
	var batch []analytics.Event
	for i, q := range []string{"補助金 申請", "補助金 申請", "parking", "found"} {
		results := 0
		if q == "found" {
			results = 3
		}
		batch = append(batch, analytics.Event{Time: now.Add(-time.Duration(i+1) * time.Hour), Site: admintest.Site, Name: "search",
			Visitor: uint64(i + 1), Path: "/ja/search", Search: q, Results: results})
	}
	// Older than 30 days: not listed.
	batch = append(batch, analytics.Event{Time: now.AddDate(0, 0, -40), Site: admintest.Site, Name: "search", Visitor: 9,
		Path: "/ja/search", Search: "long ago", Results: 0})
	if err := events.WriteEvents(t.Context(), batch); err != nil {
		t.Fatal(err)
	}

	owner := h.AddUser("owner@example.jp", account.Owner)
	if err := h.Accounts.SetLang(t.Context(), owner.ID, "en"); err != nil {
		t.Fatal(err)
	}
	analyst := h.AddUser("analyst@example.jp", account.Analyst)
	if err := h.Accounts.SetLang(t.Context(), analyst.ID, "en"); err != nil {
		t.Fatal(err)
	}
	page := h.SignedIn(owner).Get("/admin/search")
	if page.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", page.Status, page.Body)
	}
	for _, want := range []string{
		"<dd>1234</dd>", "<dd>3.0 MiB</dd>", "<dd>2.5s</dd>", `datetime="2026-12-01T03:00:00Z"`,
		"<th scope=\"row\">/files/broken.pdf</th><td>pdf: malformed xref</td>",
		"<th scope=\"row\">補助金 申請</th><td>2</td>", "<th scope=\"row\">parking</th><td>1</td>",
		`href="/admin/analytics?more=search-zero#h-panel-search-zero"`,
		`action="/admin/search/reindex"`,
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, never := range []string{"found</th>", "long ago", "s-progress"} {
		if strings.Contains(page.Body, never) {
			t.Errorf("the page shows %q", never)
		}
	}
	if body := h.SignedIn(analyst).Get("/admin/search").Body; strings.Contains(body, "/admin/search/reindex") {
		t.Error("an analyst is offered the reindex button")
	}

	ix.mu.Lock()
	ix.status.Running = true
	ix.status.Progress = search.Progress{Seen: 40, Indexed: 10, Skipped: 20, Failed: 1, Total: 124}
	ix.mu.Unlock()
	running := h.SignedIn(owner).Get("/admin/search").Body
	for _, want := range []string{"10 read, 20 unchanged, 1 failed of 40 found so far", `<progress id="s-progress" max="100" value="25">`, "disabled>"} {
		if !strings.Contains(running, want) {
			t.Errorf("the page of a run under way lacks %q", want)
		}
	}
}

// TestReindex checks that the owner's button starts one run at a time,
// each on record in the audit trail.
func TestReindex(t *testing.T) {
	ix := &index{}
	h := serve(t, ix, nil)
	b := h.SignedIn(h.AddUser("owner@example.jp", account.Owner))
	resp := b.Post("/admin/search/reindex", nil)
	if resp.Status != http.StatusSeeOther || resp.Location != "/admin/search?notice=search_reindex" {
		t.Fatalf("reindex: status %d, location %q", resp.Status, resp.Location)
	}
	resp = b.Post("/admin/search/reindex", nil)
	if resp.Status != http.StatusSeeOther || resp.Location != "/admin/search?notice=search_running" {
		t.Fatalf("second reindex: status %d, location %q", resp.Status, resp.Location)
	}
	if ix.started != 1 {
		t.Errorf("%d runs started, want 1", ix.started)
	}
	if n := len(h.Entries("search.reindex")); n != 1 {
		t.Errorf("%d reindex entries in the audit trail, want 1", n)
	}
	if page := b.Get(resp.Location); !strings.Contains(page.Body, "already under way") {
		t.Error("the page does not say a run is under way")
	}
}

// TestOff checks the section of a server without search or analytics.
func TestOff(t *testing.T) {
	h := serve(t, nil, nil)
	owner := h.AddUser("owner@example.jp", account.Owner)
	b := h.SignedIn(owner)
	page := b.Get("/admin/search")
	if page.Status != http.StatusOK || strings.Contains(page.Body, "/admin/search/reindex") {
		t.Errorf("status %d, or a reindex button:\n%s", page.Status, page.Body)
	}
	if resp := b.Post("/admin/search/reindex", nil); resp.Status != http.StatusConflict {
		t.Errorf("reindex without search: status %d, want 409", resp.Status)
	}
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"}, {5 << 30, "5.0 GiB"}}
	for _, tt := range tests {
		if got := formatSize(tt.n); got != tt.want {
			t.Errorf("formatSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

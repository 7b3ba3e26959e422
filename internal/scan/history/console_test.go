package history_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/scan/history"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/store/storetest"
)

// consoleManifest is the console's test manifest, shared with the
// console's own tests.
const consoleManifest = "../../admin/testdata/manifest.yaml"

// scanner stands for the wiring's runner: scans started, one at a time.
type scanner struct {
	mu      sync.Mutex
	running bool
	started int
}

func (s *scanner) Start() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return false
	}
	s.running = true
	s.started++
	return true
}

func (s *scanner) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// console serves the section on a fresh database, with the runs of
// reports saved in order (nil for a failed run), and returns their ids.
// A nil sc serves a console whose scans are off.
func console(t *testing.T, sc *scanner, reports ...*verdict.Report) (*admintest.Harness, []int64) {
	t.Helper()
	db := storetest.SQLite(t)
	st := newStore(t, db)
	var ids []int64
	for i, r := range reports {
		at := clock.Add(time.Duration(i-len(reports)) * 24 * time.Hour)
		if r == nil {
			ids = append(ids, save(t, st, history.Failed(at, at.Add(time.Second), "https://www.example.jp/", history.ByConsole, manifestHash,
				errors.New("visit https://www.example.jp/: chromium exited"))))
			continue
		}
		ids = append(ids, save(t, st, history.Completed(at, at.Add(42*time.Second), history.BySchedule, r)))
	}
	opt := history.Options{Store: st, Off: "scanconsole.off_browser"}
	if sc != nil {
		opt.Start, opt.Running = sc.Start, sc.Running
	}
	h := admintest.New(t, db, admintest.Setup{
		Manifest: consoleManifest,
		Sections: func(*admintest.Harness) []admin.Capability { return []admin.Capability{history.NewPages(opt)} },
	})
	return h, ids
}

// user adds an account of role that reads the console in English.
func user(t *testing.T, h *admintest.Harness, role account.Role) account.User {
	t.Helper()
	u := h.AddUser(string(role)+"@example.jp", role)
	if err := h.Accounts.SetLang(t.Context(), u.ID, "en"); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestConsoleAccess checks the section's routes for every role, and its
// pages.
func TestConsoleAccess(t *testing.T) {
	h, ids := console(t, &scanner{}, sampleReport(undeclaredCookie, staleTool), nil, sampleReport(earlyScript))
	last := strconv.FormatInt(ids[2], 10)
	admintest.CheckAccess(t, h, admintest.Targets{"/admin/scans/{id}": last})
	// The HTML report is a download, not a console page.
	admintest.CheckPages(t, h, admintest.Targets{"/admin/scans/{id}": last, "/admin/scans/{id}/report.html": ""})
	// The pages of the other runs: one with findings of other kinds, one
	// failed.
	for _, lang := range []string{"ja", "en"} {
		u := h.AddUser("pages-"+lang+"@example.jp", account.Owner)
		if err := h.Accounts.SetLang(t.Context(), u.ID, lang); err != nil {
			t.Fatal(err)
		}
		b := h.SignedIn(u)
		for _, id := range ids[:2] {
			p := "/admin/scans/" + strconv.FormatInt(id, 10)
			resp := b.Get(p)
			if resp.Status != http.StatusOK {
				t.Errorf("%s %s: status %d", lang, p, resp.Status)
				continue
			}
			for _, problem := range admintest.PageProblems(resp.Body, lang) {
				t.Errorf("%s %s: %s", lang, p, problem)
			}
		}
	}
}

// TestHistoryPage checks the list of runs, and who is offered the button.
func TestHistoryPage(t *testing.T) {
	h, ids := console(t, &scanner{}, sampleReport(undeclaredCookie, staleTool), nil, sampleReport())
	owner := h.SignedIn(user(t, h, account.Owner)).Get("/admin/scans")
	if owner.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", owner.Status, owner.Body)
	}
	for _, want := range []string{
		`action="/admin/scans/run"`, `href="/admin/scans/` + strconv.FormatInt(ids[0], 10) + `"`,
		"<td>Schedule</td><td>2</td><td>1</td><td>1</td><td>Violations found</td>",
		"<td>Console</td><td>0</td><td>0</td><td>0</td><td>Failed</td>",
		"<td>Schedule</td><td>2</td><td>0</td><td>0</td><td>No violation</td>",
	} {
		if !strings.Contains(owner.Body, want) {
			t.Errorf("the history lacks %q", want)
		}
	}
	if strings.Index(owner.Body, "/admin/scans/"+strconv.FormatInt(ids[2], 10)+`"`) > strings.Index(owner.Body, "/admin/scans/"+strconv.FormatInt(ids[0], 10)+`"`) {
		t.Error("the history is not newest first")
	}
	auditor := h.SignedIn(user(t, h, account.Auditor)).Get("/admin/scans")
	if auditor.Status != http.StatusOK || strings.Contains(auditor.Body, "/admin/scans/run") {
		t.Errorf("auditor: status %d, or offered the button", auditor.Status)
	}
	if resp := h.SignedIn(user(t, h, account.Analyst)).Get("/admin/scans"); resp.Status != http.StatusForbidden {
		t.Errorf("analyst: status %d, want 403", resp.Status)
	}
}

// TestRunPage checks a run's summary per state, its findings with their
// evidence, its downloads and its link to the diff.
func TestRunPage(t *testing.T) {
	many := undeclaredCookie
	many.Evidence = nil
	for i := range 5 {
		ev := undeclaredCookie.Evidence[0]
		ev.Page = "https://www.example.jp/p" + strconv.Itoa(i) + "/"
		many.Evidence = append(many.Evidence, ev)
	}
	many.EvidenceTotal = 9
	r := sampleReport(many, earlyScript, staleTool)
	r.States[2].Reached, r.States[2].Note = false, "no button to press"
	h, ids := console(t, &scanner{}, sampleReport(), r)
	b := h.SignedIn(user(t, h, account.Auditor))
	page := b.Get("/admin/scans/" + strconv.FormatInt(ids[1], 10))
	if page.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", page.Status, page.Body)
	}
	id := strconv.FormatInt(ids[1], 10)
	for _, want := range []string{
		"Violation: Undeclared cookie — <code translate=\"no\">_secret</code>",
		"Violation: Used without consent — <code translate=\"no\">tags.example.net</code>",
		"Warning: Declared but never seen — <code translate=\"no\">old-widget</code>",
		"https://www.example.jp/p2/", "And 6 more places",
		"→ <span translate=\"no\">https://tags.example.net/tag.js</span>",
		"<th scope=\"row\">Reject all</th><td>No</td>", "no button to press",
		`href="/admin/scans/` + id + `/report.html" download`, `href="/admin/scans/` + id + `/report.json" download`,
		`href="/admin/scans/` + id + `/diff"`,
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the run's page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "https://www.example.jp/p3/") {
		t.Error("the page lists more evidence than it should")
	}
	for _, p := range []string{"/admin/scans/999", "/admin/scans/x", "/admin/scans/999/report.json"} {
		if resp := b.Get(p); resp.Status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, resp.Status)
		}
	}
	failed := b.Get("/admin/scans/" + strconv.FormatInt(ids[0], 10))
	if strings.Contains(failed.Body, "/diff\"") {
		t.Error("the first run links to a diff")
	}
}

// TestDiffPage checks the findings new, resolved and still present
// between a run and the one before, or one chosen.
func TestDiffPage(t *testing.T) {
	h, ids := console(t, &scanner{}, sampleReport(staleTool), sampleReport(undeclaredCookie, staleTool), nil, sampleReport(earlyScript, staleTool))
	b := h.SignedIn(user(t, h, account.Owner))
	last := strconv.FormatInt(ids[3], 10)
	page := b.Get("/admin/scans/" + last + "/diff")
	if page.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", page.Status, page.Body)
	}
	section := func(body, heading string) string {
		i := strings.Index(body, heading)
		if i < 0 {
			t.Fatalf("the diff lacks %q", heading)
		}
		rest := body[i:]
		if j := strings.Index(rest, "</section>"); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	for _, c := range []struct{ heading, want string }{
		{"New findings (1)", "tags.example.net"},
		{"Resolved findings (1)", "_secret"},
		{"Findings still present (1)", "old-widget"},
	} {
		if !strings.Contains(section(page.Body, c.heading), c.want) {
			t.Errorf("%s lacks %s", c.heading, c.want)
		}
	}
	// The failed run is no choice; the earliest is.
	first := strconv.FormatInt(ids[0], 10)
	if strings.Contains(page.Body, `value="`+strconv.FormatInt(ids[2], 10)+`"`) || !strings.Contains(page.Body, `value="`+first+`"`) {
		t.Error("the choices of runs to compare with are wrong")
	}
	chosen := b.Get("/admin/scans/" + last + "/diff?against=" + first)
	if !strings.Contains(section(chosen.Body, "New findings (1)"), "tags.example.net") || !strings.Contains(chosen.Body, "Resolved findings (0)") {
		t.Errorf("the diff against the first run is wrong:\n%s", chosen.Body)
	}
	for _, p := range []string{"?against=" + last, "?against=x", "?against=" + strconv.FormatInt(ids[2], 10)} {
		if resp := b.Get("/admin/scans/" + last + "/diff" + p); resp.Status != http.StatusBadRequest && resp.Status != http.StatusNotFound {
			t.Errorf("diff%s: status %d, want it refused", p, resp.Status)
		}
	}
	if none := b.Get("/admin/scans/" + first + "/diff"); none.Status != http.StatusOK || !strings.Contains(none.Body, "no earlier scan") {
		t.Errorf("the diff of the first run: status %d", none.Status)
	}
}

// TestDownloads checks the reports as attachments, each download on
// record in the audit trail.
func TestDownloads(t *testing.T) {
	h, ids := console(t, &scanner{}, sampleReport(undeclaredCookie))
	b := h.SignedIn(user(t, h, account.Auditor))
	id := strconv.FormatInt(ids[0], 10)
	js := b.Get("/admin/scans/" + id + "/report.json")
	if js.Status != http.StatusOK || !strings.HasPrefix(js.Header.Get("Content-Disposition"), "attachment;") ||
		!strings.Contains(js.Header.Get("Content-Disposition"), ".json") {
		t.Fatalf("JSON: status %d, disposition %q", js.Status, js.Header.Get("Content-Disposition"))
	}
	var r verdict.Report
	if err := json.Unmarshal([]byte(js.Body), &r); err != nil || r.Schema != verdict.Schema || len(r.Findings) != 1 {
		t.Errorf("JSON report: %v, %+v", err, r)
	}
	page := b.Get("/admin/scans/" + id + "/report.html")
	if page.Status != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") ||
		!strings.HasPrefix(page.Header.Get("Content-Disposition"), "attachment;") || !strings.Contains(page.Body, "_secret") {
		t.Errorf("HTML: status %d, type %q, disposition %q", page.Status, page.Header.Get("Content-Type"), page.Header.Get("Content-Disposition"))
	}
	entries := h.Entries("scan.download")
	if len(entries) != 2 || entries[0].Object != "scan:"+id || entries[0].Detail["format"] != "json" || entries[1].Detail["format"] != "html" ||
		entries[0].Actor != "auditor@example.jp" {
		t.Errorf("download entries: %+v", entries)
	}
}

// TestStart checks that the owner's button starts one scan at a time, on
// record in the audit trail, and that an auditor cannot start one.
func TestStart(t *testing.T) {
	sc := &scanner{}
	h, _ := console(t, sc)
	b := h.SignedIn(user(t, h, account.Owner))
	resp := b.Post("/admin/scans/run", nil)
	if resp.Status != http.StatusSeeOther || resp.Location != "/admin/scans?notice=scan_started" {
		t.Fatalf("start: status %d, location %q", resp.Status, resp.Location)
	}
	resp = b.Post("/admin/scans/run", nil)
	if resp.Status != http.StatusSeeOther || resp.Location != "/admin/scans?notice=scan_running" {
		t.Fatalf("second start: status %d, location %q", resp.Status, resp.Location)
	}
	if page := b.Get(resp.Location); !strings.Contains(page.Body, "already under way") || !strings.Contains(page.Body, "A scan is under way.") ||
		!strings.Contains(page.Body, "disabled>") {
		t.Error("the page does not say a scan is under way")
	}
	if resp := h.SignedIn(user(t, h, account.Auditor)).Post("/admin/scans/run", nil); resp.Status != http.StatusForbidden {
		t.Errorf("auditor's start: status %d, want 403", resp.Status)
	}
	if sc.started != 1 {
		t.Errorf("%d scans started, want 1", sc.started)
	}
	if n := len(h.Entries("scan.start")); n != 1 {
		t.Errorf("%d start entries in the audit trail, want 1", n)
	}
}

// TestOff checks the section of a server that does not scan: the history
// says why, and offers no button.
func TestOff(t *testing.T) {
	h, _ := console(t, nil)
	b := h.SignedIn(user(t, h, account.Owner))
	page := b.Get("/admin/scans")
	if page.Status != http.StatusOK || strings.Contains(page.Body, "/admin/scans/run") || !strings.Contains(page.Body, "chromium package") {
		t.Errorf("status %d, or a button, or no reason:\n%s", page.Status, page.Body)
	}
	if resp := b.Post("/admin/scans/run", nil); resp.Status != http.StatusConflict {
		t.Errorf("start without scans: status %d, want 409", resp.Status)
	}
}

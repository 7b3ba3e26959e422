package history_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/scan/verdict"
)

// TestHostileReport shows a run whose scanned site named a cookie and a
// recipient with markup and gave a javascript: page, on the run's page,
// the diff and the HTML download: nothing of it becomes markup or a link
// anywhere. (The server's headers, nosniff and the console's policy, are
// set for every console path by internal/server.)
func TestHostileReport(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	cookie := finding(verdict.UndeclaredCookie, verdict.Violation, verdict.SubjectCookie, evil, `"><img src=x onerror=alert(2)>`)
	cookie.Evidence[0].Page = "javascript:alert(3)//"
	cookie.Evidence[0].Initiator = "javascript:alert(4)//"
	recipient := finding(verdict.UndeclaredRecipient, verdict.Violation, verdict.SubjectRecipient, `tags.example"><svg onload=alert(5)>`, "")
	h, ids := console(t, &scanner{}, sampleReport(staleTool), sampleReport(cookie, recipient))
	b := h.SignedIn(user(t, h, account.Owner))
	id := strconv.FormatInt(ids[1], 10)
	for _, path := range []string{"/admin/scans/" + id, "/admin/scans/" + id + "/diff", "/admin/scans/" + id + "/report.html"} {
		resp := b.Get(path)
		if resp.Status != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, resp.Status)
		}
		for _, bad := range []string{evil, "<img src=x", "<svg onload", `href="javascript:`, `src="javascript:`} {
			if strings.Contains(resp.Body, bad) {
				t.Errorf("GET %s: the page holds %q", path, bad)
			}
		}
		if !strings.Contains(resp.Body, "&lt;script&gt;") {
			t.Errorf("GET %s: the cookie's name is not shown escaped", path)
		}
	}
}

package dashboard

import (
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/web"
)

// TestBrowserDashboardTooltip opens the dashboard in Chromium and moves
// through the chart with the keyboard alone: Tab reaches the chart, its
// tooltip shows the last point's figures, and the arrow keys and Home
// move it to the points before.
func TestBrowserDashboardTooltip(t *testing.T) {
	h := newHarness(t)
	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		t.Fatal(err)
	}
	h.Mux.Handle("/noren/", http.StripPrefix("/noren/", http.FileServerFS(static)))
	b := h.Chromium()
	b.SignIn(h.Harness, h.AddUser("analyst@example.jp", account.Analyst))
	b.Load("open the dashboard", http.StatusOK, "/admin/analytics", chromedp.Navigate(b.Base.String()+"/admin/analytics?period=7d"))

	tip := func() (string, bool) {
		shown := admintest.Value(b, "tooltip", chromedp.Evaluate[[]any](`(() => { const t = document.querySelector(".chart-tip"); return [t.textContent, !t.hidden]; })()`))
		return shown[0].(string), shown[1].(bool)
	}
	if text, shown := tip(); shown || text != "" {
		b.Fatalf("a tooltip shows before the chart has the focus: %q", text)
	}
	// Tab from the last link before the chart lands on the chart.
	b.Do("focus the last headline", chromedp.Evaluate[chromedp.Void](`document.querySelector(".headlines li:last-child a").focus()`))
	b.Do("Tab to the chart", chromedp.KeyEvent(kb.Tab))
	b.Focused("analytics-chart")
	tips := admintest.Value(b, "points", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#analytics-chart circle")].map(c => c.getAttribute("data-tip"))`))
	if len(tips) != 7 {
		b.Fatalf("%d points in a week's chart, want 7", len(tips))
	}
	for _, step := range []struct {
		key  string
		want string
	}{
		{"", tips[6]},
		{kb.ArrowLeft, tips[5]},
		{kb.ArrowLeft, tips[4]},
		{kb.ArrowRight, tips[5]},
		{kb.Home, tips[0]},
		{kb.ArrowLeft, tips[0]},
		{kb.End, tips[6]},
	} {
		if step.key != "" {
			b.Do("press a key", chromedp.KeyEvent(step.key))
		}
		text, shown := tip()
		if !shown || text != step.want {
			b.Fatalf("after key %q the tooltip shows %q (visible %v), want %q", step.key, text, shown, step.want)
		}
	}
	if !strings.Contains(tips[6], "2026-11-29") {
		t.Errorf("the last point's tooltip %q is not today's", tips[6])
	}
	b.Do("press Escape", chromedp.KeyEvent(kb.Escape))
	if _, shown := tip(); shown {
		t.Error("Escape leaves the tooltip shown")
	}
}

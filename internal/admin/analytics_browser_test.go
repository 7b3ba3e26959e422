package admin

import (
	"context"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/web"
)

// TestBrowserDashboardTooltip opens the dashboard in Chromium and moves
// through the chart with the keyboard alone: Tab reaches the chart, its
// tooltip shows the last point's figures, and the arrow keys and Home
// move it to the points before.
func TestBrowserDashboardTooltip(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	seedAnalytics(t, h)
	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		t.Fatal(err)
	}
	h.mux.Handle("/noren/", http.StripPrefix("/noren/", http.FileServerFS(static)))
	analyst := h.addUser("analyst@example.jp", account.Analyst)
	id, _, err := h.accounts.StartSession(context.Background(), analyst.ID, account.StageFull, time.Hour, "127.0.0.0/24", "test", h.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	b := h.chromium()
	yes := true
	b.do("sign in with a session cookie", chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{
			Name: sessionCookie, Value: id, URL: b.base.String() + "/", Path: "/", Secure: &yes, HTTPOnly: &yes,
		})
		return chromedp.Void{}, err
	}))
	b.load("open the dashboard", http.StatusOK, "/admin/analytics", chromedp.Navigate(b.base.String()+"/admin/analytics?period=7d"))

	tip := func() (string, bool) {
		shown := value(b, "tooltip", chromedp.Evaluate[[]any](`(() => { const t = document.querySelector(".chart-tip"); return [t.textContent, !t.hidden]; })()`))
		return shown[0].(string), shown[1].(bool)
	}
	if text, shown := tip(); shown || text != "" {
		b.fatalf("a tooltip shows before the chart has the focus: %q", text)
	}
	// Tab from the last link before the chart lands on the chart.
	b.do("focus the last headline", chromedp.Evaluate[chromedp.Void](`document.querySelector(".headlines li:last-child a").focus()`))
	b.do("Tab to the chart", chromedp.KeyEvent(kb.Tab))
	b.focused("analytics-chart")
	tips := value(b, "points", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#analytics-chart circle")].map(c => c.getAttribute("data-tip"))`))
	if len(tips) != 7 {
		b.fatalf("%d points in a week's chart, want 7", len(tips))
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
			b.do("press a key", chromedp.KeyEvent(step.key))
		}
		text, shown := tip()
		if !shown || text != step.want {
			b.fatalf("after key %q the tooltip shows %q (visible %v), want %q", step.key, text, shown, step.want)
		}
	}
	if !strings.Contains(tips[6], "2026-11-29") {
		t.Errorf("the last point's tooltip %q is not today's", tips[6])
	}
	b.do("press Escape", chromedp.KeyEvent(kb.Escape))
	if _, shown := tip(); shown {
		t.Error("Escape leaves the tooltip shown")
	}
}

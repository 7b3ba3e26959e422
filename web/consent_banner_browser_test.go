package web

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// pageErrors collects what a tab reports as uncaught exceptions and as
// console errors.
type pageErrors struct {
	mu   sync.Mutex
	list []string
}

// watchErrors starts collecting the tab's uncaught exceptions and
// console errors.
func watchErrors(t *testing.T, ctx context.Context) *pageErrors {
	t.Helper()
	pe := new(pageErrors)
	err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "uncaught: " + e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type != runtime.ConsoleAPICalledTypeError {
				return
			}
			msg = "console.error:"
			for _, a := range e.Args {
				msg += " " + string(a.Value) + a.Description
			}
		default:
			return
		}
		pe.mu.Lock()
		pe.list = append(pe.list, msg)
		pe.mu.Unlock()
	})
	if err != nil {
		t.Fatalf("listen to runtime events: %v", err)
	}
	return pe
}

// take returns the errors collected so far and forgets them.
func (pe *pageErrors) take() []string {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	out := pe.list
	pe.list = nil
	return out
}

// afterFrames resolves once the page has painted twice more, by which time
// resize observers have reported what the last change did.
const afterFrames = `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 50))))`

// TestConsentBannerChoicesThrowNothing makes every choice the banner
// offers, and those of the preference centre opened from it, on a fresh
// visit each, and wants no uncaught exception or console error from the
// page: the banner leaves the page without anything still watching it.
func TestConsentBannerChoicesThrowNothing(t *testing.T) {
	s := newConsentSite(t)
	b := s.browser(t)
	errs := watchErrors(t, b.ctx)
	tests := []struct {
		name  string
		steps []string // selectors clicked in turn
	}{
		{"accept all", []string{bannerAccept}},
		{"reject all", []string{bannerReject}},
		{"customise then save", []string{bannerCustomise, dialogSave}},
		{"customise then accept all", []string{bannerCustomise, "dialog.noren-pc .noren-btns button:nth-child(1)"}},
		{"customise then reject all", []string{bannerCustomise, "dialog.noren-pc .noren-btns button:nth-child(2)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b.t = t
			ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
			defer cancel()
			if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
				t.Fatalf("clear cookies: %v", err)
			}
			b.open("/page")
			b.waitFor("the banner shows", `!!document.querySelector('.noren-banner')`)
			b.do("let the banner settle", chromedp.Evaluate[chromedp.Void](afterFrames, chromedp.EvalAwaitPromise))
			errs.take()
			for i, sel := range tc.steps {
				b.click(fmt.Sprintf("step %d", i+1), sel)
				if i+1 < len(tc.steps) {
					b.waitFor("the preference centre opens", activeInDialog)
				}
			}
			b.waitFor("the banner goes", `!document.querySelector('.noren-banner')`)
			b.do("let the page settle", chromedp.Evaluate[chromedp.Void](afterFrames, chromedp.EvalAwaitPromise))
			if got := errs.take(); len(got) > 0 {
				t.Errorf("the page reported errors after the choice: %q", got)
			}
			b.check("the page's foot is given back", `!document.documentElement.classList.contains('noren-bn') &&
				document.documentElement.style.getPropertyValue('--noren-bh') === ''`)
		})
	}
}

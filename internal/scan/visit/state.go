package visit

import (
	"context"
	"fmt"
	"sync"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// visitState visits every page in state s, in a browser profile of its
// own made in the browser of bctx. done is told of each page finished, or
// skipped when the state cannot be reached.
func visitState(bctx context.Context, s State, o *Options, done func(n int)) (StateResult, error) {
	res := StateResult{State: s, Pages: []Page{}}
	sctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(sctx); err != nil {
		return res, fmt.Errorf("open a browser profile for %s: %w", s, err)
	}
	// A page that starts a download must not write into the scanner's
	// folders; the browser refuses it instead.
	_, err := chromedp.CallBrowser(sctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:         browser.SetDownloadBehaviorBehaviorDeny,
		BrowserContextID: chromedp.FromContext(sctx).BrowserContextID,
	})
	if err != nil {
		return res, fmt.Errorf("refuse downloads for %s: %w", s, err)
	}
	set := newSetters()
	first, err := openTab(sctx, set, s)
	if err != nil {
		return res, fmt.Errorf("open a tab for %s: %w", s, err)
	}

	if s == AcceptAll || s == RejectAll {
		c, err := first.choose(o.Pages[0], s, o)
		if err != nil {
			if bctx.Err() != nil {
				return res, bctx.Err()
			}
			c = choice{note: fmt.Sprintf("the tab closed while choosing: %v", err)}
		}
		res.Reached, res.Choice, res.Button, res.Note = c.reached, c.how, c.button, c.note
		if !c.reached {
			done(len(o.Pages))
			return res, nil
		}
	} else {
		res.Reached, res.Choice = true, ChoiceNone
	}

	tabs := []*tab{first}
	for range min(o.Concurrency, len(o.Pages)) - 1 {
		tctx, cancel := chromedp.NewContext(sctx)
		defer cancel()
		t, err := openTab(tctx, set, s)
		if err != nil {
			return res, fmt.Errorf("open a tab for %s: %w", s, err)
		}
		tabs = append(tabs, t)
	}

	pages := make([]Page, len(o.Pages))
	next := make(chan int)
	var wg sync.WaitGroup
	for _, t := range tabs {
		wg.Go(func() {
			// A tab that closed (its page crashed the renderer) fails
			// its remaining pages at once; the other tabs go on.
			for i := range next {
				p, err := t.visitPage(o.Pages[i], o)
				if err != nil {
					p.Error = fmt.Sprintf("the tab closed: %v", err)
				}
				pages[i] = p
				done(1)
			}
		})
	}
feed:
	for i := range o.Pages {
		select {
		case next <- i:
		case <-sctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := sctx.Err(); err != nil {
		return res, err
	}
	res.Pages = pages
	return res, nil
}

package visit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// Defaults of Options.
const (
	defaultConcurrency = 2
	defaultSettle      = 500 * time.Millisecond
	defaultPageTimeout = 20 * time.Second
	// startTimeout bounds the browser's start, so that a browser that
	// hangs fails the scan instead of holding it.
	startTimeout = time.Minute
)

// Run starts one browser and visits opt.Pages in each of opt.States, the
// states side by side, each in a fresh profile. Only a browser that
// cannot start and the end of ctx are errors; a page that fails says so
// in its Page.Error, and a state whose choice cannot be made is not
// Reached.
func Run(ctx context.Context, opt Options) (*Result, error) {
	if len(opt.Pages) == 0 {
		return nil, errors.New("visit: no pages to visit")
	}
	o := withDefaults(opt)
	path, err := FindBrowser(o.Browser)
	if err != nil {
		return nil, err
	}
	res := &Result{Start: o.Pages[0], Started: time.Now().UTC()}

	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, allocatorOptions(path, &o)...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := start(bctx); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("start browser %s: %w", path, ctx.Err())
		}
		return nil, fmt.Errorf("start browser %s: %w", path, err)
	}
	if v, err := chromedp.CallBrowser(bctx, browser.GetVersion, cdp.Empty{}); err == nil {
		res.Browser = v.Product
	}
	if err := closePopups(bctx); err != nil {
		return nil, fmt.Errorf("watch for new windows: %w", err)
	}

	total := len(o.Pages) * len(o.States)
	// One call at a time, so that a progress bar sees done only grow.
	var mu sync.Mutex
	done := 0
	progress := func(n int) {
		mu.Lock()
		defer mu.Unlock()
		done += n
		if o.Progress != nil {
			o.Progress(done, total)
		}
	}
	res.States = make([]StateResult, len(o.States))
	errs := make([]error, len(o.States))
	var wg sync.WaitGroup
	for i, s := range o.States {
		wg.Go(func() { res.States[i], errs[i] = visitState(bctx, s, &o, progress) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("visit %s: %w", res.Start, ctx.Err())
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("visit %s: %w", res.Start, err)
	}
	res.Finished = time.Now().UTC()
	return res, nil
}

// withDefaults fills in what opt leaves to the defaults.
func withDefaults(opt Options) Options {
	if opt.States == nil {
		opt.States = States()
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = defaultConcurrency
	}
	if opt.Settle <= 0 {
		opt.Settle = defaultSettle
	}
	if opt.PageTimeout <= 0 {
		opt.PageTimeout = defaultPageTimeout
	}
	return opt
}

// start starts the browser of bctx within startTimeout. The first action
// ties the browser's life to the context it runs on, so it runs on bctx
// itself and the wait is bounded here.
func start(bctx context.Context) error {
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(bctx) }()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case err := <-started:
		return err
	case <-timer.C:
		return fmt.Errorf("no answer within %v", startTimeout)
	}
}

// closePopups closes every window a page opens (window.open, target
// _blank), so the scan stays on the pages it was given.
func closePopups(bctx context.Context) error {
	return chromedp.ListenBrowser(bctx, func(ev any) {
		created, ok := ev.(*target.EventTargetCreated)
		if !ok || created.TargetInfo == nil || created.TargetInfo.Type != "page" || created.TargetInfo.OpenerID == "" {
			return
		}
		id := created.TargetInfo.TargetID
		go func() {
			_, _ = chromedp.CallBrowser(bctx, target.CloseTarget, target.CloseTargetParams{TargetID: id})
		}()
	})
}

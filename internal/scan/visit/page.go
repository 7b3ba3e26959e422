package visit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
)

// collectTimeout bounds the reading of cookies, storage and frames once a
// page has settled or run out of time.
const collectTimeout = 10 * time.Second

// pollEvery is how often a visit looks whether its page has settled.
const pollEvery = 25 * time.Millisecond

// visitPage opens raw in the tab, waits for it to settle and reports what
// it saw. Only the end of the tab's context is an error; a page that
// fails says so in its Error.
func (t *tab) visitPage(raw string, o *Options) (Page, error) {
	ctx := t.ctx
	p := Page{URL: raw, Cookies: []Cookie{}, Storage: []StorageKey{}, Requests: []Request{}, Frames: []Frame{}}
	host := hostOf(raw)
	if host == "" {
		p.Error = "not an http(s) address"
		return p, nil
	}
	t.reset(host)
	pctx, cancel := context.WithTimeout(ctx, o.PageTimeout)
	err := t.navigate(pctx, raw)
	if err == nil {
		err = t.settle(pctx, o.Settle)
	}
	cancel()
	if ctx.Err() != nil {
		return p, ctx.Err()
	}
	if err != nil {
		p.Error = err.Error()
	}
	status, reqs, dropped := t.seen()
	p.Status, p.Requests = status, reqs
	if dropped > 0 && p.Error == "" {
		p.Error = fmt.Sprintf("more than %d requests to other hosts: %d not listed", maxRequests, dropped)
	}

	cctx, cancel := context.WithTimeout(ctx, collectTimeout)
	defer cancel()
	if err := t.collect(cctx, host, &p); err != nil {
		if ctx.Err() != nil {
			return p, ctx.Err()
		}
		if p.Error == "" {
			p.Error = fmt.Sprintf("read what the page stored: %v", err)
		}
	}
	return p, nil
}

// navigate opens raw in the top frame. A failed navigation still shows the
// browser's error page, so the visit goes on to what it saw.
func (t *tab) navigate(ctx context.Context, raw string) error {
	res, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: raw})
	switch {
	case err != nil:
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("open %s: no answer within the page's time", raw)
		}
		return fmt.Errorf("open %s: %w", raw, err)
	case res.IsDownload:
		t.markLoaded()
		return fmt.Errorf("open %s: a download, not a page", raw)
	case res.ErrorText != "":
		t.markLoaded()
		return fmt.Errorf("open %s: %s", raw, res.ErrorText)
	}
	return nil
}

// settle waits until the page has loaded and its network has been quiet
// for settle.
func (t *tab) settle(ctx context.Context, settle time.Duration) error {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !t.quiet(settle) {
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return t.unsettled()
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// collect reads the profile's cookies, the frames, and the web storage of
// every frame the tab can reach.
func (t *tab) collect(ctx context.Context, host string, p *Page) error {
	jar, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: t.profile})
	if err != nil {
		return fmt.Errorf("read cookies: %w", err)
	}
	now := time.Now().UTC()
	for _, c := range jar.Cookies {
		p.Cookies = append(p.Cookies, t.cookie(c, host, now))
	}
	slices.SortFunc(p.Cookies, func(a, b Cookie) int {
		return cmp.Or(cmp.Compare(a.Domain, b.Domain), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Path, b.Path))
	})

	tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return fmt.Errorf("read frames: %w", err)
	}
	var frames []*cdp.Frame
	framesCut := false
	var walk func(ft *page.FrameTree, parent string)
	walk = func(ft *page.FrameTree, parent string) {
		if ft == nil || ft.Frame == nil {
			return
		}
		frames = append(frames, ft.Frame)
		u := ft.Frame.URL + ft.Frame.URLFragment
		if parent != "" || ft.Frame.ParentID != "" {
			if len(p.Frames) >= maxFrames {
				framesCut = true
				return
			}
			p.Frames = append(p.Frames, Frame{URL: cutURL(u), Host: hostOf(u), Parent: cutURL(parent)})
		}
		for _, c := range ft.ChildFrames {
			walk(c, u)
		}
	}
	walk(tree.FrameTree, "")
	if framesCut && p.Error == "" {
		p.Error = fmt.Sprintf("more than %d frames: the others not listed", maxFrames)
	}

	seen := map[string]bool{}
	cut := false
	for _, f := range frames {
		keys, total, err := t.frameStorage(ctx, f.ID)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			continue // a frame that went away, or one without storage
		}
		cut = cut || total > len(keys)
		for _, k := range keys {
			id := storageKey(k.Kind, k.Origin, k.Key)
			if seen[id] {
				continue
			}
			if len(p.Storage) >= maxStorage {
				cut = true
				break
			}
			seen[id] = true
			k.SetBy = t.set.storeSetter(k.Kind, k.Origin, k.Key)
			p.Storage = append(p.Storage, k)
		}
	}
	if cut && p.Error == "" {
		p.Error = fmt.Sprintf("more than %d storage keys: the others not listed", maxStorage)
	}
	slices.SortFunc(p.Storage, func(a, b StorageKey) int {
		return cmp.Or(cmp.Compare(a.Origin, b.Origin), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Key, b.Key))
	})
	return nil
}

// cookie turns the browser's cookie into the report's, seen from host.
func (t *tab) cookie(c *network.Cookie, host string, now time.Time) Cookie {
	// A page may set cookies with names of kilobytes, and every page of
	// the state lists the whole jar again: nothing of one is kept long.
	out := Cookie{
		Name:       cutText(c.Name, maxKey),
		Domain:     cutText(c.Domain, maxKey),
		Path:       cutURL(c.Path),
		Seen:       now,
		HTTPOnly:   c.HTTPOnly,
		Secure:     c.Secure,
		SameSite:   string(c.SameSite),
		ThirdParty: !sameSite(c.Domain, host),
	}
	if !c.Session && c.Expires > 0 && !math.IsInf(c.Expires, 0) {
		sec, frac := math.Modf(c.Expires)
		out.Expires = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	}
	// A script's note has the name cut as out.Name is; a response's
	// header the whole name.
	by, ok := t.set.cookieSetter(c.Name, c.Domain)
	if !ok {
		by, ok = t.set.cookieSetter(out.Name, c.Domain)
	}
	if ok {
		out.SetBy, out.SetByKind = by.url, by.kind
	}
	return out
}

// maxStorage bounds the web storage keys and IndexedDB databases kept for
// one page, so that a page writing endless keys cannot grow the report.
const maxStorage = 2000

// maxFrames bounds the frames kept for one page.
const maxFrames = 500

// storageScript lists a frame's web storage keys and IndexedDB databases,
// at most maxStorage of each kind and maxKey characters of each, with how
// many there were. It runs in a world of its own, where the page's
// scripts cannot replace the functions it calls to hide a key. A frame
// whose origin has no storage (a sandboxed or opaque one) throws, and is
// left out.
var storageScript = fmt.Sprintf(`(async () => {
  const max = %d, maxKey = %d;
  const out = {origin: String(location.origin), local: [], session: [], idb: [], total: 0};
  const take = (keys) => { out.total += keys.length; return keys.slice(0, max).map(k => String(k).slice(0, maxKey)); };
  try { out.local = take(Object.keys(localStorage)); } catch (e) {}
  try { out.session = take(Object.keys(sessionStorage)); } catch (e) {}
  try { if (indexedDB.databases) out.idb = take((await indexedDB.databases()).map(d => d.name)); } catch (e) {}
  return out;
})()`, maxStorage, maxKey)

// frameStore is what storageScript returns.
type frameStore struct {
	Origin  string   `json:"origin"`
	Local   []string `json:"local"`
	Session []string `json:"session"`
	IDB     []string `json:"idb"`
	Total   int      `json:"total"`
}

// frameStorage reads the storage of frame through a world of the
// scanner's own, and says how many keys the frame had in all.
func (t *tab) frameStorage(ctx context.Context, frame cdp.FrameID) ([]StorageKey, int, error) {
	world, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: frame, WorldName: "noren-scan"})
	if err != nil {
		return nil, 0, fmt.Errorf("frame %s: no script context: %w", frame, err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[frameStore](storageScript, chromedp.EvalAwaitPromise,
		func(p *runtime.EvaluateParams) { p.ContextID = world.ExecutionContextID }))
	if err != nil {
		return nil, 0, fmt.Errorf("read storage of frame %s: %w", frame, err)
	}
	if got.Origin == "" || got.Origin == "null" {
		return nil, 0, nil
	}
	var out []StorageKey
	for _, kind := range []struct {
		kind string
		keys []string
	}{{LocalStorage, got.Local}, {SessionStorage, got.Session}, {IndexedDB, got.IDB}} {
		for _, k := range kind.keys {
			out = append(out, StorageKey{Kind: kind.kind, Origin: cutURL(got.Origin), Key: cutText(k, maxKey)})
		}
	}
	return out, got.Total, nil
}

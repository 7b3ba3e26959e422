package visit

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var (
	//go:embed record.js
	recordScript string
	//go:embed gpc.js
	gpcScript string
)

// bindingName is the function record.js hands its notes to.
const bindingName = "__norenScanRecord"

// maxRequests bounds the requests kept for one page.
const maxRequests = 2000

// maxTracked bounds the requests whose address a page's visit remembers
// for the Set-Cookie headers of their responses.
const maxTracked = 20000

// tab is one browser tab of a state, and what its listener has seen of
// the page it shows now. The listener runs on chromedp's reading
// goroutine, so it only notes under mu; the visit reads under mu.
type tab struct {
	ctx     context.Context
	set     *setters
	profile cdp.BrowserContextID // the state's browser profile
	topID   cdp.FrameID
	mu      sync.Mutex
	host    string // the page's host, requests to others are kept
	loaded  bool
	status  int
	last    time.Time // the last network event
	flight  map[network.RequestID]struct{}
	urls    map[network.RequestID]string
	index   map[network.RequestID]int
	reqs    []Request
	dropped int
}

// openTab readies the tab of ctx: its listener, the recording script, and
// for GPC the header and the navigator property.
func openTab(ctx context.Context, set *setters, state State) (*tab, error) {
	t := &tab{
		ctx:    ctx,
		set:    set,
		flight: map[network.RequestID]struct{}{},
		urls:   map[network.RequestID]string{},
		index:  map[network.RequestID]int{},
	}
	if err := chromedp.Listen(ctx, t.event); err != nil {
		return nil, fmt.Errorf("listen to the tab's events: %w", err)
	}
	err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		tree, err := cdp.Call(ctx, tg, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			return chromedp.Void{}, err
		}
		t.topID = tree.FrameTree.Frame.ID
		t.profile = chromedp.FromContext(ctx).BrowserContextID
		if _, err := cdp.Call(ctx, tg, runtime.AddBinding, runtime.AddBindingParams{Name: bindingName}); err != nil {
			return chromedp.Void{}, err
		}
		src := recordScript
		if state == GPC {
			src = gpcScript + "\n" + src
			headers := network.Headers{"Sec-GPC": "1"}
			if _, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: headers}); err != nil {
				return chromedp.Void{}, err
			}
		}
		_, err = cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return chromedp.Void{}, err
	})
	if err != nil {
		return nil, fmt.Errorf("install the recording script: %w", err)
	}
	return t, nil
}

// reset readies the tab's notes for a visit to a page of host.
func (t *tab) reset(host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.host = host
	t.loaded = false
	t.status = 0
	t.last = time.Now()
	clear(t.flight)
	clear(t.urls)
	clear(t.index)
	t.reqs = nil
	t.dropped = 0
}

// event is the tab's listener. It must return at once and run no command
// (chromedp's rule), so the one reply it owes, to a dialog, goes from a
// goroutine of its own.
func (t *tab) event(ev any) {
	switch ev := ev.(type) {
	case *page.EventJavascriptDialogOpening:
		accept := ev.Type == page.DialogTypeBeforeunload // let the scan move on
		go func() {
			_, _ = chromedp.Call(t.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
		}()
		return
	case *runtime.EventBindingCalled:
		if ev.Name == bindingName {
			t.note(ev.Payload)
		}
		return
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	switch ev := ev.(type) {
	case *page.EventFrameStartedLoading:
		// A navigation of the page's own, such as a banner's reload after
		// the choice, is waited for like the first.
		if ev.FrameID == t.topID {
			t.loaded = false
			t.last = time.Now()
		}
	case *page.EventFrameStoppedLoading:
		// An error page or a stopped load fires no load event.
		if ev.FrameID == t.topID {
			t.loaded = true
			t.last = time.Now()
		}
	case *page.EventLoadEventFired:
		t.loaded = true
		t.last = time.Now()
	case *network.EventRequestWillBeSent:
		t.request(ev)
	case *network.EventWebSocketCreated:
		// A WebSocket's handshake comes as no request of its own.
		t.keep(ev.RequestID, ev.URL, "WebSocket", ev.Initiator, "")
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument && ev.FrameID == t.topID && ev.Response != nil {
			t.status = int(ev.Response.Status)
		}
		t.last = time.Now()
	case *network.EventResponseReceivedExtraInfo:
		if h := setCookieHeader(ev.Headers); h != "" {
			if u, ok := t.urls[ev.RequestID]; ok {
				t.set.responseCookies(u, h)
			}
		}
	case *network.EventLoadingFinished:
		delete(t.flight, ev.RequestID)
		t.last = time.Now()
	case *network.EventLoadingFailed:
		delete(t.flight, ev.RequestID)
		t.last = time.Now()
		if i, ok := t.index[ev.RequestID]; ok {
			t.reqs[i].Failed = true
		}
	}
}

// request notes a request: in flight until it ends, and kept when it
// goes to another host than the page's.
func (t *tab) request(ev *network.EventRequestWillBeSent) {
	t.last = time.Now()
	if ev.Request == nil {
		return
	}
	t.flight[ev.RequestID] = struct{}{}
	if len(t.urls) < maxTracked {
		t.urls[ev.RequestID] = ev.Request.URL
	}
	if ev.RedirectResponse != nil {
		// A redirect ends the previous hop, which may have set cookies;
		// its ExtraInfo came under the same request id.
		delete(t.index, ev.RequestID)
	}
	t.keep(ev.RequestID, ev.Request.URL, string(ev.Type), ev.Initiator, ev.DocumentURL)
}

// keep keeps a request when it goes to another host than the page's.
func (t *tab) keep(id network.RequestID, raw, typ string, in *network.Initiator, document string) {
	host := hostOf(raw)
	if host == "" || host == t.host {
		return
	}
	if len(t.reqs) >= maxRequests {
		t.dropped++
		return
	}
	r := Request{URL: cutURL(raw), Host: host, Type: typ}
	if in != nil {
		r.InitiatorKind = string(in.Type)
		r.Initiator = initiatorURL(in, document)
	}
	t.index[id] = len(t.reqs)
	t.reqs = append(t.reqs, r)
}

// initiatorURL is the address of what caused a request: the initiator's
// own URL when the browser gives it, else the innermost script of its
// stack, else the document for markup.
func initiatorURL(in *network.Initiator, document string) string {
	if in.URL != "" {
		return cutURL(stripFragment(in.URL))
	}
	for st := in.Stack; st != nil; st = st.Parent {
		for _, f := range st.CallFrames {
			if f.URL != "" {
				return cutURL(stripFragment(f.URL))
			}
		}
	}
	if in.Type == network.InitiatorTypeParser {
		return cutURL(stripFragment(document))
	}
	return ""
}

// setCookieHeader returns a response's Set-Cookie lines, joined by
// newlines as the browser joins repeated headers.
func setCookieHeader(h network.Headers) string {
	for k, v := range h {
		if strings.EqualFold(k, "set-cookie") {
			if s, ok := v.(string); ok {
				return s
			}
		}
	}
	return ""
}

// note takes a note of record.js.
func (t *tab) note(payload string) {
	var n struct {
		Kind   string `json:"t"`
		Key    string `json:"k"`
		Domain string `json:"d"`
		Script string `json:"s"`
		Origin string `json:"o"`
	}
	if json.Unmarshal([]byte(payload), &n) != nil || n.Script == "" {
		return
	}
	// A page can forge notes, so nothing in one is kept at any length.
	script := cutURL(stripFragment(n.Script))
	key, origin, domain := cutText(n.Key, maxKey), cutURL(n.Origin), cutText(n.Domain, maxKey)
	switch n.Kind {
	case "cookie":
		if key != "" {
			t.set.cookie(key, domain, setter{url: script, kind: setByScript})
		}
	case LocalStorage, SessionStorage, IndexedDB:
		t.set.store(n.Kind, origin, key, script)
	}
}

// quiet reports whether the page has loaded and the network has been
// quiet for settle, or has had no news for long enough that what is
// still in flight never ends (a long poll, a stream).
func (t *tab) quiet(settle time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	idle := time.Since(t.last)
	if !t.loaded {
		return false
	}
	return idle >= settle && len(t.flight) == 0 || idle >= max(4*settle, 2*time.Second)
}

// unsettled says why the page did not settle in time.
func (t *tab) unsettled() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.loaded {
		return fmt.Errorf("the page did not settle within the page's time: it never finished loading (%d requests in flight)", len(t.flight))
	}
	return fmt.Errorf("the page did not settle within the page's time: its network never went quiet (%d requests in flight)", len(t.flight))
}

// markLoaded counts the page as loaded, for a navigation that failed and
// will fire no load event of its own, and for a page already shown.
func (t *tab) markLoaded() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.loaded = true
	t.last = time.Now()
}

// seen returns the page's status and the requests noted so far.
func (t *tab) seen() (status int, reqs []Request, dropped int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status, append([]Request{}, t.reqs...), t.dropped
}

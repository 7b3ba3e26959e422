package visit

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

//go:embed buttons.js
var buttonsScript string

// norenCookieName is the cookie in which Noren keeps a visitor's choice.
const norenCookieName = "noren_consent"

// findFor is how long the choice waits for a banner that a script shows
// some time after the page settled.
const findFor = 2 * time.Second

// button is a clickable element that buttons.js found.
type button struct {
	Text     string  `json:"text"`
	Selector string  `json:"selector"`
	X        float64 `json:"x"`
	Y        float64 `json:"y"`
}

// choice is how a state's choice was made, or why it could not be.
type choice struct {
	how, button, note string
	reached           bool
}

// choose opens start in the tab and makes the choice of state s there:
// pressing the banner's button, or else writing Noren's consent cookie
// when o.NorenCookie gives one.
func (t *tab) choose(start string, s State, o *Options) (choice, error) {
	if _, err := t.visitPage(start, o); err != nil {
		return choice{}, err
	}
	ctx, cancel := context.WithTimeout(t.ctx, o.PageTimeout)
	defer cancel()
	b, err := t.findButton(ctx, s)
	if err != nil && t.ctx.Err() != nil {
		return choice{}, t.ctx.Err()
	}
	if err == nil && b != nil {
		t.markLoaded()
		if _, err := chromedp.Run(ctx, chromedp.MouseClickXY(b.X, b.Y)); err != nil {
			if t.ctx.Err() != nil {
				return choice{}, t.ctx.Err()
			}
			return choice{note: fmt.Sprintf("press %q on %s: %v", b.Text, start, err)}, nil
		}
		if err := t.settle(ctx, o.Settle); err != nil && t.ctx.Err() != nil {
			return choice{}, t.ctx.Err()
		}
		return choice{how: ChoiceBanner, button: b.Text, reached: true}, nil
	}
	why := fmt.Sprintf("no %q button found on %s", s, start)
	if err != nil {
		why = fmt.Sprintf("look for the %q button on %s: %v", s, start, err)
	}
	if o.NorenCookie != nil {
		if v := o.NorenCookie(s); v != "" {
			if err := t.setNorenCookie(ctx, start, v); err != nil {
				if t.ctx.Err() != nil {
					return choice{}, t.ctx.Err()
				}
				return choice{note: fmt.Sprintf("%s; write %s: %v", why, norenCookieName, err)}, nil
			}
			return choice{how: ChoiceNorenCookie, note: why + "; Noren's consent cookie written instead", reached: true}, nil
		}
	}
	return choice{note: why}, nil
}

// findButton looks for the button that makes the choice of state s, for a
// while in case the banner comes late. It returns nil when there is none.
func (t *tab) findButton(ctx context.Context, s State) (*button, error) {
	deadline := time.Now().Add(findFor)
	for {
		found, err := t.buttons(ctx, s, -1)
		if err != nil {
			return nil, err
		}
		if i := chooseButton(s, found); i >= 0 {
			again, err := t.buttons(ctx, s, i)
			if err != nil {
				return nil, err
			}
			if len(again) == 1 {
				return &again[0], nil
			}
		}
		if time.Now().After(deadline) {
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// chooseButton returns the index of the button to press among found: a
// known banner's first, else the best by its text, or -1.
func chooseButton(s State, found []button) int {
	for i, b := range found {
		if b.Selector != "" {
			return i
		}
	}
	texts := make([]string, len(found))
	for i, b := range found {
		texts[i] = b.Text
	}
	return pickButton(s, texts)
}

// buttons runs buttons.js in a world of its own in the top frame, where
// the page's scripts cannot see it: the clickable elements, or with
// scrollTo ≥ 0 that one scrolled into view.
func (t *tab) buttons(ctx context.Context, s State, scrollTo int) ([]button, error) {
	world, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: t.topID, WorldName: "noren-scan"})
	if err != nil {
		return nil, fmt.Errorf("create a script world: %w", err)
	}
	sel, err := json.Marshal(selectorsFor(s))
	if err != nil {
		return nil, fmt.Errorf("encode the button selectors of %s: %w", s, err)
	}
	expr := fmt.Sprintf("(%s)(%s, %d)", buttonsScript, sel, scrollTo)
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]button](expr, func(p *runtime.EvaluateParams) { p.ContextID = world.ExecutionContextID }))
	if err != nil {
		return nil, fmt.Errorf("list buttons: %w", err)
	}
	return found, nil
}

// setNorenCookie writes Noren's consent cookie for start's host, as the
// server would on the visitor's choice.
func (t *tab) setNorenCookie(ctx context.Context, start, value string) error {
	u, err := url.Parse(start)
	if err != nil {
		return err
	}
	origin := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}).String()
	_, err = chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{
		Name: norenCookieName, Value: value, URL: origin, Path: "/",
		Secure: new(u.Scheme == "https"), SameSite: network.CookieSameSiteLax,
	})
	return err
}

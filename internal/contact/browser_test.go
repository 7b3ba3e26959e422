package contact

import (
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/browsertest"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/web"
)

// TestBrowserSubmit fills the form in Chromium with JavaScript on: the
// script computes the proof of work, so the message goes straight to the
// thank-you page without the confirmation step.
func TestBrowserSubmit(t *testing.T) {
	ctx := browsertest.New(t)
	const difficulty = 12
	hs := newHarness(t, storetest.SQLite(t), func(o *Options) { o.Difficulty = difficulty })
	static, err := fs.Sub(web.Static, "static")
	if err != nil {
		t.Fatal(err)
	}
	hs.mux.Handle("GET /noren/", http.StripPrefix("/noren/", http.FileServerFS(static)))

	err = chromedp.Do(ctx,
		chromedp.Navigate(hs.srv.URL+"/en/contact"),
		chromedp.WaitVisible(chromedp.CSS(`#contact-name`)),
		chromedp.SendKeys(chromedp.CSS(`#contact-name`), "Hanako Yamada"),
		chromedp.SendKeys(chromedp.CSS(`#contact-email`), "hanako@example.jp"),
		chromedp.SetValue(chromedp.CSS(`#contact-topic`), "other"),
		chromedp.SendKeys(chromedp.CSS(`#contact-message`), "Hello from a real browser."),
		chromedp.Click(chromedp.CSS(`#contact-notice-read`)),
	)
	if err != nil {
		t.Fatalf("fill the form: %v", err)
	}
	pow, err := chromedp.Run(ctx, chromedp.Poll[string](`document.querySelector('input[name=pow]').value`, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("wait for the proof of work: %v", err)
	}
	token, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`input[name=challenge]`)))
	if err != nil {
		t.Fatal(err)
	}
	if !solves(token, pow, difficulty) {
		t.Errorf("the script's proof of work %q does not solve the challenge", pow)
	}

	// Past the minimum fill time, which the test clock does not reach by
	// itself.
	hs.clock.Advance(5 * time.Second)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#contact-submit`)), chromedp.WaitVisible(chromedp.CSS(`.contact__reference`))); err != nil {
		t.Fatalf("send: %v", err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`)))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.contact__reference`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(heading, "Thank you") || !validReference(strings.TrimSpace(ref)) {
		t.Errorf("thank-you page: heading %q, reference %q", heading, ref)
	}
	if n := hs.count("contact_submissions"); n != 1 {
		t.Errorf("%d submissions stored, want 1", n)
	}
}

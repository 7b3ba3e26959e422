package visit

import (
	"errors"
	"fmt"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// ErrNoBrowser is wrapped by FindBrowser's error when no browser is
// installed.
var ErrNoBrowser = errors.New("no Chromium browser found")

// browserNames are the executables FindBrowser looks for on PATH, in order.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome"}

// FindBrowser returns the browser to run: path when given, else the
// first of chromium, chromium-browser and google-chrome on PATH.
func FindBrowser(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("find browser %s: %w: %w", path, ErrNoBrowser, err)
		}
		return p, nil
	}
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("find browser: %w: install Debian's chromium package (apt install chromium) or pass --browser", ErrNoBrowser)
}

// allocatorOptions are the flags of the scan's browser.
func allocatorOptions(path string, o *Options) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the scan may run as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Headless,
		chromedp.WindowSize(1280, 900),
		// Chromium would otherwise reach its vendor's services at start,
		// which would show up as requests no page made.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// A popup a page opens without a click stays blocked, as in a
		// visitor's browser.
		chromedp.Flag("disable-popup-blocking", false),
		// Frames of other sites stay in the page's process, so that their
		// requests, cookies and storage reach the page's own session
		// instead of a target of their own. What the frames send and
		// store is the same either way.
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateOrigins,site-per-process"),
	)
	if o.HostResolverRules != "" {
		opts = append(opts, chromedp.Flag("host-resolver-rules", o.HostResolverRules))
	}
	if o.IgnoreCertificateErrors {
		opts = append(opts, chromedp.IgnoreCertErrors)
	}
	return opts
}

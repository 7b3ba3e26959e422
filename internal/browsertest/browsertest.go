// Package browsertest starts a headless Chromium for tests that drive pages
// as a person would, through chromedp.
//
// A machine without a browser skips such tests, so that `go test` works
// anywhere; CI sets CI to a true value such as 1 or true (or sets
// NOREN_REQUIRE_BROWSER), and there a missing browser fails the test instead, so a green run always means the
// pages were really driven in a browser.
package browsertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/noren-web/noren/internal/testenv"
)

// Environment variables New reads.
const (
	// BrowserEnv names the browser executable, overriding the search of PATH.
	BrowserEnv = "NOREN_CHROMIUM"
	// RequireEnv set to a true value such as 1 makes a missing browser
	// fail the test instead of skipping it, as CI=true does.
	RequireEnv = "NOREN_REQUIRE_BROWSER"
)

// startTimeout bounds the browser's start, so that a browser that hangs
// fails the test instead of holding it until go test's own deadline.
const startTimeout = time.Minute

// outputTail is how much of the browser's own output a failed test shows.
const outputTail = 8 << 10

// errNotFound is returned by find when no browser is installed.
var errNotFound = errors.New("browsertest: no browser: install Debian's chromium, or set " + BrowserEnv)

// find returns the browser to run: $NOREN_CHROMIUM when set, else the first
// of chromium, chromium-browser and google-chrome on PATH. A
// NOREN_CHROMIUM that names nothing runnable is an error, not a reason to
// fall back to another browser.
func find() (string, error) {
	if p := os.Getenv(BrowserEnv); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("browsertest: %s=%s: %w", BrowserEnv, p, err)
		}
		return path, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", errNotFound
}

// Path returns the browser executable for a test, skipping or failing the
// test as New does: under -short it skips; without a browser it skips, or
// fails when testenv.Required(RequireEnv). It serves the tests of code that
// starts the browser itself, such as the scanner, with its own flags.
func Path(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		// A browser test waits on another process; the race detector
		// finds nothing in that time, and -short is how the race run
		// asks to leave such tests to the full run.
		t.Skip("a browser test: run without -short")
	}
	path, err := find()
	if err != nil {
		if testenv.Required(RequireEnv) || !errors.Is(err, errNotFound) {
			t.Fatalf("%v (a real browser is required here)", err)
		}
		t.Skipf("%v; skipping the browser test", err)
	}
	return path
}

// New starts a headless Chromium with a fresh, empty profile for the test
// and returns a chromedp context for one tab of it; the browser stops and
// its profile is removed when the test ends. Give each action a deadline
// by deriving a context from the one returned (context.WithTimeout): the
// returned context itself has none.
//
// trust lists the certificates of test servers, such as
// httptest.Server.Certificate(): the browser accepts TLS from a server
// holding one of their keys, and still refuses every other certificate
// that no authority signed.
//
// When no browser is found New skips the test, or fails it when
// testenv.Required(RequireEnv). With -short it skips the test.
func New(t testing.TB, trust ...*x509.Certificate) context.Context {
	t.Helper()
	path := Path(t)

	out := new(tailBuffer)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests may run as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Headless,
		// Without these Chromium tries to reach its vendor's services at
		// start, and the tests must reach nothing beyond loopback.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// Every host name resolves to nothing, so a page that links or
		// loads from elsewhere fails at once instead of leaving the
		// machine. Tests address their servers as 127.0.0.1, which the
		// rule leaves alone.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.CombinedOutput(out),
		// No UserDataDir option: chromedp then makes a new temporary
		// profile for this browser and removes it when the browser stops.
	)
	if len(trust) > 0 {
		opts = append(opts, chromedp.Flag("ignore-certificate-errors-spki-list", spkiList(trust)))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		if t.Failed() {
			t.Logf("browser output (last %d bytes):\n%s", outputTail, out.String())
		}
	})

	// The first action starts the browser and ties its life to the context
	// it runs on, so it runs on ctx, which has no deadline, and the wait
	// for it is bounded here instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("browsertest: start %s: %v", path, err)
		}
	case <-timer.C:
		cancelTab()
		t.Fatalf("browsertest: start %s: no answer within %v", path, startTimeout)
	}
	return ctx
}

// spkiList is the value of Chromium's --ignore-certificate-errors-spki-list:
// the base64 SHA-256 hashes of the certificates' public keys.
func spkiList(certs []*x509.Certificate) string {
	hashes := make([]string, len(certs))
	for i, c := range certs {
		sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
		hashes[i] = base64.StdEncoding.EncodeToString(sum[:])
	}
	return strings.Join(hashes, ",")
}

// tailBuffer keeps the last outputTail bytes written to it. The browser
// writes from its own goroutines while the test may read.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if extra := b.buf.Len() - outputTail; extra > 0 {
		b.buf.Next(extra)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

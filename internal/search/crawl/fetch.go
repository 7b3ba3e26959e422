package crawl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Bounds on what one response may cost.
const (
	maxHTMLSize = 5 << 20
	maxPDFSize  = 50 << 20
	// maxRedirects is how many redirects, all on the upstream, a request
	// follows.
	maxRedirects = 5
	// maxRetryWait bounds how long a Retry-After makes the crawl wait
	// before its one retry.
	maxRetryWait = 30 * time.Second
	// maxDelay bounds how far 429 and 503 answers slow the crawl down.
	maxDelay = 10 * time.Second
	// maxRequestTime bounds one request, redirects and body included, so
	// that an upstream dripping its answer cannot hold a worker forever.
	maxRequestTime = 60 * time.Second
)

// defaultClient is the client used when Options.Client is nil: every
// phase of a request has a deadline, so a stalled upstream cannot hold a
// crawl worker forever.
func defaultClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = 30 * time.Second
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.Proxy = nil // the upstream is the operator's own server, reached directly
	return &http.Client{Transport: tr, Timeout: maxRequestTime}
}

// errTooManyRedirects ends a chain of redirects longer than maxRedirects.
var errTooManyRedirects = errors.New("too many redirects")

// client returns a copy of the crawler's client that follows redirects
// only while they stay in scope and robots.txt allows their target; any
// other redirect is returned as the response, which the crawl skips. A
// client given without a Timeout, or a longer one, gets the crawler's.
func (r *run) client() *http.Client {
	c := *r.c.client
	if c.Timeout <= 0 || c.Timeout > r.c.requestTime {
		c.Timeout = r.c.requestTime
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return errTooManyRedirects
		}
		for _, prev := range via {
			if prev.URL.String() == req.URL.String() {
				return http.ErrUseLastResponse // a loop; the rest of it would only repeat
			}
		}
		if !r.c.scope.contains(req.URL) {
			return http.ErrUseLastResponse
		}
		if !r.robots.Allowed(req.URL.RequestURI()) {
			return http.ErrUseLastResponse
		}
		// Each hop is a request to the site, paced as one.
		return r.pace.wait(req.Context())
	}
	return &c
}

// get requests target once, when the pacer lets it; the caller must
// close the body, which lets the next request start.
func (r *run) get(ctx context.Context, target string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", r.c.opt.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/pdf;q=0.9,application/xml;q=0.8,*/*;q=0.1")
	// The wait for the turn happens before Do, so that it does not count
	// against the client's Timeout.
	release, err := r.pace.acquire(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &pacedBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// getPolitely requests target and, when the upstream answers 429 or 503,
// slows the whole crawl down, waits as Retry-After asks (within bounds)
// and tries once more.
func (r *run) getPolitely(ctx context.Context, target string) (*http.Response, error) {
	resp, err := r.get(ctx, target)
	if err != nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return resp, err
	}
	wait := retryAfter(resp.Header.Get("Retry-After"), time.Now())
	discard(resp)
	r.slowDown(wait)
	wait = min(wait, maxRetryWait) // the pacer adds the interval it now has
	r.log.Debug("search crawl: upstream asks to slow down", "url", target, "status", resp.StatusCode, "wait", wait)
	if err := sleep(ctx, wait); err != nil {
		return nil, err
	}
	return r.get(ctx, target)
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date;
// a missing or unreadable one means one second.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return time.Second
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		if n > int(maxRetryWait/time.Second) {
			return maxRetryWait
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return time.Second
}

// errTooLarge is wrapped by the error of a body over its limit.
var errTooLarge = errors.New("too large")

// readBody reads at most limit bytes of a body, decoded, and fails when
// there are more, so an oversized document is skipped rather than cut.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%d bytes, more than the limit of %d: %w", resp.ContentLength, limit, errTooLarge)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("more than the limit of %d bytes: %w", limit, errTooLarge)
	}
	return b, nil
}

// discard drains a little of a body it will not read so the connection
// can be reused, and closes it.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	resp.Body.Close()
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

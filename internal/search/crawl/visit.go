package crawl

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/search"
)

// visit fetches one URL and makes an item of it when it is an HTML page
// or a PDF, with the links of a page.
func (r *run) visit(ctx context.Context, u *url.URL) result {
	target := u.String()
	resp, err := r.getPolitely(ctx, target)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, errTooManyRedirects) {
			return result{}
		}
		r.log.Info("search crawl: request failed", "url", target, "err", err)
		return result{item: unavailable(r.c.scope.sitePath(u), err)}
	}
	defer discard(resp)
	final := resp.Request.URL
	res := result{final: final}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		r.log.Info("search crawl: upstream error", "url", target, "status", resp.StatusCode)
		res.item = unavailable(r.c.scope.sitePath(final), fmt.Errorf("upstream answered %s", resp.Status))
		return res
	}
	if resp.StatusCode != http.StatusOK {
		r.log.Debug("search crawl: skipped, not 200", "url", target, "status", resp.StatusCode,
			"location", resp.Header.Get("Location"))
		return res
	}
	if !r.c.scope.contains(final) {
		return result{} // the redirect policy already prevents this
	}
	sitePath := r.c.scope.sitePath(final)
	if excluded(r.c.opt.Exclude, sitePath) {
		return res
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	var limit int64
	switch mt {
	case "text/html":
		limit = maxHTMLSize
	case "application/pdf":
		limit = maxPDFSize
	default:
		r.log.Debug("search crawl: skipped, not a page or a PDF", "url", target, "content_type", ct)
		return res
	}
	body, err := readBody(resp, limit)
	switch {
	case err == nil:
	case errors.Is(err, errTooLarge):
		r.log.Info("search crawl: skipped, too large", "url", target, "err", err)
		return res
	case ctx.Err() != nil:
		return result{}
	default:
		// A body cut off (a timeout, a reset) may read whole next time.
		r.log.Info("search crawl: body unreadable", "url", target, "err", err)
		res.item = unavailable(sitePath, err)
		return res
	}
	noIndex, noFollow := xRobotsTag(resp.Header)
	if mt == "text/html" && !noFollow {
		res.links = parseLinks(body, final).URLs
	}
	if noIndex {
		r.log.Debug("search crawl: skipped, X-Robots-Tag noindex", "url", target)
		return res
	}
	sum := sha256.Sum256(body)
	var mod time.Time
	if lm := resp.Header.Get("Last-Modified"); lm != "" {
		if t, err := http.ParseTime(lm); err == nil {
			mod = t
		}
	}
	res.item = &search.Item{
		Path:        sitePath,
		Version:     hex.EncodeToString(sum[:]),
		ModTime:     mod,
		ContentType: ct,
		Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(body)), nil
		},
	}
	return res
}

// xRobotsTag reads the X-Robots-Tag headers that apply to this crawler:
// those without an agent and those naming it.
func xRobotsTag(h http.Header) (noIndex, noFollow bool) {
	for _, v := range h.Values("X-Robots-Tag") {
		v = strings.ToLower(v)
		if agent, rest, ok := strings.Cut(v, ":"); ok && !strings.ContainsAny(agent, ",") {
			if strings.TrimSpace(agent) != Agent {
				continue
			}
			v = rest
		}
		for d := range strings.SplitSeq(v, ",") {
			switch strings.TrimSpace(d) {
			case "noindex":
				noIndex = true
			case "nofollow":
				noFollow = true
			case "none":
				noIndex, noFollow = true, true
			}
		}
	}
	return noIndex, noFollow
}

// unavailableVersion is the Version of an item that could not be read;
// no content hash equals it, so the indexer always tries to read it.
const unavailableVersion = "unavailable"

// unavailable is the item of a document the upstream failed to serve for
// a reason that may pass (a network error, a 5xx or 429 answer). Listing
// it, rather than leaving it out, keeps its indexed copy until a later
// crawl reads it again, and shows the error with its path in the console.
func unavailable(sitePath string, err error) *search.Item {
	return &search.Item{
		Path:    sitePath,
		Version: unavailableVersion,
		Open: func(context.Context) (io.ReadCloser, error) {
			return nil, fmt.Errorf("fetch %s: %w", sitePath, err)
		},
	}
}

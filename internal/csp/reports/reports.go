// Package reports counts the Content-Security-Policy violations that
// visitors' browsers report to /api/csp-report. The public pages' policy
// admits only the hosts the manifest declares, so a report names a
// recipient the site contacts without declaring it, seen on a page and in
// a browser a scheduled scan may never reach. Only the blocked host, the
// directive and the page's path are counted, in memory under a fixed cap
// of keys, and flushed to the csp_reports table as daily counts.
package reports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/server"
)

// Path is the endpoint's path, named by report-uri and Reporting-Endpoints.
const Path = "/api/csp-report"

// MaxBody bounds a report request's body. Chromium's reports are under
// 2 KiB each; MaxEntries of them fit.
const MaxBody = 64 << 10

// Options configure Reports.
type Options struct {
	// Store keeps the daily counts; nil discards them at each flush,
	// for benchmarks of the endpoint alone.
	Store *Store
	// Location is the site's zone, where days begin.
	Location *time.Location
	// RateLimit is how many requests a minute each client network may
	// send after a burst of RateBurst; 0 means no limit.
	RateLimit, RateBurst int
	// Retention is how long days are kept; 0 keeps them.
	Retention time.Duration
	// Hosts returns the site's host names; reports of documents on
	// other hosts are dropped. The host a request was sent to is always
	// the site's, since browsers send reports to the page's own origin.
	Hosts func() []string
	// Own reports whether a request comes from the server's own scan
	// of the site, whose browser is no visitor's: its reports are
	// answered as any other but not counted. It is asked only once the
	// request has passed the rate limit and parsed, so that passing for
	// the scan spares nothing. Nil means none does.
	Own func(*http.Request) bool
	// MaxKeys caps the keys held between flushes; 0 means DefaultMaxKeys.
	MaxKeys int
	// Registerer receives the metrics; nil registers none.
	Registerer prometheus.Registerer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Reports is the endpoint, its counter and its store.
type Reports struct {
	opt     Options
	counter *Counter
	limiter *ratelimit.Limiter
	retry   string
	metrics *metrics
	// flushing is held by the flush under way: the job and the last
	// flush on shutdown may meet.
	flushing sync.Mutex
}

// New returns the endpoint that opt describes.
func New(opt Options) (*Reports, error) {
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.RateLimit < 0 || (opt.RateLimit > 0 && opt.RateBurst < 1) {
		return nil, fmt.Errorf("csp reports: rate limit %d a minute with a burst of %d", opt.RateLimit, opt.RateBurst)
	}
	m, err := newMetrics(opt.Registerer)
	if err != nil {
		return nil, err
	}
	r := &Reports{opt: opt, counter: NewCounter(opt.MaxKeys), metrics: m}
	if opt.RateLimit > 0 {
		r.limiter = ratelimit.New(ratelimit.Per(opt.RateLimit, time.Minute), opt.RateBurst, 0)
		// A token comes back every minute/RateLimit.
		r.retry = strconv.Itoa(max(1, int((time.Minute/time.Duration(opt.RateLimit)+time.Second-1)/time.Second)))
	}
	return r, nil
}

// Counter returns the in-memory counter, for tests and benchmarks.
func (r *Reports) Counter() *Counter { return r.counter }

// ServeHTTP answers a report: 405 for another method, 429 past the
// network's rate (before the body is read), 413 for a body over MaxBody,
// 400 for one that is no report, else 204 once the report is counted.
// A refused request changes no count.
func (r *Reports) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		r.metrics.refused.WithLabelValues(reasonMethod).Inc()
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "405 method not allowed: reports are POSTed", http.StatusMethodNotAllowed)
		return
	}
	now := r.opt.Now()
	if r.limiter != nil && !r.limiter.Allow(server.ClientAddr(req), now) {
		r.metrics.refused.WithLabelValues(reasonRate).Inc()
		w.Header().Set("Retry-After", r.retry)
		http.Error(w, "429 too many reports", http.StatusTooManyRequests)
		return
	}
	if req.ContentLength > MaxBody {
		r.refuseSize(w)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxBody))
	if err != nil {
		if mbe := new(http.MaxBytesError); errors.As(err, &mbe) {
			r.refuseSize(w)
			return
		}
		r.metrics.refused.WithLabelValues(reasonMalformed).Inc()
		http.Error(w, "400 bad request: the body could not be read", http.StatusBadRequest)
		return
	}
	violations, err := Parse(req.Header.Get("Content-Type"), body)
	if err != nil {
		r.metrics.refused.WithLabelValues(reasonMalformed).Inc()
		http.Error(w, "400 bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if r.opt.Own != nil && r.opt.Own(req) {
		r.metrics.dropped.WithLabelValues(dropOwnScan).Add(float64(len(violations)))
	} else {
		r.count(req, violations, now)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *Reports) refuseSize(w http.ResponseWriter) {
	r.metrics.refused.WithLabelValues(reasonSize).Inc()
	http.Error(w, fmt.Sprintf("413 a report request takes at most %d bytes", MaxBody), http.StatusRequestEntityTooLarge)
}

// count adds the violations of the site's own pages to the counter.
func (r *Reports) count(req *http.Request, violations []Violation, now time.Time) {
	own := requestHost(req)
	var hosts []string
	for _, v := range violations {
		host := documentHost(v.DocumentURL)
		if host != own {
			if hosts == nil && r.opt.Hosts != nil {
				hosts = r.opt.Hosts()
			}
			if !slices.Contains(hosts, host) {
				r.metrics.dropped.WithLabelValues(dropOtherSite).Inc()
				continue
			}
		}
		k, ok := KeyOf(v)
		if !ok {
			r.metrics.dropped.WithLabelValues(dropUnreadable).Inc()
			continue
		}
		if !r.counter.Add(k, now) {
			r.metrics.overflow.Inc()
		}
		r.metrics.accepted.Inc()
	}
}

// requestHost is the lower-case host name a request was sent to.
func requestHost(req *http.Request) string {
	host := req.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
}

// Flush writes what the counter holds to the store. The counter is
// swapped under its lock, so reports go on being counted meanwhile. What
// a failed write held is lost, and the error says how much.
func (r *Reports) Flush(ctx context.Context) error {
	r.flushing.Lock()
	defer r.flushing.Unlock()
	counts, overflow := r.counter.Take()
	if r.opt.Store == nil {
		return nil
	}
	return r.opt.Store.Write(ctx, counts, overflow, r.opt.Location)
}

// Retain deletes the days past the retention.
func (r *Reports) Retain(ctx context.Context) error {
	if r.opt.Store == nil || r.opt.Retention <= 0 {
		return nil
	}
	_, err := r.opt.Store.DeleteBefore(ctx, Day(r.opt.Now().Add(-r.opt.Retention), r.opt.Location))
	return err
}

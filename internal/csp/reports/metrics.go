package reports

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Why a request or a report was refused or dropped, as metric labels.
const (
	reasonMethod    = "method"
	reasonRate      = "rate"
	reasonSize      = "size"
	reasonMalformed = "malformed"
	// dropOtherSite is a report of another site's page; dropUnreadable
	// one whose blocked URL or page Noren cannot read; dropOwnScan one
	// of the server's own scan.
	dropOtherSite  = "other_site"
	dropUnreadable = "unreadable"
	dropOwnScan    = "own_scan"
)

// metrics are the endpoint's Prometheus counters. Their labels are fixed
// sets, never hosts or paths.
type metrics struct {
	accepted prometheus.Counter
	dropped  *prometheus.CounterVec
	refused  *prometheus.CounterVec
	overflow prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "noren_csp_reports_accepted_total",
			Help: "CSP violation reports counted.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noren_csp_reports_dropped_total",
			Help: "CSP violation reports in accepted requests that were not counted, by reason: other_site, unreadable, own_scan.",
		}, []string{"reason"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noren_csp_report_requests_refused_total",
			Help: "Requests to the CSP report endpoint refused, by reason: method, rate, size, malformed.",
		}, []string{"reason"}),
		overflow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "noren_csp_reports_overflow_total",
			Help: "CSP violation reports counted under (other) because the in-memory table was full.",
		}),
	}
	for _, r := range []string{reasonMethod, reasonRate, reasonSize, reasonMalformed} {
		m.refused.WithLabelValues(r)
	}
	for _, r := range []string{dropOtherSite, dropUnreadable, dropOwnScan} {
		m.dropped.WithLabelValues(r)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.accepted, m.dropped, m.refused, m.overflow} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("csp reports: register metrics: %w", err)
		}
	}
	return m, nil
}

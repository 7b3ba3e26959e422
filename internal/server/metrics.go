package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the HTTP request metrics. Its labels are bounded sets
// (method, status class, route group), never raw paths, so that a crawler
// requesting random URLs cannot grow the series without limit.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewMetrics creates the request metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "noren_http_requests_total",
			Help: "HTTP requests served, by method, status class and route group.",
		}, []string{"method", "status_class", "route_group"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "noren_http_request_duration_seconds",
			Help:    "Time from the start of a request to the end of its response, by route group.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route_group"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "noren_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("server: register metrics: %w", err)
		}
	}
	return m, nil
}

// Middleware returns middleware that counts and times requests. group maps
// a request to its route group label and must return one of a small, fixed
// set of values; nil means DefaultRouteGroup.
func (m *Metrics) Middleware(group func(*http.Request) string) Middleware {
	if group == nil {
		group = DefaultRouteGroup
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			m.inFlight.Inc()
			tw := &trackingWriter{ResponseWriter: w}
			defer func() {
				m.inFlight.Dec()
				g := group(r)
				m.requests.WithLabelValues(metricMethod(r.Method), statusClass(tw.statusCode()), g).Inc()
				m.duration.WithLabelValues(g).Observe(time.Since(start).Seconds())
			}()
			next.ServeHTTP(tw, r)
		})
	}
}

// DefaultRouteGroup sorts requests into Noren's own pages and assets
// ("noren", under /noren/), the operational endpoints ("healthz",
// "readyz", "metrics") and everything else ("site").
func DefaultRouteGroup(r *http.Request) string {
	switch p := r.URL.Path; {
	case p == "/healthz":
		return "healthz"
	case p == "/readyz":
		return "readyz"
	case p == "/metrics":
		return "metrics"
	case strings.HasPrefix(p, "/noren/"):
		return "noren"
	}
	return "site"
}

func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

func statusClass(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code/100) + "xx"
}

// RegisterRuntimeCollectors adds the Go runtime and process collectors to
// reg. Collectors already registered there are left as they are.
func RegisterRuntimeCollectors(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return fmt.Errorf("server: register runtime metrics: %w", err)
			}
		}
	}
	return nil
}

// MetricsHandler serves the metrics in reg in the Prometheus text format.
// It exposes operational detail, so mount it behind AllowOnly.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

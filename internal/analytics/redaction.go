package analytics

import (
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/analytics/redact"
)

// newRedactions returns the counter of personal data the collector
// replaced, by kind, with every kind's series present from the start.
func newRedactions() *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "noren_analytics_redactions_total",
		Help: "Personal data found in analytics events and replaced by a marker before storage, by kind: email, ua (a user agent), ip or number (a phone or card number).",
	}, []string{"kind"})
	for _, k := range redact.Kinds() {
		v.WithLabelValues(k.String())
	}
	return v
}

// redact replaces the personal data in e's free text before it is queued,
// and counts what it replaced.
func (c *Collector) redact(e *Event) {
	n := redactEvent(e)
	for k, count := range n {
		if count > 0 {
			c.redactions.WithLabelValues(redact.Kind(k).String()).Add(float64(count))
		}
	}
}

// redactEvent replaces the personal data that package redact finds in
// every field of e that holds text a client wrote or chose: the event
// name, path, host name, referrer, source, medium, campaign, network
// domain (named by whoever runs the reverse DNS of the client's address),
// property keys and values, search query and link. The other text fields
// take their values from Noren's own short lists. It returns the
// replacements by kind.
func redactEvent(e *Event) redact.Counts {
	var n redact.Counts
	for _, f := range [...]*string{
		&e.Name, &e.Path, &e.Hostname, &e.Referrer, &e.Source, &e.Medium, &e.Campaign,
		&e.Network, &e.Search, &e.Link,
	} {
		*f = redact.Text(*f, &n)
	}
	e.Props = redactProps(e.Props, &n)
	return n
}

// redactProps redacts the keys and values of props in place, or returns
// a new map when a key changes. Keys that become the same keep the value
// of the first of them in sorted order, so that the outcome does not
// depend on the map's order.
func redactProps(props map[string]string, n *redact.Counts) map[string]string {
	renamed := false
	for k, v := range props {
		props[k] = redact.Text(v, n)
		renamed = renamed || redact.Text(k, nil) != k
	}
	if !renamed {
		return props
	}
	out := make(map[string]string, len(props))
	for _, k := range slices.Sorted(maps.Keys(props)) {
		key := redact.Text(k, n)
		if _, taken := out[key]; !taken {
			out[key] = props[k]
		}
	}
	return out
}

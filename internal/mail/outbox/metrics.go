package outbox

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// scrapeTimeout bounds the query a scrape of the metrics runs.
const scrapeTimeout = 5 * time.Second

var messagesDesc = prometheus.NewDesc("noren_mail_outbox_messages",
	"Messages in the mail outbox, by state: pending, sent, dead, discarded.", []string{"state"}, nil)

// collector reports the outbox's messages by state, counted in the
// database at each scrape so that every instance of a fleet reports the
// same numbers.
type collector struct{ o *Outbox }

// Collector returns a Prometheus collector of noren_mail_outbox_messages.
func (o *Outbox) Collector() prometheus.Collector { return collector{o} }

func (c collector) Describe(ch chan<- *prometheus.Desc) { ch <- messagesDesc }

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	counts, err := c.o.Counts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(messagesDesc, err)
		return
	}
	for _, s := range States {
		ch <- prometheus.MustNewConstMetric(messagesDesc, prometheus.GaugeValue, float64(counts[s]), s)
	}
}

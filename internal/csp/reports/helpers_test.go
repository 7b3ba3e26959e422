package reports

import (
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// seedBody returns the []byte value of a fuzz corpus file.
func seedBody(t *testing.T, file string) string {
	t.Helper()
	_, rest, ok := strings.Cut(file, "\n[]byte(")
	if !ok {
		t.Fatalf("not a corpus file: %q", file)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(rest), ")"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// metricValue is the value of the counter name in reg whose one label
// has the value label ("" for a counter without labels).
func metricValue(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if label == "" || (len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == label) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

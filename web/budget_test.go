package web

import (
	"bytes"
	"compress/gzip"
	"testing"
)

// consentBudget is the most consent.js and consent.css may weigh together,
// gzipped: every page of a site loads them before its own scripts.
const consentBudget = 8 << 10

// TestConsentAssetsBudget keeps the consent client within its budget at
// both gzip levels the site package serves it with: the level of the
// compressed copies it caches for small static files, and the level of
// the middleware that compresses other bodies as they stream.
func TestConsentAssetsBudget(t *testing.T) {
	files := []string{"static/consent.js", "static/consent.css"}
	for _, tc := range []struct {
		name  string
		level int
	}{
		{"cached static file", gzip.BestCompression},
		{"streamed body", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			total := 0
			for _, name := range files {
				raw, err := Static.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				n := gzipSize(t, raw, tc.level)
				t.Logf("%s: %d bytes, %d gzipped at level %d", name, len(raw), n, tc.level)
				total += n
			}
			t.Logf("total: %d of %d bytes gzipped", total, consentBudget)
			if total > consentBudget {
				t.Errorf("consent.js and consent.css weigh %d bytes gzipped at level %d, over the budget of %d", total, tc.level, consentBudget)
			}
		})
	}
}

func gzipSize(t *testing.T, data []byte, level int) int {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// dashboardBudget is the most dashboard.js may weigh gzipped: the
// analytics dashboard is complete without it, and it only adds tooltips
// and a refreshed realtime figure.
const dashboardBudget = 2 << 10

// TestDashboardScriptBudget keeps the dashboard script within its budget
// at both gzip levels static files are served with.
func TestDashboardScriptBudget(t *testing.T) {
	raw, err := Static.ReadFile("static/dashboard.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []int{gzip.BestCompression, 5} {
		n := gzipSize(t, raw, level)
		t.Logf("dashboard.js: %d bytes, %d gzipped at level %d, budget %d", len(raw), n, level, dashboardBudget)
		if n > dashboardBudget {
			t.Errorf("dashboard.js weighs %d bytes gzipped at level %d, over the budget of %d", n, level, dashboardBudget)
		}
	}
}

// contactScriptBudget is the most contact.js may weigh gzipped: it only
// spares people with JavaScript the confirmation step of contact forms.
const contactScriptBudget = 1536

// TestContactScriptBudget keeps the contact form script within its budget
// at both gzip levels static files are served with.
func TestContactScriptBudget(t *testing.T) {
	raw, err := Static.ReadFile("static/contact.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []int{gzip.BestCompression, 5} {
		n := gzipSize(t, raw, level)
		t.Logf("contact.js: %d bytes, %d gzipped at level %d, budget %d", len(raw), n, level, contactScriptBudget)
		if n > contactScriptBudget {
			t.Errorf("contact.js weighs %d bytes gzipped at level %d, over the budget of %d", n, level, contactScriptBudget)
		}
	}
}

// searchScriptBudget is the most search.js may weigh gzipped: the search
// page and box work without it, and it only shows results as one types.
const searchScriptBudget = 2 << 10

// TestSearchScriptBudget keeps the search script within its budget at
// both gzip levels static files are served with.
func TestSearchScriptBudget(t *testing.T) {
	raw, err := Static.ReadFile("static/search.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []int{gzip.BestCompression, 5} {
		n := gzipSize(t, raw, level)
		t.Logf("search.js: %d bytes, %d gzipped at level %d, budget %d", len(raw), n, level, searchScriptBudget)
		if n > searchScriptBudget {
			t.Errorf("search.js weighs %d bytes gzipped at level %d, over the budget of %d", n, level, searchScriptBudget)
		}
	}
}

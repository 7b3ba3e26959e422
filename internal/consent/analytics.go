package consent

import (
	"net/http"
	"time"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/manifest"
)

// AnalyticsAllowed reports whether Noren's own analytics counts the visitor
// making r at now: the manifest declares it (analytics.Tool), and the
// visitor's choices allow it (AllowedFor). The collector keeps the events
// of such visitors alone, and only their pages carry the no-JavaScript
// pixel.
func AnalyticsAllowed(m *manifest.Manifest, r *http.Request, now time.Time) bool {
	t := analytics.Tool(m)
	return t != nil && AllowedFor(m, r, t.ID, now)
}

package server

import (
	"net/http"
)

// Healthz returns the liveness handler: 200 {"status":"ok"} for as long as
// the process serves requests. It checks no dependency, so that a database
// outage makes instances unready (see Readiness), not restarted.
func Healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
}

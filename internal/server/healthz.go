package server

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// HealthCheck is one named dependency check for Healthz, such as a
// database ping.
type HealthCheck struct {
	Name  string
	Check func(context.Context) error
}

// healthCheckTimeout bounds each check, so that a hung dependency makes the
// probe fail instead of hang.
const healthCheckTimeout = 5 * time.Second

// Healthz returns a handler that runs the checks in order and answers 200
// "ok" when all pass, or 503 listing the names of those that failed. Error
// details stay out of the response, which may be public: they can hold
// hostnames or connection strings.
func Healthz(checks ...HealthCheck) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var failed []string
		for _, c := range checks {
			ctx, cancel := context.WithTimeout(r.Context(), healthCheckTimeout)
			err := c.Check(ctx)
			cancel()
			if err != nil {
				failed = append(failed, c.Name)
			}
		}
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		if len(failed) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("unavailable: " + strings.Join(failed, ", ") + "\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
}

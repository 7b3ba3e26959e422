package admin

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/noren-web/noren/internal/ratelimit"
)

// throttle counts failed sign-ins per client network (see
// ratelimit.Network) and refuses a network that failed too often within
// the window. The counts are kept under keys of the day, and only for the
// window: they are a brake, not a record (the audit trail is the record).
// With shared limits every instance on the database counts into them, so
// that alternating between instances gains nothing; without, they live in
// this process's memory.
type throttle struct {
	failures *ratelimit.Window
	log      *slog.Logger
}

func newThrottle(limit int, window time.Duration, shared *ratelimit.Shared, log *slog.Logger) *throttle {
	failures := ratelimit.NewWindow(limit, window, ratelimit.NewMemory(0))
	if shared != nil {
		failures = shared.Window("admin-sign-in", limit, window)
	}
	return &throttle{failures: failures, log: log}
}

// blocked reports whether the network of a has used up its failures, and
// until when. A throttle that cannot tell does not block: the lockout per
// account still holds.
func (t *throttle) blocked(ctx context.Context, a netip.Addr, now time.Time) (time.Time, bool) {
	v, err := t.failures.Check(ctx, ratelimit.Network(a).String(), now)
	if err != nil {
		t.log.Error("sign-in throttle: check", "err", err)
	}
	return now.Add(v.Retry), v.Full
}

// fail counts a failed sign-in from the network of a and reports whether
// this one reached the limit.
func (t *throttle) fail(ctx context.Context, a netip.Addr, now time.Time) bool {
	v, err := t.failures.Add(ctx, ratelimit.Network(a).String(), now)
	if err != nil {
		t.log.Error("sign-in throttle: count a failure", "err", err)
	}
	return v.Reached
}

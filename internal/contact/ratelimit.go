package contact

import (
	"context"
	"net/netip"
	"time"

	"github.com/noren-web/noren/internal/ratelimit"
)

// newLimiter returns the Window of opt's rate limit per network: in the
// database, shared by every instance on it, with opt.RateLimits, and else
// in this process's memory.
func newLimiter(opt Options) *ratelimit.Window {
	if opt.RateLimits != nil {
		return opt.RateLimits.Window("contact-network", opt.RateLimit, opt.RateWindow)
	}
	return ratelimit.NewWindow(opt.RateLimit, opt.RateWindow, ratelimit.NewMemory(0))
}

// rateLimited reports whether the network of addr has sent its submissions
// for the window. A limiter that cannot tell lets the submission through:
// the other checks still hold off robots, and a person is not refused for
// a fault of the server.
func (h *Handler) rateLimited(ctx context.Context, addr netip.Addr, now time.Time) bool {
	v, err := h.limiter.Check(ctx, ratelimit.Network(addr).String(), now)
	if err != nil {
		h.log.Error("contact: check the rate limit", "err", err)
	}
	return v.Full
}

// countSubmission counts a submission from the network of addr.
func (h *Handler) countSubmission(ctx context.Context, addr netip.Addr, now time.Time) {
	if _, err := h.limiter.Add(ctx, ratelimit.Network(addr).String(), now); err != nil {
		h.log.Error("contact: count a submission", "err", err)
	}
}

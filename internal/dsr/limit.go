package dsr

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/noren-web/noren/internal/ratelimit"
)

// Limits bound how many requests the form accepts in a sliding window.
type Limits struct {
	// PerAddress is how many requests may name one e-mail address.
	PerAddress int
	// PerNetwork is how many requests may come from one network: an IPv4
	// /24 or an IPv6 /48 (see ratelimit.Network).
	PerNetwork int
	// Window is the length of the window.
	Window time.Duration
}

// DefaultLimits returns the limits of three requests an hour for one address and ten from
// one network: enough for a person who mistyped, too few to flood someone's
// mailbox with links.
func DefaultLimits() Limits { return Limits{PerAddress: 3, PerNetwork: 10, Window: time.Hour} }

func (l Limits) validate() error {
	if l.PerAddress < 1 || l.PerNetwork < 1 || l.Window <= 0 {
		return errors.New("dsr: Limits need PerAddress and PerNetwork of 1 or more and a positive Window")
	}
	return nil
}

// limitKind says which limit refused a request.
type limitKind int

const (
	withinLimits limitKind = iota
	addressLimit
	networkLimit
)

// limiter counts recent requests per e-mail address and per network under
// keys of the day (see ratelimit), so that nothing holds a list of who
// asked: in the database, shared by every instance on it, when shared is
// set, and else in this process's memory.
type limiter struct {
	address, network *ratelimit.Window
}

func newLimiter(limits Limits, shared *ratelimit.Shared) *limiter {
	if shared != nil {
		return &limiter{
			address: shared.Window("dsr-address", limits.PerAddress, limits.Window),
			network: shared.Window("dsr-network", limits.PerNetwork, limits.Window),
		}
	}
	return &limiter{
		address: ratelimit.NewWindow(limits.PerAddress, limits.Window, ratelimit.NewMemory(0)),
		network: ratelimit.NewWindow(limits.PerNetwork, limits.Window, ratelimit.NewMemory(0)),
	}
}

// allow counts a request for the normalised address from addr at now,
// unless a limit is reached; it then returns which one and how long until
// there is room again. A limiter that cannot count lets the request
// through with the error, for the log: the form must not fail for it.
func (l *limiter) allow(ctx context.Context, address string, addr netip.Addr, now time.Time) (limitKind, time.Duration, error) {
	network := ratelimit.Network(addr).String()
	v, err := l.network.Check(ctx, network, now)
	if err != nil {
		return withinLimits, 0, err
	}
	if v.Full {
		return networkLimit, v.Retry, nil
	}
	if v, err = l.address.Check(ctx, address, now); err != nil {
		return withinLimits, 0, err
	}
	if v.Full {
		return addressLimit, v.Retry, nil
	}
	if _, err := l.network.Add(ctx, network, now); err != nil {
		return withinLimits, 0, err
	}
	_, err = l.address.Add(ctx, address, now)
	return withinLimits, 0, err
}

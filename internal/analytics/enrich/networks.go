package enrich

import (
	"container/list"
	"context"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"
)

// lookupTimeout bounds one reverse lookup: a slow resolver must not hold
// up the events waiting for it.
const lookupTimeout = 500 * time.Millisecond

// Resolver is the part of *net.Resolver that Networks uses.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// Networks names the network an address belongs to by the registrable
// domain of its reverse-DNS name ("ocn.ne.jp" for
// "p123-abc.tokyo.ocn.ne.jp"), which many visitors share. Answers, failed
// ones included, are kept for a while in a cache of bounded size, and
// concurrent lookups of one address share a query. A nil *Networks is
// off and names nothing.
type Networks struct {
	resolver Resolver
	ttl      time.Duration
	size     int

	mu       sync.Mutex
	entries  map[netip.Addr]*list.Element // of *networkEntry
	order    *list.List                   // most recently used first
	inflight map[netip.Addr]*networkLookup
}

// networkEntry is one cached answer.
type networkEntry struct {
	addr    netip.Addr
	domain  string
	expires time.Time
}

// networkLookup is a query in progress that other callers can wait for.
type networkLookup struct {
	done   chan struct{}
	domain string
}

// NewNetworks returns a Networks that asks resolver (a *net.Resolver in
// production) and keeps each answer for ttl, remembering at most size
// addresses (at least one). A ttl of zero or less keeps nothing.
func NewNetworks(resolver Resolver, ttl time.Duration, size int) *Networks {
	return &Networks{
		resolver: resolver,
		ttl:      ttl,
		size:     max(size, 1),
		entries:  make(map[netip.Addr]*list.Element),
		order:    list.New(),
		inflight: make(map[netip.Addr]*networkLookup),
	}
}

// Domain returns the registrable domain of addr's reverse-DNS name, or ""
// when there is none, the lookup fails or takes longer than half a second,
// or n is nil.
func (n *Networks) Domain(ctx context.Context, addr netip.Addr) string {
	if n == nil || !addr.IsValid() {
		return ""
	}
	addr = addr.Unmap().WithZone("")
	n.mu.Lock()
	if e, ok := n.entries[addr]; ok {
		entry := e.Value.(*networkEntry)
		if time.Now().Before(entry.expires) {
			n.order.MoveToFront(e)
			n.mu.Unlock()
			return entry.domain
		}
		n.order.Remove(e)
		delete(n.entries, addr)
	}
	if l, ok := n.inflight[addr]; ok {
		n.mu.Unlock()
		select {
		case <-l.done:
			return l.domain
		case <-ctx.Done():
			return ""
		}
	}
	l := &networkLookup{done: make(chan struct{})}
	n.inflight[addr] = l
	n.mu.Unlock()

	domain, cacheable := n.lookup(ctx, addr)

	n.mu.Lock()
	delete(n.inflight, addr)
	if cacheable && n.ttl > 0 {
		n.store(addr, domain)
	}
	n.mu.Unlock()
	l.domain = domain
	close(l.done)
	return domain
}

// lookup asks the resolver for addr's name. cacheable is false when the
// caller gave up, since that says nothing about the address.
func (n *Networks) lookup(ctx context.Context, addr netip.Addr) (domain string, cacheable bool) {
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	names, err := n.resolver.LookupAddr(lctx, addr.String())
	if ctx.Err() != nil {
		return "", false
	}
	if err != nil || len(names) == 0 {
		return "", true
	}
	return registrableDomain(names[0]), true
}

// store caches domain for addr, evicting the least recently used entries
// beyond the size bound. n.mu is held.
func (n *Networks) store(addr netip.Addr, domain string) {
	n.entries[addr] = n.order.PushFront(&networkEntry{addr: addr, domain: domain, expires: time.Now().Add(n.ttl)})
	for n.order.Len() > n.size {
		oldest := n.order.Back()
		n.order.Remove(oldest)
		delete(n.entries, oldest.Value.(*networkEntry).addr)
	}
}

// registrableDomain returns the domain under an ICANN public suffix that
// name belongs to, or "" when there is none. Private suffixes such as
// cloud providers' per-region names are passed over, as the labels below
// them often spell out the address itself.
func registrableDomain(name string) string {
	name, ok := normalHost(name)
	if !ok || strings.HasPrefix(name, "[") {
		return ""
	}
	suffix, icann := publicsuffix.PublicSuffix(name)
	for !icann {
		i := strings.IndexByte(suffix, '.')
		if i < 0 {
			return ""
		}
		suffix, icann = publicsuffix.PublicSuffix(suffix[i+1:])
	}
	if len(name) <= len(suffix) {
		return ""
	}
	rest := name[:len(name)-len(suffix)-1]
	return rest[strings.LastIndexByte(rest, '.')+1:] + "." + suffix
}

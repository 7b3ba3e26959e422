package ratelimit

import "net/netip"

// Network returns the block addr is counted under: its /24 for IPv4
// (IPv4-mapped IPv6 included), its /48 for IPv6, without a zone. It returns
// the zero Prefix for an invalid address, so that all of those count as one
// network.
func Network(addr netip.Addr) netip.Prefix {
	if !addr.IsValid() {
		return netip.Prefix{}
	}
	addr = addr.Unmap().WithZone("")
	bits := 48
	if addr.Is4() {
		bits = 24
	}
	p, _ := addr.Prefix(bits) // cannot fail: bits fits either family
	return p
}

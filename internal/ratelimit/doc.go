// Package ratelimit limits how often a network, or anything else named by
// a string, may do something, without keeping what it names.
//
// Addresses are grouped by one rule, Network: an IPv4 address counts under
// its /24 and an IPv6 address under its /48, the blocks one household,
// office or hosting customer usually holds, so that hopping between the
// addresses of one block gains nothing.
//
// What is limited is known only by an HMAC-SHA256 under a random secret
// held in memory and replaced every UTC day. The day before's secret is
// kept one day more, so that a window spanning midnight counts under both,
// and then dropped: a limiter never holds an address, and its entries
// cannot be linked to those of two days later.
//
// Window allows a number of events per sliding window, for forms and
// sign-ins, and keeps its counts in a Store. Limiter is a token bucket in
// memory, for the hot path of the analytics collector.
//
// Both bound their memory. Once full, they let what they have no room to
// track through rather than refuse people they cannot tell apart from an
// attacker, so whatever sits behind them needs a bound of its own (a
// queue, a pool) for floods from very many networks.
package ratelimit

// Package ratelimit limits how often a network, or anything else named by
// a string, may do something, without keeping what it names.
//
// Addresses are grouped by one rule, Network: an IPv4 address counts under
// its /24 and an IPv6 address under its /48, the blocks one household,
// office or hosting customer usually holds, so that hopping between the
// addresses of one block gains nothing.
//
// What is limited is known only by an HMAC-SHA256 under a random secret of
// the UTC day. The day before's secret is kept one day more, so that a
// window spanning midnight counts under both, and then deleted: a limiter
// never holds an address, and once a day's secret is gone its entries
// cannot be linked to what they count, nor to those of two days later. A
// Window made by NewWindow, and a Limiter, draw their secrets in memory.
// Shared keeps them in the database, so that every instance, and the same
// instance after a restart, keys a day alike; while a day's secret is
// kept, whoever can read the database can test a guessed network or
// address against the counts, as the process itself can.
//
// Window allows a number of events per sliding window, for forms and
// sign-ins, and keeps its counts in a Store: Memory, in the process, or
// the database, through Shared. Limiter is a token bucket in memory, for
// the hot path of the analytics collector; a fleet of instances lets
// through each instance's rate.
//
// A Window of Shared has a Window of the same limit in memory in front of
// the database, so that a flood does not become database writes that hold
// up the others (SQLite has one writer). Every event is counted in memory;
// one that the memory Window finds already full is refused there and never
// reaches the database, and only the others are counted there, with every
// instance's. Counting only this instance's events, the memory Window is
// full only when this instance alone has used the limit, so it refuses
// nothing the database would allow, up to the sliding window's estimate
// (its windows start at this instance's first event, the database's at the
// fleet's). One subject so writes at most about limit events per window
// per instance to the database, however hard it tries. When the database
// fails, the memory Window's verdict stands and the error is returned
// with it, for the log.
//
// Both bound their memory. Once full, they let what they have no room to
// track through rather than refuse people they cannot tell apart from an
// attacker, so whatever sits behind them needs a bound of its own (a
// queue, a pool) for floods from very many networks. Behind a full memory
// Window the database still counts, and refuses, but every event of a
// network the memory cannot track is then a write; rows are deleted by
// Sweep once their windows have ended.
package ratelimit

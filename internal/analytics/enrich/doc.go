// Package enrich turns what an analytics request carries (its User-Agent,
// page URL, referrer, screen width, language and client address) into the
// coarse, non-identifying dimensions an analytics event stores: browser
// family and major version, operating system, device class, traffic source,
// screen class, language, country and network domain.
//
// Nothing here keeps or returns the raw inputs; every function reduces them
// to a class that many visitors share. Country lookups read a local
// MaxMind-format database and never leave the machine; network lookups use
// reverse DNS and are off unless a Networks is made.
package enrich

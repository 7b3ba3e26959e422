// Package analytics is Noren's cookieless, first-party web analytics: the
// collector that receives events from the tracker (and from any client of
// Plausible's Events API), the visitor counting that stores nothing that
// identifies a person, and the storage the dashboard and the public
// statistics read.
package analytics

import (
	"context"
	"time"
)

// Event is one stored event after enrichment. It holds no client address,
// no user agent and nothing else that identifies a visitor: Visitor is a
// keyed hash that changes every day, and the collector replaces addresses,
// e-mail addresses, phone and card numbers and user agents found in the
// text a client sends (path, referrer, properties …) with markers before
// storing it (see package redact).
type Event struct {
	Time time.Time // when the collector accepted it, UTC
	Site string    // the site's domain, such as "demo.localhost"
	Name string    // "pageview", "outbound", "download", "404", "search" or a custom name
	// Visitor identifies a visitor within one day and one site only; the
	// visitor's visits are derived from the stored events (see VisitGap).
	Visitor uint64
	Path    string // URL path, without query string or fragment
	// Hostname is the page URL's host, for sites served under several names.
	Hostname string

	Referrer       string // referring host and path, "" for none or the site itself
	Source         string // "Google", "Yahoo! JAPAN", "X", "Newsletter" (utm_source) …, "" for direct
	Medium         string // "organic", "social", "referral", "email", "cpc", utm_medium …
	Campaign       string // utm_campaign
	Browser        string // "Chrome", "Safari", "Firefox", "Edge", "Samsung Internet" …
	BrowserVersion string // major version only
	OS             string // "Windows", "macOS", "iOS", "Android", "Linux", "ChromeOS" …
	Device         string // "desktop", "mobile", "tablet"
	Screen         string // "small" (<576 px), "medium" (<992), "large" (<1440), "xlarge", "" unknown
	Language       string // primary language subtag of the page or browser, "ja", "en" …
	Country        string // ISO 3166-1 alpha-2 from a local database, "" when unknown or off
	Network        string // reverse-DNS domain of the visitor's network, "" unless enabled

	// Props are a custom event's properties (at most 30, keys and values
	// at most 300 bytes).
	Props map[string]string
	// Search is the site-search query of a "search" event, and Results its
	// result count (-1 when not given).
	Search  string
	Results int
	// Link is the target of an outbound or download event.
	Link string
}

// Writer stores accepted events. WriteEvents is called with batches; an
// error means none of the batch was stored.
type Writer interface {
	WriteEvents(ctx context.Context, events []Event) error
}

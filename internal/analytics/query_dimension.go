package analytics

import "fmt"

// dimension is what Top breaks figures down by and Filter.Where filters
// on. Each one gives an event at most one value.
type dimension uint8

// The dimensions. dimTotal gives every event the value "", so that its
// rollup rows hold the totals.
const (
	dimTotal dimension = iota
	dimPath
	dimEntry
	dimExit
	dimSource
	dimReferrer
	dimCampaign
	dimBrowser
	dimOS
	dimDevice
	dimScreen
	dimLanguage
	dimCountry
	dimOutbound
	dimDownload
	dim404
	dimSearch
	dimSearchZero
	dimEvent
	dimCount // not a dimension: the number of them
)

// String returns the dimension's name as the API spells it.
func (d dimension) String() string {
	switch d {
	case dimTotal:
		return ""
	case dimPath:
		return "path"
	case dimEntry:
		return "entry"
	case dimExit:
		return "exit"
	case dimSource:
		return "source"
	case dimReferrer:
		return "referrer"
	case dimCampaign:
		return "campaign"
	case dimBrowser:
		return "browser"
	case dimOS:
		return "os"
	case dimDevice:
		return "device"
	case dimScreen:
		return "screen"
	case dimLanguage:
		return "language"
	case dimCountry:
		return "country"
	case dimOutbound:
		return "outbound"
	case dimDownload:
		return "download"
	case dim404:
		return "404"
	case dimSearch:
		return "search"
	case dimSearchZero:
		return "search-zero"
	case dimEvent:
		return "event"
	}
	return fmt.Sprintf("dimension(%d)", int(d))
}

// Dimensions returns the names Top accepts and Filter.Where may use:
//
//	path         the page of a pageview
//	entry, exit  the first and the last page viewed in the visit
//	source, referrer, campaign  those of the visit's first event
//	browser, os, device, screen, language, country  the event's own
//	outbound, download  the link of an outbound or download event
//	404          the page of a "404" event
//	search       the query of a "search" event; search-zero the same for
//	             searches that found nothing
//	event        the name of every event other than a pageview
//
// The dimensions of the visit (entry, exit, source, referrer, campaign)
// give every event of a visit the same value.
func Dimensions() []string {
	names := make([]string, 0, dimCount-1)
	for d := dimTotal + 1; d < dimCount; d++ {
		names = append(names, d.String())
	}
	return names
}

// parseDimension returns the dimension called name.
func parseDimension(name string) (dimension, error) {
	for d := dimTotal + 1; d < dimCount; d++ {
		if d.String() == name {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%w %q", ErrUnknownDimension, name)
}

// value returns the dimension's value for event e of visit v, and false
// when the event has none.
func (d dimension) value(e *rollupEvent, v *rollupVisit) (string, bool) {
	switch d {
	case dimTotal:
		return "", true
	case dimPath:
		return e.path, e.name == "pageview"
	case dimEntry:
		return v.entry, v.pageviews > 0
	case dimExit:
		return v.exit, v.pageviews > 0
	case dimSource:
		return v.source, true
	case dimReferrer:
		return v.referrer, true
	case dimCampaign:
		return v.campaign, true
	case dimBrowser:
		return e.browser, true
	case dimOS:
		return e.os, true
	case dimDevice:
		return e.device, true
	case dimScreen:
		return e.screen, true
	case dimLanguage:
		return e.language, true
	case dimCountry:
		return e.country, true
	case dimOutbound:
		return e.link, e.name == "outbound"
	case dimDownload:
		return e.link, e.name == "download"
	case dim404:
		return e.path, e.name == "404"
	case dimSearch:
		return e.search, e.name == "search"
	case dimSearchZero:
		return e.search, e.name == "search" && e.results == 0
	case dimEvent:
		return e.name, e.name != "pageview"
	}
	return "", false
}

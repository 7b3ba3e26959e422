package analytics

import "fmt"

// Dimension is what Top breaks figures down by and Filter.Where filters
// on. Each one gives an event at most one value.
type Dimension uint8

// The dimensions. DimTotal gives every event the value "", so that its
// rollup rows hold the totals. Rollups may store their numbers (the
// ClickHouse store's do), so a new one goes last.
const (
	DimTotal Dimension = iota
	DimPath
	DimEntry
	DimExit
	DimSource
	DimReferrer
	DimCampaign
	DimBrowser
	DimOS
	DimDevice
	DimScreen
	DimLanguage
	DimCountry
	DimOutbound
	DimDownload
	Dim404
	DimSearch
	DimSearchZero
	DimEvent
	DimCount // not a dimension: the number of them
)

// String returns the dimension's name as the API spells it.
func (d Dimension) String() string {
	switch d {
	case DimTotal:
		return ""
	case DimPath:
		return "path"
	case DimEntry:
		return "entry"
	case DimExit:
		return "exit"
	case DimSource:
		return "source"
	case DimReferrer:
		return "referrer"
	case DimCampaign:
		return "campaign"
	case DimBrowser:
		return "browser"
	case DimOS:
		return "os"
	case DimDevice:
		return "device"
	case DimScreen:
		return "screen"
	case DimLanguage:
		return "language"
	case DimCountry:
		return "country"
	case DimOutbound:
		return "outbound"
	case DimDownload:
		return "download"
	case Dim404:
		return "404"
	case DimSearch:
		return "search"
	case DimSearchZero:
		return "search-zero"
	case DimEvent:
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
	names := make([]string, 0, DimCount-1)
	for d := DimTotal + 1; d < DimCount; d++ {
		names = append(names, d.String())
	}
	return names
}

// parseDimension returns the dimension called name.
func parseDimension(name string) (Dimension, error) {
	for d := DimTotal + 1; d < DimCount; d++ {
		if d.String() == name {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%w %q", ErrUnknownDimension, name)
}

// value returns the dimension's value for event e of visit v, and false
// when the event has none.
func (d Dimension) value(e *rollupEvent, v *rollupVisit) (string, bool) {
	switch d {
	case DimTotal:
		return "", true
	case DimPath:
		return e.path, e.name == "pageview"
	case DimEntry:
		return v.entry, v.pageviews > 0
	case DimExit:
		return v.exit, v.pageviews > 0
	case DimSource:
		return v.source, true
	case DimReferrer:
		return v.referrer, true
	case DimCampaign:
		return v.campaign, true
	case DimBrowser:
		return e.browser, true
	case DimOS:
		return e.os, true
	case DimDevice:
		return e.device, true
	case DimScreen:
		return e.screen, true
	case DimLanguage:
		return e.language, true
	case DimCountry:
		return e.country, true
	case DimOutbound:
		return e.link, e.name == "outbound"
	case DimDownload:
		return e.link, e.name == "download"
	case Dim404:
		return e.path, e.name == "404"
	case DimSearch:
		return e.search, e.name == "search"
	case DimSearchZero:
		return e.search, e.name == "search" && e.results == 0
	case DimEvent:
		return e.name, e.name != "pageview"
	}
	return "", false
}

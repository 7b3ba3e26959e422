// Package extract reads the text a search index needs from the documents a
// site serves: the main content of HTML pages and the text of PDF files.
// It works on streams and bounds everything it keeps, so that a hostile or
// broken document costs little and never stops the indexing of the others.
package extract

import "time"

// Page is the text and facts one document gives the index.
type Page struct {
	Title    string
	Headings []string // h1 to h3 in document order
	Body     string   // the main content, whitespace collapsed, blocks on their own lines
	Lang     string   // the primary language subtag in lower case ("ja", "en"), "" when unknown
	Date     time.Time
	NoIndex  bool // the page asks not to be indexed
}

// Bounds on what one document may give, so that the index of a site stays
// proportionate to what people read on it.
const (
	maxBody       = 1 << 20 // bytes of body text
	maxHeadings   = 200
	maxHeadingLen = 1 << 10 // bytes of one heading or title
)

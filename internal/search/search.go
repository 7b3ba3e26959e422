// Package search is the site's own search: an index of the pages and PDFs
// Noren serves, in Japanese and English, and the queries that read it.
// Nothing a visitor types leaves the server.
package search

import (
	"context"
	"errors"
	"io"
	"time"
)

// Document is what one page or PDF gives the index.
type Document struct {
	// Path is the page's path on the site ("/ja/news/grant/", "/files/guide.pdf").
	Path     string
	Title    string
	Headings []string
	Body     string
	Lang     string    // "ja", "en" or "" when unknown
	Section  string    // the first path segment after the language, "" for the home page
	Date     time.Time // publication date; zero when unknown
	Type     string    // "html" or "pdf"
}

// Query is one search as a visitor asked it.
type Query struct {
	Text    string // as typed: words, "quoted phrases"
	Lang    string // "" for every language
	Section string // "" for every section
	Type    string // "" for every type, else "html" or "pdf"
	Page    int    // 1-based
	PerPage int    // 0 means DefaultPerPage
}

// DefaultPerPage is the number of results a page of results shows.
const DefaultPerPage = 10

// Results is one page of a query's results.
type Results struct {
	Query Query
	Total int // matches in all pages of results
	Hits  []Hit
	// Suggestion is a query that finds something, offered when this one
	// found nothing ("did you mean").
	Suggestion string
	// Ignored are the words of the query left out of the search, as typed:
	// a query is searched by its first words only, and pages say so.
	Ignored []string
	// Facets count the matches by language, section and type.
	Facets Facets
	Took   time.Duration
}

// Facets count a query's matches by language, section and type.
type Facets struct {
	Lang    []FacetCount
	Section []FacetCount
	Type    []FacetCount
}

// FacetCount is one value of a facet and its number of matches.
type FacetCount struct {
	Value string
	Count int
}

// Hit is one result.
type Hit struct {
	Path    string
	Title   string
	Snippet []Fragment
	Lang    string
	Section string
	Type    string
	Date    time.Time
	Score   float64
}

// Fragment is a run of a snippet's text; Match marks the words the query
// matched, which pages highlight.
type Fragment struct {
	Text  string
	Match bool
}

// ErrBadQuery is wrapped by the errors of queries refused as malformed
// (too long, invalid UTF-8, a page out of range); pages answer them 400.
var ErrBadQuery = errors.New("bad query")

// Item is a document of a Source before it is read.
type Item struct {
	Path string
	// Version changes whenever the content may have changed: a file's
	// size and modification time, a page's entity tag or content hash.
	Version     string
	ModTime     time.Time
	ContentType string
	Open        func(ctx context.Context) (io.ReadCloser, error)
}

// Source lists the documents of a site: its folder or its upstream.
type Source interface {
	// Walk calls fn for every document the site has, in any order, and
	// stops at fn's first error.
	Walk(ctx context.Context, fn func(Item) error) error
}

// Progress is how far an indexing run is.
type Progress struct {
	Seen    int // documents listed so far
	Indexed int // documents read and indexed (new or changed)
	Skipped int // unchanged documents
	Failed  int
	Total   int // documents expected, 0 while unknown
	Started time.Time
}

// Status describes the index for the console.
type Status struct {
	Documents int
	SizeBytes int64
	LastRun   time.Time
	LastTook  time.Duration
	Running   bool
	Progress  Progress
	// Errors are the documents the last run could not index, by path.
	Errors []DocumentError
}

// DocumentError is a document that could not be indexed, and why.
type DocumentError struct {
	Path string
	Err  string
}

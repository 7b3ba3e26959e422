package searchbench

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/noren-web/noren/internal/search"
)

// Baseline is a plain bleve index: each text field once, with bleve's "cjk"
// analyzer on Japanese pages and "en" on English ones.
type Baseline struct {
	ix bleve.Index
}

// baselineFields are the text fields and how much a match in each weighs,
// as Noren weighs them.
var baselineFields = []struct {
	name  string
	boost float64
}{{"title", 3}, {"headings", 2}, {"body", 1}}

// CreateBaseline creates an empty baseline index in dir.
func CreateBaseline(dir string) (*Baseline, error) {
	ix, err := bleve.New(dir, baselineMapping())
	if err != nil {
		return nil, fmt.Errorf("create baseline index %s: %w", dir, err)
	}
	return &Baseline{ix: ix}, nil
}

// OpenBaseline opens a baseline index CreateBaseline made.
func OpenBaseline(dir string) (*Baseline, error) {
	ix, err := bleve.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open baseline index %s: %w", dir, err)
	}
	return &Baseline{ix: ix}, nil
}

// Close closes the index.
func (b *Baseline) Close() error { return b.ix.Close() }

func baselineMapping() mapping.IndexMapping {
	text := func(analyzer string, store bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = true // phrases and highlighting
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = true
		f.IncludeInAll = false
		f.DocValues = true
		return f
	}
	doc := mapping.NewDocumentStaticMapping()
	for _, name := range []string{"path", "lang", "section", "type"} {
		doc.AddFieldMappingsAt(name, kw())
	}
	date := mapping.NewDateTimeFieldMapping()
	date.IncludeInAll = false
	doc.AddFieldMappingsAt("date", date)
	for _, f := range baselineFields {
		store := f.name != "headings"
		doc.AddFieldMappingsAt(f.name+"_ja", text(cjk.AnalyzerName, store))
		doc.AddFieldMappingsAt(f.name+"_en", text(en.AnalyzerName, store))
	}
	m := mapping.NewIndexMapping()
	m.DefaultMapping = doc
	m.DefaultAnalyzer = keyword.Name
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m
}

// Add indexes documents in batches of n.
func (b *Baseline) Add(ctx context.Context, docs []search.Document, n int) error {
	batch := b.ix.NewBatch()
	for i, d := range docs {
		if err := ctx.Err(); err != nil {
			return err
		}
		suffix := "_en"
		if d.Lang == "ja" {
			suffix = "_ja"
		}
		f := map[string]any{
			"path": d.Path, "lang": d.Lang, "section": d.Section, "type": d.Type,
			"title" + suffix: d.Title, "headings" + suffix: strings.Join(d.Headings, "\n"), "body" + suffix: d.Body,
		}
		if !d.Date.IsZero() {
			f["date"] = d.Date
		}
		if err := batch.Index(d.Path, f); err != nil {
			return fmt.Errorf("index %s: %w", d.Path, err)
		}
		if batch.Size() >= n || i == len(docs)-1 {
			if err := b.ix.Batch(batch); err != nil {
				return fmt.Errorf("index batch: %w", err)
			}
			batch.Reset()
		}
	}
	return nil
}

// Search runs a query the way a plain bleve site search would: every word
// (or "quoted phrase") must match title, headings or body, the title
// weighing most, with a highlighted fragment of the body and the same
// facets Noren counts. perPage 0 means search.DefaultPerPage; a negative
// one asks for every match, for counting.
func (b *Baseline) Search(ctx context.Context, text, lang string, page, perPage int) (*bleve.SearchResult, error) {
	terms := splitQuery(text)
	if len(terms) == 0 {
		return nil, errors.New("baseline search: no words")
	}
	var must []query.Query
	for _, t := range terms {
		var either []query.Query
		for _, f := range baselineFields {
			for _, suffix := range []string{"_ja", "_en"} {
				var q interface {
					query.Query
					SetBoost(float64)
				}
				if t.phrase {
					p := query.NewMatchPhraseQuery(t.text)
					p.SetField(f.name + suffix)
					q = p
				} else {
					m := query.NewMatchQuery(t.text)
					m.SetField(f.name + suffix)
					m.SetOperator(query.MatchQueryOperatorAnd)
					q = m
				}
				q.SetBoost(f.boost)
				either = append(either, q)
			}
		}
		must = append(must, query.NewDisjunctionQuery(either))
	}
	if lang != "" {
		l := query.NewTermQuery(lang)
		l.SetField("lang")
		must = append(must, l)
	}
	if perPage == 0 {
		perPage = search.DefaultPerPage
	}
	count, err := b.ix.DocCount()
	if err != nil {
		return nil, fmt.Errorf("baseline search: %w", err)
	}
	size, from := perPage, (page-1)*perPage
	if perPage < 0 {
		size, from = int(count), 0
	}
	req := bleve.NewSearchRequestOptions(query.NewConjunctionQuery(must), size, from, false)
	req.Fields = []string{"path", "title_ja", "title_en", "lang", "section", "type"}
	if perPage > 0 {
		req.Highlight = bleve.NewHighlightWithStyle(html.Name)
		req.Highlight.AddField("body_ja")
		req.Highlight.AddField("body_en")
		for _, f := range []string{"lang", "section", "type"} {
			req.AddFacet(f, bleve.NewFacetRequest(f, 10))
		}
	}
	res, err := b.ix.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("baseline search %q: %w", text, err)
	}
	return res, nil
}

// term is a word or a quoted phrase of a query.
type term struct {
	text   string
	phrase bool
}

// splitQuery reads words and "quoted phrases".
func splitQuery(s string) []term {
	var out []term
	for i, part := range strings.Split(s, `"`) {
		if i%2 == 1 {
			if p := strings.TrimSpace(part); p != "" {
				out = append(out, term{text: p, phrase: true})
			}
			continue
		}
		for _, w := range strings.Fields(part) {
			out = append(out, term{text: w})
		}
	}
	return out
}

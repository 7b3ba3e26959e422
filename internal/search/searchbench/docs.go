// Package searchbench measures the site search against a baseline: a plain
// bleve index of the same documents with bleve's own analyzers (character
// pairs for Japanese, stems for English), as a site would get without
// Noren's Japanese analysis. It builds both indexes, times queries against
// them and counts the pages a query finds that it should not.
package searchbench

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/noren-web/noren/internal/search"
	"github.com/noren-web/noren/internal/search/extract"
)

// ReadDocuments extracts the documents of a site folder as the indexer
// does, so that both indexes read the same text.
func ReadDocuments(ctx context.Context, fsys fs.FS) ([]search.Document, error) {
	var docs []search.Document
	err := search.FolderSource(fsys).Walk(ctx, func(it search.Item) error {
		if strings.HasSuffix(it.Path, ".pdf") {
			return nil // the generated sites have none
		}
		rc, err := it.Open(ctx)
		if err != nil {
			return fmt.Errorf("open %s: %w", it.Path, err)
		}
		page, err := extract.HTML(rc, it.ContentType)
		_ = rc.Close()
		if err != nil {
			return fmt.Errorf("extract %s: %w", it.Path, err)
		}
		if page.NoIndex {
			return nil
		}
		doc := search.Document{
			Path: it.Path, Title: page.Title, Headings: page.Headings, Body: page.Body,
			Lang: page.Lang, Section: sectionOf(it.Path), Date: page.Date, Type: "html",
		}
		if doc.Date.IsZero() {
			doc.Date = it.ModTime
		}
		docs = append(docs, doc)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read site: %w", err)
	}
	return docs, nil
}

// sectionOf is the first folder after the language: "news" for
// /ja/news/00012/.
func sectionOf(p string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if len(parts) >= 3 && (parts[0] == "ja" || parts[0] == "en") {
		return parts[1]
	}
	return ""
}

// Text is all of a document's text, for checking what a query should find.
func Text(d search.Document) string {
	return d.Title + "\n" + strings.Join(d.Headings, "\n") + "\n" + d.Body
}

package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/scan/visit"
)

// WriteJSON writes r as an indented JSON document, its fields in the order
// of the structs so that two reports of one site compare line by line. A
// list with nothing in it is written as [] rather than null, as
// docs/scan-report.schema.json requires, so that programs reading the
// report need not tell the two apart.
func WriteJSON(w io.Writer, r *verdict.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// The report is a file, not markup: URLs keep their & and < as is.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(withLists(r)); err != nil {
		return fmt.Errorf("write scan report of %s as JSON: %w", r.URL, err)
	}
	return nil
}

// withLists returns a copy of r whose nil lists are empty ones. It copies
// only what it changes, leaving r as it was.
func withLists(r *verdict.Report) *verdict.Report {
	out := *r
	out.Pages = orEmpty(r.Pages)
	out.States = orEmpty(r.States)
	out.Findings = make([]verdict.Finding, len(r.Findings))
	for i, f := range r.Findings {
		f.Evidence = orEmpty(f.Evidence)
		out.Findings[i] = f
	}
	if r.Observations != nil {
		res := *r.Observations
		res.States = make([]visit.StateResult, len(r.Observations.States))
		for i, s := range r.Observations.States {
			pages := make([]visit.Page, len(s.Pages))
			for j, p := range s.Pages {
				p.Cookies = orEmpty(p.Cookies)
				p.Storage = orEmpty(p.Storage)
				p.Requests = orEmpty(p.Requests)
				p.Frames = orEmpty(p.Frames)
				pages[j] = p
			}
			s.Pages = pages
			res.States[i] = s
		}
		out.Observations = &res
	}
	return &out
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

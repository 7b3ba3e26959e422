package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/web"
)

// templatePath is the report's template in web.Templates.
const templatePath = "templates/scan/report.html"

// WriteHTML writes r as one self-contained HTML document, the whole report
// in Japanese and then in English, with times in UTC and the zone named.
func WriteHTML(w io.Writer, r *verdict.Report) error {
	return WriteHTMLIn(w, r, nil)
}

// WriteHTMLIn is WriteHTML with times in loc, the site's time zone; a nil
// loc means UTC.
func WriteHTMLIn(w io.Writer, r *verdict.Report, loc *time.Location) error {
	// Parsed on every call: a report is written once per scan, and a
	// template parsed here keeps the package free of state.
	t, err := template.New("report.html").Funcs(i18n.Default().Funcs()).ParseFS(web.Templates, templatePath)
	if err != nil {
		return fmt.Errorf("parse %s: %w", templatePath, err)
	}
	// Rendered whole before writing, so that a failure leaves w without
	// half a document.
	var buf bytes.Buffer
	if err := t.Execute(&buf, build(r, loc)); err != nil {
		return fmt.Errorf("render scan report of %s: %w", r.URL, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write scan report of %s: %w", r.URL, err)
	}
	return nil
}

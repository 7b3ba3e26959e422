// Package policy generates a site's privacy policy, cookie policy (with the
// external-transmission table of Japan's Telecommunications Business Act
// art. 27-12) and policy history from its privacy manifest, in Japanese and
// English, as Markdown and as server-rendered HTML pages that need no
// JavaScript. It also records every version first served, so that the
// history page can list them and show what changed between them.
//
// Each document is written once per language as a Markdown template under
// web/templates/policy/. The template holds only connecting prose; every
// statement about the site comes from the manifest. The HTML pages are that
// Markdown rendered into the chrome of Noren's public pages (package page),
// so the Markdown, the page and the recorded history always agree.
package policy

import (
	"fmt"
	"io"
	"slices"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/web"
)

// Document names a generated policy document.
type Document string

// The generated documents.
const (
	Privacy Document = "privacy"
	Cookies Document = "cookies"
)

// navPage is the page of the navigation that shows doc.
func navPage(doc Document) page.NavPage {
	if doc == Cookies {
		return page.Cookies
	}
	return page.Privacy
}

// ParseDocument reads a document name as given on a command line.
func ParseDocument(s string) (Document, error) {
	switch d := Document(s); d {
	case Privacy, Cookies:
		return d, nil
	}
	return "", fmt.Errorf("policy: unknown document %q (want %q or %q)", s, Privacy, Cookies)
}

// Format is an output format of Render.
type Format string

// The output formats.
const (
	// Markdown is the document alone, as Markdown.
	Markdown Format = "md"
	// HTML is the full page as Noren serves it, in the shared layout,
	// with its stylesheet linked from /noren/noren.css.
	HTML Format = "html"
)

// ParseFormat reads a format name as given on a command line.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Markdown, HTML:
		return f, nil
	}
	return "", fmt.Errorf("policy: unknown format %q (want %q or %q)", s, Markdown, HTML)
}

// Render writes document doc of m in lang to w, in format. lang must be one
// of the manifest's languages.
func Render(w io.Writer, m *manifest.Manifest, lang string, doc Document, format Format) error {
	if !slices.Contains(m.Languages, lang) {
		return fmt.Errorf("policy: the manifest has no language %q (it has %v)", lang, m.Languages)
	}
	if _, err := ParseDocument(string(doc)); err != nil {
		return err
	}
	chrome, err := page.NewChrome(web.Templates)
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	r, err := newRenderer(chrome)
	if err != nil {
		return err
	}
	var out []byte
	switch format {
	case Markdown:
		var text string
		text, err = r.markdown(m, lang, doc, "")
		out = []byte(text)
	case HTML:
		out, err = r.documentPage(m, lang, doc, "")
	default:
		_, err = ParseFormat(string(format))
	}
	if err != nil {
		return err
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("policy: write %s: %w", doc, err)
	}
	return nil
}

package policy

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	texttemplate "text/template"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/policy/markdown"
	"github.com/noren-web/noren/web"
)

// documents renders the Markdown documents from their parsed templates,
// which are safe for concurrent use.
type documents struct {
	md *texttemplate.Template
}

func newDocuments() (*documents, error) {
	md, err := texttemplate.New("policy").
		Funcs(texttemplate.FuncMap{"inc": inc, "period": period}).
		ParseFS(web.Templates, "templates/policy/*.md.tmpl")
	if err != nil {
		return nil, fmt.Errorf("policy: parse templates: %w", err)
	}
	return &documents{md: md}, nil
}

// mustDocuments is newDocuments for constructors: the templates are
// embedded in the binary and parsed by the tests, so failing to parse them
// is a build defect, not a condition to handle at run time.
func mustDocuments() *documents {
	d, err := newDocuments()
	if err != nil {
		panic(err)
	}
	return d
}

// renderer renders the documents, and the HTML pages: each document, and
// the history, in the chrome.
type renderer struct {
	*documents
	doc     *page.Template
	history *page.Template
}

func newRenderer(chrome *page.Chrome) (*renderer, error) {
	docs, err := newDocuments()
	if err != nil {
		return nil, err
	}
	r := &renderer{documents: docs}
	if r.doc, err = chrome.Page("templates/policy/document.html"); err != nil {
		return nil, fmt.Errorf("policy: parse templates: %w", err)
	}
	if r.history, err = chrome.Page("templates/policy/history.html"); err != nil {
		return nil, fmt.Errorf("policy: parse templates: %w", err)
	}
	return r, nil
}

// inc numbers the items of an ordered list from 1.
func inc(i int) int { return i + 1 }

// period ends a sentence with text: it adds a full stop unless text, such
// as "Example Co., Ltd.", already ends with one.
func period(text string) string {
	if strings.HasSuffix(text, ".") || strings.HasSuffix(text, "。") {
		return text
	}
	return text + "."
}

// markdown renders document doc of m in lang. choices is the address of
// the privacy-choices page, or "" when there is none.
func (r *documents) markdown(m *manifest.Manifest, lang string, doc Document, choices string) (string, error) {
	var b strings.Builder
	if err := r.md.ExecuteTemplate(&b, string(doc)+"."+lang+".md.tmpl", newView(m, lang, choices)); err != nil {
		return "", fmt.Errorf("policy: render %s in %s: %w", doc, lang, err)
	}
	return tidy(b.String()), nil
}

// recordText is what a recorded version keeps of one language: the
// privacy policy followed by the cookie policy. It is rendered without a
// choices page, so that it depends on the manifest alone.
func (r *documents) recordText(m *manifest.Manifest, lang string) (string, error) {
	privacy, err := r.markdown(m, lang, Privacy, "")
	if err != nil {
		return "", err
	}
	cookies, err := r.markdown(m, lang, Cookies, "")
	if err != nil {
		return "", err
	}
	return privacy + "\n" + cookies, nil
}

// tidy gives rendered Markdown a regular shape whatever the templates'
// conditionals left behind: no trailing spaces, no leading blank lines, at
// most one blank line in a row, and a single final newline.
func tidy(s string) string {
	var b strings.Builder
	blank := true
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			blank = true
			continue
		}
		if blank && b.Len() > 0 {
			b.WriteByte('\n')
		}
		blank = false
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// documentPage is the HTML page of one document: its Markdown rendered into
// the layout, with the title and the lines before the first section set
// apart and a table of contents of the sections.
func (r *renderer) documentPage(m *manifest.Manifest, lang string, doc Document, choices string) ([]byte, error) {
	return r.verifiedDocumentPage(m, lang, doc, choices, "")
}

// verifiedDocumentPage is documentPage with the line that says when an
// automated scan last found the site doing what the document says;
// verified is the date it names, "" for no line.
func (r *renderer) verifiedDocumentPage(m *manifest.Manifest, lang string, doc Document, choices, verified string) ([]byte, error) {
	src, err := r.markdown(m, lang, doc, choices)
	if err != nil {
		return nil, err
	}
	blocks := markdown.Parse(src)
	p := documentView{Layout: navPage(doc).Layout(m, lang), Verified: verified}
	i := 0
	if len(blocks) > 0 && blocks[0].Kind == markdown.Heading && blocks[0].Level == 1 {
		p.Title = markdown.PlainText(blocks[0].Text)
		p.Heading = template.HTML(markdown.Inline(blocks[0].Text))
		i = 1
	}
	j := i
	for j < len(blocks) && !(blocks[j].Kind == markdown.Heading && blocks[j].Level <= 2) {
		j++
	}
	var mr markdown.Renderer
	p.Lead = template.HTML(mr.HTML(blocks[i:j]))
	for _, b := range blocks[j:] {
		if b.Kind == markdown.Heading && b.Level == 2 && b.ID != "" {
			p.Contents = append(p.Contents, contentsEntry{ID: b.ID, Text: template.HTML(markdown.Inline(b.Text))})
		}
	}
	p.Body = template.HTML(mr.HTML(blocks[j:]))
	var out bytes.Buffer
	if err := r.doc.Execute(&out, p); err != nil {
		return nil, fmt.Errorf("policy: render %s page in %s: %w", doc, lang, err)
	}
	return out.Bytes(), nil
}

// documentView is what document.html reads.
type documentView struct {
	page.Layout
	// Heading is the document's title as HTML, for its h1.
	Heading template.HTML
	// Lead is what comes between the title and the first section.
	Lead     template.HTML
	Contents []contentsEntry
	Body     template.HTML
	// Verified is the date of the last scan that found no violation
	// against the manifest in force, "" when there is none.
	Verified string
}

// contentsEntry is one line of a table of contents.
type contentsEntry struct {
	ID   string
	Text template.HTML
}

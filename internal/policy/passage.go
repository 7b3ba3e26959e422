package policy

import (
	"html/template"
	"strings"

	"github.com/noren-web/noren/internal/policy/markdown"
)

// passage is the unit the history compares: a heading, a paragraph, one
// item of a list, a table's caption or one row of a table. Comparing
// passages instead of lines of Markdown shows a reader the text as the
// policy shows it, a changed table row as that row with its column names,
// and no markup.
type passage struct {
	// key is what is compared: the kind and the passage's source.
	key string
	// html is the passage rendered for the history page. Headings become
	// emphasised paragraphs, so that a diff adds no headings to the
	// page's outline.
	html template.HTML
	// section is the plain text of the heading the passage sits under,
	// "" before the first one.
	section string
}

// passages splits a policy's Markdown into passages, in order.
func passages(src string) []passage {
	var out []passage
	section := ""
	add := func(key, html string) {
		// The renderer escapes all text and emits only its own elements.
		out = append(out, passage{key: key, html: template.HTML(html), section: section})
	}
	for _, b := range markdown.Parse(src) {
		switch b.Kind {
		case markdown.Heading:
			section = markdown.PlainText(b.Text)
			add("h\x00"+b.Text, `<p class="diff__heading"><strong>`+markdown.Inline(b.Text)+`</strong></p>`)
		case markdown.Paragraph:
			add("p\x00"+b.Text, "<p>"+markdown.Inline(b.Text)+"</p>")
		case markdown.List:
			for _, it := range b.Items {
				add("li\x00"+it, `<ul class="diff__item"><li>`+markdown.Inline(it)+"</li></ul>")
			}
		case markdown.Table:
			if b.Caption != "" {
				add("caption\x00"+b.Caption, `<p class="diff__caption">`+markdown.Inline(b.Caption)+"</p>")
			}
			header := strings.Join(b.Header, "\x00")
			for _, row := range b.Rows {
				add("tr\x00"+header+"\x01"+strings.Join(row, "\x00"), tableRow(b.Header, row))
			}
		}
	}
	return out
}

// tableRow writes one row of a table on its own, each cell after its
// column's name, which a row out of its table would otherwise lose.
func tableRow(header, row []string) string {
	var b strings.Builder
	b.WriteString(`<dl class="diff__row">`)
	for i, cell := range row {
		b.WriteString("<div><dt>")
		if i < len(header) {
			b.WriteString(markdown.Inline(header[i]))
		}
		b.WriteString("</dt><dd>")
		b.WriteString(markdown.Inline(cell))
		b.WriteString("</dd></div>")
	}
	b.WriteString("</dl>")
	return b.String()
}

// passageKeys returns what diff compares of each passage.
func passageKeys(ps []passage) []string {
	keys := make([]string, len(ps))
	for i, p := range ps {
		keys[i] = p.key
	}
	return keys
}

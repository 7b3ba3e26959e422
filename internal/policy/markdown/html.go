package markdown

import (
	"strconv"
	"strings"
)

// Renderer turns blocks into HTML. The zero value is ready to use. Keep one
// Renderer per page: it numbers the ids of table captions so that they stay
// unique when a page is rendered in parts.
type Renderer struct {
	tables int
}

// HTML renders blocks as HTML, one element per line.
//
// Tables come wrapped in a focusable, labelled scroll region so that wide
// tables can be scrolled by keyboard on narrow screens; header cells carry
// scope="col", and the first cell of every body row is a row header.
func (r *Renderer) HTML(blocks []Block) string {
	var b strings.Builder
	for _, bl := range blocks {
		switch bl.Kind {
		case Heading:
			level := strconv.Itoa(min(max(bl.Level, 1), 6))
			b.WriteString("<h" + level)
			if bl.ID != "" {
				b.WriteString(` id="` + escapeAttr(bl.ID) + `"`)
			}
			b.WriteString(">")
			writeInline(&b, bl.Text, true)
			b.WriteString("</h" + level + ">\n")
		case Paragraph:
			b.WriteString("<p>")
			writeInline(&b, bl.Text, true)
			b.WriteString("</p>\n")
		case List:
			tag := "ul"
			if bl.Ordered {
				tag = "ol"
			}
			b.WriteString("<" + tag + ">\n")
			for _, it := range bl.Items {
				b.WriteString("<li>")
				writeInline(&b, it, true)
				b.WriteString("</li>\n")
			}
			b.WriteString("</" + tag + ">\n")
		case Table:
			r.table(&b, bl)
		}
	}
	return b.String()
}

func (r *Renderer) table(b *strings.Builder, t Block) {
	r.tables++
	id := "table-" + strconv.Itoa(r.tables)
	if t.Caption != "" {
		b.WriteString(`<div class="table-scroll" role="region" tabindex="0" aria-labelledby="` + id + `">` + "\n")
		b.WriteString("<table>\n")
		b.WriteString(`<caption id="` + id + `">`)
		writeInline(b, t.Caption, true)
		b.WriteString("</caption>\n")
	} else {
		b.WriteString(`<div class="table-scroll">` + "\n<table>\n")
	}
	b.WriteString("<thead>\n<tr>")
	for _, c := range t.Header {
		b.WriteString(`<th scope="col">`)
		writeInline(b, c, true)
		b.WriteString("</th>")
	}
	b.WriteString("</tr>\n</thead>\n<tbody>\n")
	for _, row := range t.Rows {
		b.WriteString("<tr>")
		for i, c := range row {
			if i == 0 {
				b.WriteString(`<th scope="row">`)
			} else {
				b.WriteString("<td>")
			}
			writeInline(b, c, true)
			if i == 0 {
				b.WriteString("</th>")
			} else {
				b.WriteString("</td>")
			}
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n</div>\n")
}

// Inline renders one line of inline content as HTML.
func Inline(s string) string {
	var b strings.Builder
	writeInline(&b, s, true)
	return b.String()
}

// PlainText returns inline content as plain text, without markup, for
// places such as a page's <title>. The result is not HTML-escaped.
func PlainText(s string) string {
	var b strings.Builder
	writePlain(&b, s)
	return b.String()
}

// writeInline renders inline content; links are only made when links is
// true, so that a link's text never contains another link.
func writeInline(b *strings.Builder, s string, links bool) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isPunct(s[i+1]):
			b.WriteString(escapeHTML(s[i+1 : i+2]))
			i += 2
		case c == '`':
			if code, next, ok := codeSpan(s, i); ok {
				b.WriteString("<code>" + escapeHTML(code) + "</code>")
				i = next
				continue
			}
			n := runLength(s, i, '`')
			b.WriteString(s[i : i+n])
			i += n
		case c == '*' && strings.HasPrefix(s[i:], "**"):
			if end := closingStrong(s, i+2); end > i+2 {
				b.WriteString("<strong>")
				writeInline(b, s[i+2:end], links)
				b.WriteString("</strong>")
				i = end + 2
				continue
			}
			b.WriteString("**")
			i += 2
		case c == '[' && links:
			if text, href, next, ok := link(s, i); ok {
				if safeURL(href) {
					b.WriteString(`<a href="` + escapeAttr(href) + `">`)
					writeInline(b, text, false)
					b.WriteString("</a>")
				} else {
					writeInline(b, text, false)
				}
				i = next
				continue
			}
			b.WriteString("[")
			i++
		case c == '<':
			if href, next, ok := autolink(s, i); ok {
				if links {
					b.WriteString(`<a href="` + escapeAttr(href) + `">` + escapeHTML(displayURL(href)) + "</a>")
				} else {
					b.WriteString(escapeHTML(displayURL(href)))
				}
				i = next
				continue
			}
			b.WriteString("&lt;")
			i++
		default:
			b.WriteString(escapeHTML(s[i : i+1]))
			i++
		}
	}
}

// writePlain is writeInline without any markup.
func writePlain(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isPunct(s[i+1]):
			b.WriteByte(s[i+1])
			i += 2
		case c == '`':
			if code, next, ok := codeSpan(s, i); ok {
				b.WriteString(code)
				i = next
				continue
			}
			n := runLength(s, i, '`')
			b.WriteString(s[i : i+n])
			i += n
		case c == '*' && strings.HasPrefix(s[i:], "**"):
			if end := closingStrong(s, i+2); end > i+2 {
				writePlain(b, s[i+2:end])
				i = end + 2
				continue
			}
			b.WriteString("**")
			i += 2
		case c == '[':
			if text, _, next, ok := link(s, i); ok {
				writePlain(b, text)
				i = next
				continue
			}
			b.WriteByte('[')
			i++
		case c == '<':
			if href, next, ok := autolink(s, i); ok {
				b.WriteString(displayURL(href))
				i = next
				continue
			}
			b.WriteByte('<')
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
}

func isPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

func runLength(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

// codeSpan reads a code span opening at s[i]: a run of backticks closed by
// a run of the same length. It returns the content with line breaks turned
// into spaces, one surrounding space stripped, and escaped pipes restored.
func codeSpan(s string, i int) (code string, next int, ok bool) {
	n := runLength(s, i, '`')
	for j := i + n; j < len(s); {
		if s[j] != '`' {
			j++
			continue
		}
		m := runLength(s, j, '`')
		if m != n {
			j += m
			continue
		}
		code = strings.ReplaceAll(s[i+n:j], "\n", " ")
		if len(code) >= 2 && code[0] == ' ' && code[len(code)-1] == ' ' && strings.Trim(code, " ") != "" {
			code = code[1 : len(code)-1]
		}
		return strings.ReplaceAll(code, `\|`, "|"), j + m, true
	}
	return "", 0, false
}

// closingStrong finds the "**" that closes a strong span whose content
// starts at from, skipping escapes and code spans, or returns -1.
func closingStrong(s string, from int) int {
	for j := from; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '`':
			if _, next, ok := codeSpan(s, j); ok {
				j = next - 1
			}
		case '*':
			if strings.HasPrefix(s[j:], "**") {
				return j
			}
		}
	}
	return -1
}

// link reads "[text](url)" at s[i]. The text may hold escaped or balanced
// brackets; the URL ends at the first ")" and may not contain spaces.
func link(s string, i int) (text, href string, next int, ok bool) {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '`':
			if _, n, ok := codeSpan(s, j); ok {
				j = n - 1
			}
		case '[':
			depth++
		case ']':
			depth--
			if depth > 0 {
				continue
			}
			if j+1 >= len(s) || s[j+1] != '(' {
				return "", "", 0, false
			}
			end := strings.IndexByte(s[j+2:], ')')
			if end < 0 {
				return "", "", 0, false
			}
			href = s[j+2 : j+2+end]
			if href == "" || strings.ContainsAny(href, " \t\n<>") {
				return "", "", 0, false
			}
			return s[i+1 : j], href, j + 2 + end + 1, true
		}
	}
	return "", "", 0, false
}

// autolink reads "<scheme:...>" at s[i] for the schemes safeURL allows.
func autolink(s string, i int) (href string, next int, ok bool) {
	end := strings.IndexByte(s[i+1:], '>')
	if end < 0 {
		return "", 0, false
	}
	href = s[i+1 : i+1+end]
	if strings.ContainsAny(href, " \t\n<") || !strings.Contains(href, ":") || !safeURL(href) {
		return "", 0, false
	}
	return href, i + 1 + end + 1, true
}

// safeURL reports whether href may become a link: an absolute http, https
// or mailto URL, a root-relative path, or a fragment.
func safeURL(href string) bool {
	lower := strings.ToLower(href)
	switch {
	case strings.HasPrefix(lower, "https://"), strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "mailto:"):
		return true
	case strings.HasPrefix(href, "//"):
		return false
	case strings.HasPrefix(href, "/"), strings.HasPrefix(href, "#"):
		return true
	}
	return false
}

// displayURL is how an autolink's target reads as text: without the
// "mailto:" of an address.
func displayURL(href string) string {
	if len(href) > 7 && strings.EqualFold(href[:7], "mailto:") {
		return href[7:]
	}
	return href
}

// escapeHTML escapes text for an element's content, where only '&', '<'
// and '>' matter; quotes stay readable.
func escapeHTML(s string) string { return escape(s, false) }

// escapeAttr escapes text for a double-quoted attribute value.
func escapeAttr(s string) string { return escape(s, true) }

func escape(s string, quotes bool) string {
	special := "&<>"
	if quotes {
		special = `&<>"'`
	}
	if !strings.ContainsAny(s, special) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '&':
			b.WriteString("&amp;")
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '"' && quotes:
			b.WriteString("&#34;")
		case c == '\'' && quotes:
			b.WriteString("&#39;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

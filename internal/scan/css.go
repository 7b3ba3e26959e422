package scan

import "strings"

// css records the addresses a style sheet's text names: @import rules
// fetch style sheets, url() inside @font-face fetches fonts, and any other
// url() fetches an image. It reads the text loosely, as a scanner rather
// than a CSS parser, and may miss addresses built in odd ways.
func (p *pageParser) css(text, element, attribute string) {
	lower := strings.ToLower(text)
	for i := 0; i < len(lower); {
		imp := strings.Index(lower[i:], "@import")
		u := strings.Index(lower[i:], "url(")
		switch {
		case imp < 0 && u < 0:
			return
		case imp >= 0 && (u < 0 || imp < u):
			start := i + imp + len("@import")
			ref, end := cssImportTarget(text, start)
			p.add(element, attribute, ref, "style-src")
			i = end
		default:
			start := i + u + len("url(")
			ref, end := cssURL(text, start)
			directive := "img-src"
			if inFontFace(lower, i+u) {
				directive = "font-src"
			}
			p.add(element, attribute, ref, directive)
			i = end
		}
	}
}

// cssImportTarget reads the target of an @import rule starting at i:
// url(...) or a quoted string. It returns the address and where reading
// stopped.
func cssImportTarget(text string, i int) (string, int) {
	for i < len(text) && isCSSSpace(text[i]) {
		i++
	}
	if i+4 <= len(text) && strings.EqualFold(text[i:i+4], "url(") {
		return cssURL(text, i+4)
	}
	if i < len(text) && (text[i] == '"' || text[i] == '\'') {
		q := text[i]
		end := strings.IndexByte(text[i+1:], q)
		if end < 0 {
			return text[i+1:], len(text)
		}
		return text[i+1 : i+1+end], i + 2 + end
	}
	return "", i
}

// cssURL reads the argument of url( starting at i, quoted or not.
func cssURL(text string, i int) (string, int) {
	for i < len(text) && isCSSSpace(text[i]) {
		i++
	}
	if i < len(text) && (text[i] == '"' || text[i] == '\'') {
		q := text[i]
		end := strings.IndexByte(text[i+1:], q)
		if end < 0 {
			return text[i+1:], len(text)
		}
		return text[i+1 : i+1+end], i + 2 + end
	}
	end := strings.IndexByte(text[i:], ')')
	if end < 0 {
		return strings.TrimSpace(text[i:]), len(text)
	}
	return strings.TrimSpace(text[i : i+end]), i + end + 1
}

// inFontFace reports whether position i of a lower-cased style sheet lies
// inside an @font-face block: the last @font-face before it opened a block
// that has not closed.
func inFontFace(lower string, i int) bool {
	at := strings.LastIndex(lower[:i], "@font-face")
	if at < 0 {
		return false
	}
	open := strings.IndexByte(lower[at:i], '{')
	return open >= 0 && !strings.Contains(lower[at+open:i], "}")
}

func isCSSSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

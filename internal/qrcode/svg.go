package qrcode

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// SVG returns an <svg> element, without an XML prolog so it can be inlined in
// HTML, that draws text as a QR code with error correction level M and a
// four-module quiet zone. size is the width and height in CSS pixels; label
// is the accessible name of the image and is escaped here.
func SVG(text string, size int, label string) (string, error) {
	if size <= 0 {
		return "", fmt.Errorf("qrcode: size %d is not positive", size)
	}
	m, err := encode(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	n := strconv.Itoa(m.size)
	px := strconv.Itoa(size)
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + n + ` ` + n +
		`" width="` + px + `" height="` + px + `" role="img" aria-label="`)
	// EscapeText escapes both quote characters, so its output is safe inside
	// an attribute value, and it replaces characters XML does not allow.
	if err := xml.EscapeText(&b, []byte(label)); err != nil {
		return "", fmt.Errorf("qrcode: escape label: %w", err)
	}
	b.WriteString(`" shape-rendering="crispEdges"><rect width="` + n + `" height="` + n +
		`" fill="#fff"/><path stroke="#000" d="`)
	writePath(&b, m)
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}

// writePath writes path data that strokes every horizontal run of dark
// modules as one line of width 1 through the middle of its row. Runs instead
// of single modules keep a typical key URI code to a few kilobytes.
func writePath(b *strings.Builder, m *matrix) {
	for y := range m.size {
		penX := -1 // where the previous run in this row ended; -1 before the first
		for x := 0; x < m.size; {
			if !m.isDark(x, y) {
				x++
				continue
			}
			start := x
			for x < m.size && m.isDark(x, y) {
				x++
			}
			if penX < 0 {
				b.WriteString("M" + strconv.Itoa(start) + " " + strconv.Itoa(y) + ".5")
			} else {
				b.WriteString("m" + strconv.Itoa(start-penX) + " 0")
			}
			b.WriteString("h" + strconv.Itoa(x-start))
			penX = x
		}
	}
}

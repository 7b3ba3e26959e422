// Package qrcode draws QR codes as inline SVG, so that a page can show one
// without JavaScript, images from elsewhere or any other request.
package qrcode

import (
	"fmt"
	"html"
	"strings"

	"rsc.io/qr"
)

// quietZone is the blank margin scanners need around the code, in modules
// (ISO/IEC 18004 asks for four).
const quietZone = 4

// matrix returns the code's modules: true is dark.
func matrix(text string) ([][]bool, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, fmt.Errorf("qrcode: encode %d bytes: %w", len(text), err)
	}
	m := make([][]bool, code.Size)
	for y := range m {
		m[y] = make([]bool, code.Size)
		for x := range m[y] {
			m[y][x] = code.Black(x, y)
		}
	}
	return m, nil
}

// SVG returns an <svg> element, without an XML prolog so it can be inlined
// in HTML, drawing text as a QR code with error correction level M and a
// quiet zone. size is its width and height in CSS pixels; label is read
// by screen readers.
func SVG(text string, size int, label string) (string, error) {
	m, err := matrix(text)
	if err != nil {
		return "", err
	}
	return render(m, size, label), nil
}

// render draws the modules as one path, each horizontal run of dark
// modules one segment, which keeps the markup small.
func render(m [][]bool, size int, label string) string {
	n := len(m) + 2*quietZone
	var path strings.Builder
	for y, row := range m {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&path, "M%d %dh%dv1h-%dz", start+quietZone, y+quietZone, x-start, x-start)
		}
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		n, n, size, size, html.EscapeString(label), n, n, path.String())
}

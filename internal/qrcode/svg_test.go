package qrcode

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/noren-web/noren/internal/goldentest"
)

// svgDoc is what the tests read back from an SVG: the root's attributes and
// its children in order.
type svgDoc struct {
	attrs    map[string]string
	children []xml.StartElement
}

// parseSVG parses s as a single XML element and fails the test if it is not
// well-formed or has anything before or after the root element.
func parseSVG(t *testing.T, s string) svgDoc {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(s))
	dec.Strict = true
	doc := svgDoc{attrs: map[string]string{}}
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			switch depth {
			case 0:
				if tok.Name.Local != "svg" || tok.Name.Space != "http://www.w3.org/2000/svg" {
					t.Fatalf("root element %v, want svg in the SVG namespace", tok.Name)
				}
				for _, a := range tok.Attr {
					doc.attrs[a.Name.Local] = a.Value
				}
			case 1:
				doc.children = append(doc.children, tok.Copy())
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.ProcInst, xml.Directive:
			t.Fatalf("unexpected %T in %s", tok, s)
		}
	}
	return doc
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestSVGDocument(t *testing.T) {
	tests := []struct {
		text    string
		size    int
		viewBox string
	}{
		{"HELLO WORLD", 120, "0 0 29 29"},
		{strings.Repeat("a", 15), 64, "0 0 33 33"},
		{keyURI, 220, "0 0 57 57"},
	}
	for _, tt := range tests {
		svg, err := SVG(tt.text, tt.size, "QR code")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(svg, "<svg ") {
			t.Errorf("SVG starts with %.20q, want the <svg> element itself", svg)
		}
		doc := parseSVG(t, svg)
		px := strconv.Itoa(tt.size)
		want := map[string]string{
			"viewBox": tt.viewBox, "width": px, "height": px,
			"role": "img", "aria-label": "QR code",
		}
		for name, value := range want {
			if got := doc.attrs[name]; got != value {
				t.Errorf("%d px %q: %s=%q, want %q", tt.size, tt.text, name, got, value)
			}
		}
		if len(doc.children) != 2 || doc.children[0].Name.Local != "rect" || doc.children[1].Name.Local != "path" {
			t.Fatalf("children %v, want a rect and a path", doc.children)
		}
		side := strings.Fields(tt.viewBox)[2]
		rect := doc.children[0]
		if attr(rect, "fill") != "#fff" || attr(rect, "width") != side || attr(rect, "height") != side {
			t.Errorf("background %v, want a white rect over the whole viewBox", rect.Attr)
		}
	}
}

func TestSVGLabelEscaping(t *testing.T) {
	tests := []struct {
		label  string
		want   string
		banned string // must not appear verbatim in the output
	}{
		{`QR code for "Noren"`, `QR code for "Noren"`, `"Noren"`},
		{`x" onload="alert(1)`, `x" onload="alert(1)`, `" onload=`},
		{`it's`, `it's`, `it's`},
		{`<script>&amp;`, `<script>&amp;`, `<script>`},
		{"認証アプリ用 QR コード", "認証アプリ用 QR コード", ""},
		{"two\nlines", "two\nlines", ""},
		{"nul\x00byte", "nul\uFFFDbyte", "\x00"},
		{"bad \xff utf-8", "bad \uFFFD utf-8", "\xff"},
	}
	for _, tt := range tests {
		svg, err := SVG("HELLO", 100, tt.label)
		if err != nil {
			t.Fatal(err)
		}
		if got := parseSVG(t, svg).attrs["aria-label"]; got != tt.want {
			t.Errorf("label %q read back as %q, want %q", tt.label, got, tt.want)
		}
		if tt.banned != "" && strings.Contains(svg, tt.banned) {
			t.Errorf("label %q: output contains %q unescaped", tt.label, tt.banned)
		}
	}
}

// TestSVGPathDrawsMatrix redraws the path data on a grid and checks that it
// covers exactly the dark modules.
func TestSVGPathDrawsMatrix(t *testing.T) {
	for _, text := range []string{"HELLO WORLD", keyURI} {
		m, err := encode(text)
		if err != nil {
			t.Fatal(err)
		}
		svg, err := SVG(text, 200, "QR code")
		if err != nil {
			t.Fatal(err)
		}
		drawn, err := drawPath(attr(parseSVG(t, svg).children[1], "d"), m.size)
		if err != nil {
			t.Fatal(err)
		}
		for y := range m.size {
			for x := range m.size {
				if drawn[y*m.size+x] != m.isDark(x, y) {
					t.Fatalf("%q: module (%d,%d) drawn=%v, dark=%v", text, x, y, drawn[y*m.size+x], m.isDark(x, y))
				}
			}
		}
	}
}

// drawPath interprets the subset of SVG path data that writePath emits
// (M x y.5, m dx 0, h n) and returns the modules its strokes cover.
func drawPath(d string, size int) ([]bool, error) {
	grid := make([]bool, size*size)
	var x, y int
	for d != "" {
		cmd := d[0]
		end := strings.IndexAny(d[1:], "Mmh") + 1
		if end == 0 {
			end = len(d)
		}
		args := strings.Fields(d[1:end])
		d = d[end:]
		switch {
		case cmd == 'M' && len(args) == 2 && strings.HasSuffix(args[1], ".5"):
			var err1, err2 error
			x, err1 = strconv.Atoi(args[0])
			y, err2 = strconv.Atoi(strings.TrimSuffix(args[1], ".5"))
			if err := errors.Join(err1, err2); err != nil {
				return nil, fmt.Errorf("M %v: %w", args, err)
			}
		case cmd == 'm' && len(args) == 2 && args[1] == "0":
			dx, err := strconv.Atoi(args[0])
			if err != nil || dx < 1 {
				return nil, fmt.Errorf("m %v: runs in a row must be separated by a gap", args)
			}
			x += dx
		case cmd == 'h' && len(args) == 1:
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 1 || x+n > size || y >= size {
				return nil, fmt.Errorf("h %v at (%d,%d) leaves the grid", args, x, y)
			}
			for range n {
				if grid[y*size+x] {
					return nil, fmt.Errorf("module (%d,%d) drawn twice", x, y)
				}
				grid[y*size+x] = true
				x++
			}
		default:
			return nil, fmt.Errorf("unexpected path command %c %v", cmd, args)
		}
	}
	return grid, nil
}

// TestSVGKeyURIIsSmall guards the run-length path: drawing every dark module
// on its own would make a key URI code about three times larger.
func TestSVGKeyURIIsSmall(t *testing.T) {
	svg, err := SVG(keyURI, 220, "QR code")
	if err != nil {
		t.Fatal(err)
	}
	if len(svg) > 5000 {
		t.Errorf("key URI SVG is %d bytes, want at most 5000", len(svg))
	}
}

func TestSVGErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		size int
	}{
		{"zero size", "HELLO", 0},
		{"negative size", "HELLO", -10},
		{"text too long", strings.Repeat("a", 5000), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg, err := SVG(tt.text, tt.size, "QR code")
			if err == nil {
				t.Fatalf("SVG succeeded with %d bytes of output", len(svg))
			}
			if !strings.HasPrefix(err.Error(), "qrcode: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestSVGGolden(t *testing.T) {
	svg, err := SVG(keyURI, 220, "QR code for the authenticator app")
	if err != nil {
		t.Fatal(err)
	}
	goldentest.Check(t, filepath.Join("testdata", "keyuri.svg"), []byte(svg))
}

// FuzzSVG checks that any text and label give well-formed XML whose
// aria-label reads back as the label, or a clean error for text too long.
func FuzzSVG(f *testing.F) {
	f.Fuzz(func(t *testing.T, text, label string) {
		svg, err := SVG(text, 100, label)
		if err != nil {
			if len(text) <= 2331 {
				t.Fatalf("SVG(%d bytes): %v", len(text), err)
			}
			return
		}
		got := parseSVG(t, svg).attrs["aria-label"]
		if utf8.ValidString(label) && !strings.ContainsFunc(label, notXMLChar) && got != label {
			t.Fatalf("label %q read back as %q", label, got)
		}
	})
}

// notXMLChar reports whether r is outside the XML 1.0 Char production.
func notXMLChar(r rune) bool {
	return !(r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF)
}

func BenchmarkSVG(b *testing.B) {
	for b.Loop() {
		if _, err := SVG(keyURI, 220, "QR code"); err != nil {
			b.Fatal(err)
		}
	}
}

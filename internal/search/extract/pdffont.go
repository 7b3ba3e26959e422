package extract

import (
	"strings"
	"unicode/utf16"

	"rsc.io/pdf"
)

// pdfFont is what showing text needs of a font: how its codes read as
// Unicode and how wide its glyphs are.
type pdfFont struct {
	twoByte    bool              // codes are two bytes (a composite font)
	toUnicode  map[uint16]string // the font's ToUnicode CMap, when it has one
	encoding   pdf.TextEncoding  // one-byte codes to text, for simple fonts
	firstChar  int
	widths     []float64 // in thousandths of an em, from firstChar on
	cidWidths  map[uint16]float64
	dflt       float64 // width of a glyph the tables leave out
	standard   string  // the base font of a simple font without widths
	ucs2       bool    // two-byte codes are Unicode (the UCS2 and UTF16 CMaps)
	decodeable bool
}

// maxWidths bounds the widths read from one font's tables.
const maxWidths = 1 << 16

func newPDFFont(v pdf.Value) *pdfFont {
	f := &pdfFont{dflt: 500}
	if v.Kind() != pdf.Dict {
		return f
	}
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		f.toUnicode = readToUnicode(tu)
	}
	if v.Key("Subtype").Name() == "Type0" {
		f.twoByte = true
		f.dflt = 1000
		desc := v.Key("DescendantFonts").Index(0)
		if dw := desc.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
			f.dflt = dw.Float64()
		}
		f.cidWidths = readCIDWidths(desc.Key("W"))
		// Japanese files often use Adobe's predefined Unicode CMaps
		// (UniJIS-UCS2-H, UniJIS-UTF16-H) and no ToUnicode map.
		enc := v.Key("Encoding").Name()
		f.ucs2 = strings.HasPrefix(enc, "Uni") && (strings.Contains(enc, "UCS2") || strings.Contains(enc, "UTF16"))
		f.decodeable = f.toUnicode != nil || f.ucs2
		return f
	}
	f.firstChar = int(v.Key("FirstChar").Int64())
	w := v.Key("Widths")
	for i := 0; i < w.Len() && i < 256; i++ {
		f.widths = append(f.widths, w.Index(i).Float64())
	}
	if len(f.widths) == 0 {
		f.standard = v.Key("BaseFont").Name()
	}
	if mw := v.Key("FontDescriptor").Key("MissingWidth"); mw.Kind() == pdf.Integer || mw.Kind() == pdf.Real {
		f.dflt = mw.Float64()
	}
	enc := v.Key("Encoding")
	switch {
	case enc.Kind() == pdf.Null && v.Key("ToUnicode").Kind() == pdf.Dict:
		// The parser would read the dictionary as a CMap stream and fail.
	case enc.Kind() == pdf.Dict,
		enc.Kind() == pdf.Null,
		enc.Name() == "WinAnsiEncoding",
		enc.Name() == "MacRomanEncoding":
		// The parser's own tables; it prints a warning for the other
		// names, which are read as Latin-1 below.
		f.encoding = pdf.Font{V: v}.Encoder()
	}
	f.decodeable = true
	return f
}

// width returns the width of a glyph in thousandths of an em.
func (f *pdfFont) width(code int) float64 {
	if f.twoByte {
		if w, ok := f.cidWidths[uint16(code)]; ok {
			return w
		}
		return f.dflt
	}
	if f.standard != "" {
		return standardWidth(f.standard, code)
	}
	if i := code - f.firstChar; i >= 0 && i < len(f.widths) && f.widths[i] > 0 {
		return f.widths[i]
	}
	return f.dflt
}

// text returns the text of a string of codes.
func (f *pdfFont) text(raw string) string {
	if !f.decodeable {
		return ""
	}
	var b strings.Builder
	step := 1
	if f.twoByte {
		step = 2
	}
	for i := 0; i+step <= len(raw); i += step {
		code := uint16(raw[i])
		if step == 2 {
			code = code<<8 | uint16(raw[i+1])
		}
		if s, ok := f.toUnicode[code]; ok {
			b.WriteString(s)
			continue
		}
		switch {
		case f.ucs2:
			if !utf16.IsSurrogate(rune(code)) {
				b.WriteRune(rune(code))
			}
		case f.twoByte:
		case f.encoding != nil:
			b.WriteString(f.encoding.Decode(raw[i : i+1]))
		default:
			b.WriteRune(rune(raw[i]))
		}
	}
	return b.String()
}

// readCIDWidths reads a composite font's W array: "c [w1 w2 …]" gives the
// widths of c, c+1, …; "c1 c2 w" gives the one width of c1 to c2.
func readCIDWidths(w pdf.Value) map[uint16]float64 {
	if w.Kind() != pdf.Array {
		return nil
	}
	m := make(map[uint16]float64)
	for i := 0; i < w.Len() && len(m) < maxWidths; {
		first := w.Index(i).Int64()
		next := w.Index(i + 1)
		if next.Kind() == pdf.Array {
			for j := 0; j < next.Len() && len(m) < maxWidths; j++ {
				m[uint16(first+int64(j))] = next.Index(j).Float64()
			}
			i += 2
			continue
		}
		last, width := next.Int64(), w.Index(i+2).Float64()
		for c := first; c <= last && c-first < maxWidths && len(m) < maxWidths; c++ {
			m[uint16(c)] = width
		}
		i += 3
	}
	return m
}

// readToUnicode reads the bfchar and bfrange mappings of a ToUnicode CMap,
// or returns nil when it has none. It reads the CMap itself: the parser's
// interpreter prints to standard output as it reads one.
func readToUnicode(v pdf.Value) (m map[uint16]string) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(budgetPanic); ok {
				panic(r)
			}
			m = nil // a stream the parser cannot decode
		}
	}()
	data, err := readStream(v)
	if err != nil {
		return nil
	}
	m = make(map[uint16]string)
	interpret(data, maxCMapOperands, func(op string, args []operand) {
		switch op {
		case "endbfchar":
			for i := 0; i+1 < len(args) && len(m) < maxWidths; i += 2 {
				if code, ok := cmapCode(args[i]); ok && args[i+1].kind == 's' {
					m[code] = utf16Text(args[i+1].text)
				}
			}
		case "endbfrange":
			for i := 0; i+2 < len(args) && len(m) < maxWidths; i += 3 {
				addBFRange(m, args[i], args[i+1], args[i+2])
			}
		}
	})
	if len(m) == 0 {
		return nil
	}
	return m
}

func addBFRange(m map[uint16]string, lo, hi, dst operand) {
	l, ok1 := cmapCode(lo)
	h, ok2 := cmapCode(hi)
	if !ok1 || !ok2 || h < l {
		return
	}
	for c := int(l); c <= int(h) && len(m) < maxWidths; c++ {
		off := c - int(l)
		switch dst.kind {
		case 's':
			// The last UTF-16 unit counts up through the range.
			u := utf16.Decode(utf16Units(dst.text))
			if len(u) == 0 {
				return
			}
			u[len(u)-1] += rune(off)
			m[uint16(c)] = string(u)
		case '[':
			if off < len(dst.items) && dst.items[off].kind == 's' {
				m[uint16(c)] = utf16Text(dst.items[off].text)
			}
		}
	}
}

func cmapCode(t operand) (uint16, bool) {
	if t.kind != 's' || len(t.text) == 0 || len(t.text) > 2 {
		return 0, false
	}
	c := uint16(t.text[0])
	if len(t.text) == 2 {
		c = c<<8 | uint16(t.text[1])
	}
	return c, true
}

func utf16Units(b string) []uint16 {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return u
}

func utf16Text(b string) string {
	return string(utf16.Decode(utf16Units(b)))
}

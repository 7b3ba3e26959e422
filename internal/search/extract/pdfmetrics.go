package extract

import "strings"

// helveticaWidths are the widths of Helvetica's printable ASCII glyphs (32
// to 126) in thousandths of an em, from its published font metrics. The
// standard fonts may be used without a Widths table; these place text set in
// sans-serif standard fonts closely enough to tell a word space from the
// gap between letters.
var helveticaWidths = [95]float64{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0 to 9
	278, 278, 584, 584, 584, 556, 1015, // : to @
	667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // A to M
	722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N to Z
	278, 278, 278, 469, 556, 333, // [ to `
	556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // a to m
	556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // n to z
	334, 260, 334, 584, // { to ~
}

// standardWidth returns the width of a one-byte code in a standard font
// that comes without widths: Courier is monospaced, and the others are
// measured as Helvetica.
func standardWidth(baseFont string, code int) float64 {
	if strings.Contains(baseFont, "Courier") {
		return 600
	}
	if code >= 32 && code <= 126 {
		return helveticaWidths[code-32]
	}
	return 556
}

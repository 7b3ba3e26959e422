package qrcode

import (
	"fmt"

	"rsc.io/qr"
)

// quietZone is the width in modules of the light border that ISO/IEC 18004
// requires around a symbol so that scanners can find it.
const quietZone = 4

// matrix is a square grid of QR modules with the quiet zone included.
type matrix struct {
	size int    // modules on a side
	dark []bool // row by row, true for a dark module
}

// isDark reports whether the module in column x of row y is dark.
func (m *matrix) isDark(x, y int) bool {
	return m.dark[y*m.size+x]
}

// encode returns the modules of text encoded as a QR code with error
// correction level M, which survives 15% damage while keeping the symbol
// small enough for a phone camera at a short distance.
func encode(text string) (*matrix, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, fmt.Errorf("qrcode: encode %d bytes: %w", len(text), err)
	}
	size := code.Size + 2*quietZone
	m := &matrix{size: size, dark: make([]bool, size*size)}
	for y := range code.Size {
		for x := range code.Size {
			m.dark[(y+quietZone)*size+x+quietZone] = code.Black(x, y)
		}
	}
	return m, nil
}

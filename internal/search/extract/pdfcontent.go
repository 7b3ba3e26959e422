package extract

import (
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf8"

	"rsc.io/pdf"
)

// matrix is a PDF transformation [a b c d e f].
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m×n: m applied first, then n.
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func translate(x, y float64) matrix { return matrix{1, 0, 0, 1, x, y} }

// graphics is the part of the graphics state that places text.
type graphics struct {
	ctm     matrix
	font    *pdfFont
	size    float64 // Tfs
	charSp  float64 // Tc
	wordSp  float64 // Tw
	scale   float64 // Th
	leading float64 // TL
	rise    float64 // Ts
	tm, tlm matrix
}

// textRun is one string shown on a page, where it starts and ends.
type textRun struct {
	x, y, x1 float64
	size     float64
	text     string
}

// stopPage ends the interpretation of a page that has given all it may.
type stopPage struct{}

// pdfExtractor gathers the text of a file's pages.
type pdfExtractor struct {
	body      *textWriter
	firstLine string
}

// page reads the text of one page into the body. It interprets the content
// streams itself rather than through the parser's Content, which drops the
// spaces a file draws, reads composite fonts without their ToUnicode maps
// and loops forever on a stream that ends inside a string.
func (x *pdfExtractor) page(p pdfPage, first bool) (err error) {
	var runs []textRun
	textLen := 0 // bytes of text in runs
	defer func() {
		if v := recover(); v != nil {
			switch v.(type) {
			case budgetPanic:
				panic(v)
			case stopPage:
			default:
				err = recovered(v)
			}
		}
		if err == nil || len(runs) > 0 {
			x.layout(runs, first)
		}
	}()

	fonts := make(map[string]*pdfFont)
	g := graphics{ctm: identity, scale: 1, tm: identity, tlm: identity}
	var saved []graphics
	show := func(raw string) {
		if g.font == nil {
			g.font = newPDFFont(pdf.Value{})
		}
		f := g.font
		start := matrix{g.size * g.scale, 0, 0, g.size, 0, g.rise}.mul(g.tm).mul(g.ctm)
		step := 1
		if f.twoByte {
			step = 2
		}
		var tx float64
		for i := 0; i+step <= len(raw); i += step {
			code := int(raw[i])
			if step == 2 {
				code = code<<8 | int(raw[i+1])
			}
			adv := f.width(code)/1000*g.size + g.charSp
			if step == 1 && code == ' ' {
				adv += g.wordSp
			}
			tx += adv * g.scale
		}
		g.tm = translate(tx, 0).mul(g.tm)
		end := matrix{g.size * g.scale, 0, 0, g.size, 0, g.rise}.mul(g.tm).mul(g.ctm)
		text := f.text(raw)
		if text == "" {
			return
		}
		if len(runs) >= maxRuns {
			panic(stopPage{})
		}
		textLen += len(text) + 1
		runs = append(runs, textRun{
			x: start[4], y: start[5], x1: end[4],
			size: math.Hypot(start[2], start[3]),
			text: text,
		})
	}

	do := func(op string, args []operand) {
		num := func(i int) float64 {
			if i < len(args) {
				return args[i].num
			}
			return 0
		}
		mat := func() matrix {
			var m matrix
			for i := range m {
				m[i] = num(i)
			}
			return m
		}
		switch op {
		case "q":
			if len(saved) < 64 {
				saved = append(saved, g)
			}
		case "Q":
			if len(saved) > 0 {
				g = saved[len(saved)-1]
				saved = saved[:len(saved)-1]
			}
		case "cm":
			g.ctm = mat().mul(g.ctm)
		case "BT":
			g.tm, g.tlm = identity, identity
		case "Tf":
			if len(args) == 2 {
				name := args[0].text
				f, ok := fonts[name]
				if !ok && len(fonts) < 256 {
					f = newPDFFont(p.resources.Key("Font").Key(name))
					fonts[name] = f
				}
				g.font, g.size = f, num(1)
			}
		case "Tc":
			g.charSp = num(0)
		case "Tw":
			g.wordSp = num(0)
		case "Tz":
			g.scale = num(0) / 100
		case "TL":
			g.leading = num(0)
		case "Ts":
			g.rise = num(0)
		case "Td", "TD":
			if op == "TD" {
				g.leading = -num(1)
			}
			g.tlm = translate(num(0), num(1)).mul(g.tlm)
			g.tm = g.tlm
		case "Tm":
			g.tm, g.tlm = mat(), mat()
		case "T*":
			g.tlm = translate(0, -g.leading).mul(g.tlm)
			g.tm = g.tlm
		case "Tj", "'", "\"":
			if op == "\"" && len(args) == 3 {
				g.wordSp, g.charSp = num(0), num(1)
			}
			if op != "Tj" {
				g.tlm = translate(0, -g.leading).mul(g.tlm)
				g.tm = g.tlm
			}
			if len(args) > 0 && args[len(args)-1].kind == 's' {
				show(args[len(args)-1].text)
			}
		case "TJ":
			if len(args) == 0 {
				return
			}
			for _, v := range args[len(args)-1].items {
				switch v.kind {
				case 's':
					show(v.text)
				case 'n':
					g.tm = translate(-v.num/1000*g.size*g.scale, 0).mul(g.tm)
				}
			}
		}
		if x.body.Len()+textLen > maxBody {
			panic(stopPage{})
		}
	}

	contents := p.v.Key("Contents")
	streams := []pdf.Value{contents}
	if contents.Kind() == pdf.Array {
		streams = streams[:0]
		for i := 0; i < contents.Len() && i < 1024; i++ {
			streams = append(streams, contents.Index(i))
		}
	}
	for _, s := range streams {
		if s.Kind() != pdf.Stream {
			continue
		}
		data, err := readStream(s)
		if err != nil {
			return err
		}
		interpret(data, maxOperands, do)
	}
	return nil
}

// operand is an operand of a content stream's operator: a token, or an
// array and its elements.
type operand struct {
	psToken
	items []psToken
}

// Bounds on the operands of one operator. Those of content streams need
// six at most; a CMap's block holds up to a hundred mappings of three
// operands. An array of TJ holds a line's strings and the adjustments
// between them.
const (
	maxOperands     = 64
	maxCMapOperands = 1024
	maxArrayItems   = 1 << 16
)

// interpret calls do with every operator of a content stream and its
// operands, at most limit of them. Nested arrays are flattened: none of the
// operators read here takes one.
func interpret(data []byte, limit int, do func(op string, args []operand)) {
	var operands []operand
	depth := 0
	for t := range psTokens(data) {
		switch {
		case t.kind == '[':
			if depth == 0 && len(operands) < limit {
				operands = append(operands, operand{psToken: psToken{kind: '['}})
			}
			depth++
		case t.kind == ']':
			depth = max(depth-1, 0)
		case depth > 0:
			if n := len(operands); n > 0 && operands[n-1].kind == '[' && len(operands[n-1].items) < maxArrayItems {
				operands[n-1].items = append(operands[n-1].items, t)
			}
		case t.kind == 'k' && t.text != "true" && t.text != "false" && t.text != "null":
			do(t.text, operands)
			operands = operands[:0]
		default:
			if len(operands) < limit {
				operands = append(operands, operand{psToken: t})
			}
		}
	}
}

// readStream returns the decoded data of a stream, refusing one that
// decodes to more than maxStream bytes (a compression bomb).
func readStream(s pdf.Value) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(s.Reader(), maxStream+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("stream: %w", err)
	case len(data) > maxStream:
		return nil, errors.New("stream decodes to more than the bound")
	}
	return data, nil
}

// layout writes a page's runs as lines of text. The runs come in the order
// the file draws them, which for the files people make is reading order; a
// run starts a new line when it moves down or up by more than half the
// font size, and is set off by a space when a gap of more than a fifth of
// the font size lies between it and the run before. Japanese and Chinese
// text joins without spaces, across gaps and line ends alike.
func (x *pdfExtractor) layout(runs []textRun, first bool) {
	x.body.block()
	var line *textWriter
	if first {
		line = newTextWriter(maxHeadingLen)
	}
	var prev *textRun
	for i := range runs {
		r := &runs[i]
		if prev != nil {
			size := max(prev.size, r.size, 1)
			lastRune, _ := utf8.DecodeLastRuneInString(prev.text)
			firstRune, _ := utf8.DecodeRuneInString(r.text)
			cjk := wide(lastRune) && wide(firstRune)
			gap := r.x - prev.x1
			switch {
			case math.Abs(r.y-prev.y) > size/2:
				x.body.write("\n")
				if line != nil && line.Len() > 0 {
					if x.firstLine == "" {
						x.firstLine = line.String()
					}
					line = nil
				}
			case cjk && gap < size && gap > -size:
			case gap > 0.2*size || gap < -size:
				x.body.write(" ")
				if line != nil {
					line.write(" ")
				}
			}
		}
		x.body.write(r.text)
		if line != nil {
			line.write(r.text)
		}
		prev = r
	}
	if line != nil && x.firstLine == "" {
		x.firstLine = line.String()
	}
}

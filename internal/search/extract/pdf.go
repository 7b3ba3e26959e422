package extract

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"rsc.io/pdf"
)

const (
	// maxPDF is the largest file read: bigger ones are scans or archives
	// more than documents, and their text is not worth the time.
	maxPDF = 256 << 20
	// maxPages bounds the pages read of one file.
	maxPages = 1000
	// maxStream bounds the decoded size of one content or CMap stream, so
	// that a compression bomb is refused before it is interpreted.
	maxStream = 8 << 20
	// maxRuns bounds the pieces of text one page may draw.
	maxRuns = 200_000
)

// errReadBudget ends the reading of a file that asks to read far more than
// its size: a loop in its structure (the parser has no cache and follows
// references as often as it is asked) or a structure out of all proportion.
var errReadBudget = errors.New("structure reads far beyond the file's size (a reference loop or an oversized table)")

// budgetPanic is how the budget stops the parser, which reports errors by
// panicking: PDF recovers it and returns errReadBudget.
type budgetPanic struct{}

// budgetReader bounds the bytes the parser reads from a file.
type budgetReader struct {
	r    io.ReaderAt
	left int64
}

func (b *budgetReader) ReadAt(p []byte, off int64) (int, error) {
	b.left -= int64(len(p))
	if b.left < 0 {
		panic(budgetPanic{})
	}
	return b.r.ReadAt(p, off)
}

// PDF extracts the text and facts of a PDF file of the given size. Broken
// and hostile files give an error naming the cause; a file whose pages
// partly fail gives the text of the others.
func PDF(r io.ReaderAt, size int64) (page Page, err error) {
	if size <= 0 {
		return Page{}, errors.New("read pdf: empty file")
	}
	if size > maxPDF {
		return Page{}, fmt.Errorf("read pdf: %d bytes, more than the %d read", size, maxPDF)
	}
	defer func() {
		if v := recover(); v != nil {
			page = Page{}
			err = fmt.Errorf("read pdf: %w", recovered(v))
		}
	}()
	// The parser reads a few kilobytes at every reference it follows; a
	// sound file needs a small multiple of its size.
	if err := checkPDF(r, size); err != nil {
		return Page{}, fmt.Errorf("read pdf: %w", err)
	}
	br := &budgetReader{r: r, left: 8<<20 + 256*size}
	doc, err := pdf.NewReader(br, size)
	if err != nil {
		return Page{}, fmt.Errorf("read pdf: %w", err)
	}

	x := &pdfExtractor{body: newTextWriter(maxBody)}
	var firstErr error
	read := 0
	for i, p := range pdfPages(doc, maxPages) {
		if x.body.full {
			break
		}
		if err := x.page(p, i == 0); err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("page %d: %w", i+1, err)
			}
			continue
		}
		read++
	}
	if read == 0 && firstErr != nil {
		return Page{}, fmt.Errorf("read pdf: %w", firstErr)
	}

	info := doc.Trailer().Key("Info")
	page = Page{
		Title: collapse(info.Key("Title").Text(), maxHeadingLen),
		Body:  x.body.String(),
		Lang:  primaryLang(doc.Trailer().Key("Root").Key("Lang").Text()),
	}
	if page.Title == "" {
		page.Title = x.firstLine
	}
	if d, ok := parsePDFDate(info.Key("CreationDate").Text()); ok {
		page.Date = d
	}
	return page, nil
}

// recovered turns what the parser panicked with into an error.
func recovered(v any) error {
	switch v := v.(type) {
	case budgetPanic:
		return errReadBudget
	case error:
		return fmt.Errorf("malformed file: %w", v)
	default:
		return fmt.Errorf("malformed file: %v", v)
	}
}

// pdfPage is one page and the resources it inherits from the page tree.
type pdfPage struct {
	v         pdf.Value
	resources pdf.Value
}

// pdfPages walks the page tree in document order. It walks it itself rather
// than through the parser, whose walk loops forever on a tree that contains
// itself: depth and the nodes visited are bounded here.
func pdfPages(doc *pdf.Reader, limit int) []pdfPage {
	const maxDepth = 32
	type node struct {
		v, resources pdf.Value
		depth        int
	}
	var out []pdfPage
	stack := []node{{v: doc.Trailer().Key("Root").Key("Pages")}}
	for visits := 0; len(stack) > 0 && len(out) < limit && visits < 4*limit+64; visits++ {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.v.Kind() != pdf.Dict {
			continue
		}
		res := n.v.Key("Resources")
		if res.IsNull() {
			res = n.resources
		}
		kids := n.v.Key("Kids")
		if n.v.Key("Type").Name() == "Pages" || (kids.Kind() == pdf.Array && n.v.Key("Contents").IsNull()) {
			if n.depth >= maxDepth {
				continue
			}
			// Pushed last to first, so that the first is read first.
			for i := min(kids.Len(), limit) - 1; i >= 0; i-- {
				stack = append(stack, node{v: kids.Index(i), resources: res, depth: n.depth + 1})
			}
			continue
		}
		out = append(out, pdfPage{v: n.v, resources: res})
	}
	return out
}

// parsePDFDate reads a date as PDF writes it: D:YYYYMMDDHHmmSS followed by
// Z or an offset +HH'mm', every part after the year optional.
func parsePDFDate(s string) (time.Time, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	num := func(n int) (int, bool) {
		if len(s) < n {
			return 0, false
		}
		v := 0
		for i := range n {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		s = s[n:]
		return v, true
	}
	year, ok := num(4)
	if !ok {
		return time.Time{}, false
	}
	f := [5]int{1, 1, 0, 0, 0} // month, day, hour, minute, second
	limits := [5][2]int{{1, 12}, {1, 31}, {0, 23}, {0, 59}, {0, 59}}
	for i := range f {
		v, ok := num(2)
		if !ok {
			break
		}
		if v < limits[i][0] || v > limits[i][1] {
			return time.Time{}, false
		}
		f[i] = v
	}
	loc := time.UTC
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		sign := 1
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
		hh, ok := num(2)
		if !ok || hh > 23 {
			return time.Time{}, false
		}
		s = strings.TrimPrefix(s, "'")
		mm, _ := num(2)
		if mm > 59 {
			return time.Time{}, false
		}
		loc = time.FixedZone("", sign*(hh*3600+mm*60))
	}
	d := time.Date(year, time.Month(f[0]), f[1], f[2], f[3], f[4], 0, loc)
	if d.Day() != f[1] {
		return time.Time{}, false // 31 February
	}
	return d, true
}

package extract

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"iter"
)

// The parser trusts a file's structure: it allocates the tables the file
// declares, recurses as deep as its arrays nest, and at the end of an
// object stream loops forever inside an unterminated string or array. The
// checks here refuse such files before the parser reads them.
const (
	// maxObjects bounds the objects a file may declare.
	maxObjects = 1 << 23
	// maxObjStm bounds the objects one object stream may declare.
	maxObjStm = 1 << 20
	// maxNesting bounds how deep arrays and dictionaries nest.
	maxNesting = 256
	// maxXrefWindow is how much of a cross-reference section is checked.
	maxXrefWindow = 16 << 20
)

// checkPDF refuses a file whose structure would make the parser allocate
// or loop without bound.
func checkPDF(r io.ReaderAt, size int64) error {
	if err := checkXref(r, size); err != nil {
		return err
	}
	return checkObjects(r, size)
}

func readWindow(r io.ReaderAt, off, n int64) []byte {
	b := make([]byte, n)
	n2, _ := r.ReadAt(b, off)
	return b[:n2]
}

// checkXref follows the chain of cross-reference sections from the last
// startxref, as the parser will, and checks the numbers of objects they
// declare and that the chain ends.
func checkXref(r io.ReaderAt, size int64) error {
	tailLen := min(size, 1024)
	tail := readWindow(r, size-tailLen, tailLen)
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return nil // the parser says what is missing
	}
	off := int64(-1)
	for t := range psTokens(tail[i+len("startxref"):]) {
		if t.kind == 'n' {
			off = int64(t.num)
		}
		break
	}
	seen := make(map[int64]bool)
	for range 64 {
		if off <= 0 || off >= size {
			return nil
		}
		if seen[off] {
			return errors.New("cross-reference sections refer to each other in a loop")
		}
		seen[off] = true
		prev, err := checkXrefSection(readWindow(r, off, min(size-off, maxXrefWindow)))
		if err != nil {
			return err
		}
		off = prev
	}
	return errors.New("more than 64 cross-reference sections")
}

// checkXrefSection checks a cross-reference table or stream and returns
// the offset of the previous section, or -1.
func checkXrefSection(b []byte) (int64, error) {
	next, stop := iter.Pull(psTokens(b))
	defer stop()
	t, _ := next()
	if t.kind == 'k' && t.text == "xref" {
		for {
			start, ok := next()
			if !ok {
				return -1, nil
			}
			if start.kind == 'k' && start.text == "trailer" {
				break
			}
			count, _ := next()
			if start.kind != 'n' || count.kind != 'n' {
				return -1, nil
			}
			if start.num < 0 || count.num < 0 || start.num+count.num > maxObjects {
				return -1, fmt.Errorf("cross-reference table declares objects %.0f to %.0f", start.num, start.num+count.num)
			}
			for range 3 * int(count.num) {
				if _, ok := next(); !ok {
					return -1, nil
				}
			}
		}
		d := readDictNumbers(next)
		return d.prev, nil
	}
	if t.kind != 'n' {
		return -1, nil
	}
	next() // generation
	if obj, _ := next(); obj.text != "obj" {
		return -1, nil
	}
	d := readDictNumbers(next)
	if d.size > maxObjects {
		return -1, fmt.Errorf("cross-reference stream declares %.0f objects", d.size)
	}
	for i := 0; i+1 < len(d.index); i += 2 {
		if d.index[i] < 0 || d.index[i+1] < 0 || d.index[i]+d.index[i+1] > maxObjects {
			return -1, fmt.Errorf("cross-reference stream declares objects %.0f to %.0f", d.index[i], d.index[i]+d.index[i+1])
		}
	}
	for _, w := range d.w {
		if w < 0 || w > 8 {
			return -1, fmt.Errorf("cross-reference stream has fields of %.0f bytes", w)
		}
	}
	return d.prev, nil
}

// dictNumbers are the entries of a trailer or cross-reference stream
// dictionary that size the parser's tables.
type dictNumbers struct {
	size     float64
	prev     int64
	index, w []float64
}

// readDictNumbers reads a dictionary's tokens up to the keyword after it.
func readDictNumbers(next func() (psToken, bool)) dictNumbers {
	d := dictNumbers{prev: -1}
	var key string
	var list *[]float64
	for range 4096 {
		t, ok := next()
		if !ok || t.kind == 'k' {
			break
		}
		switch t.kind {
		case '/':
			key, list = t.text, nil
			continue
		case '[':
			switch key {
			case "Index":
				list = &d.index
			case "W":
				list = &d.w
			}
		case ']':
			list = nil
		case 'n':
			if list != nil {
				if len(*list) < 1024 {
					*list = append(*list, t.num)
				}
				continue
			}
			switch key {
			case "Size":
				d.size = t.num
			case "Prev":
				d.prev = int64(t.num)
			}
		}
		if list == nil {
			key = ""
		}
	}
	return d
}

// checkObjects reads the whole file as the parser's lexer would, skipping
// the data of streams, and refuses nesting beyond maxNesting. The object
// streams, whose objects the parser reads with a lexer that loops at their
// end, must declare a sane number of objects and end every string, array
// and dictionary they open.
func checkObjects(r io.ReaderAt, size int64) error {
	s := &pdfScanner{r: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 64<<10), ra: r}
	var dict []psToken // the tokens since the last "obj"
	depth := 0
	for {
		c, ok := s.byte()
		if !ok {
			return nil
		}
		switch {
		case isPDFSpace(c):
		case c == '%':
			s.skipLine()
		case c == '(':
			s.skipLiteral()
		case c == '<' || c == '[':
			if c == '<' && !s.peekIs('<') {
				s.skipUntil('>')
				continue
			}
			if c == '<' {
				s.byte()
			}
			if depth++; depth > maxNesting {
				return fmt.Errorf("arrays or dictionaries nest deeper than %d at offset %d", maxNesting, s.pos)
			}
		case c == '>' || c == ']':
			if c == '>' && s.peekIs('>') {
				s.byte()
			}
			depth = max(depth-1, 0)
		case c == '/' || !isPDFDelim(c):
			word := s.word(c)
			if c == '/' {
				dict = appendBounded(dict, psToken{kind: '/', text: string(word[1:])})
				continue
			}
			switch string(word) {
			case "obj":
				dict, depth = dict[:0], 0
			case "stream":
				start := s.afterStreamKeyword()
				if err := checkObjStm(s.src(), dict, start); err != nil {
					return err
				}
				s.skipStream()
				dict = dict[:0]
			default:
				if len(word) <= 32 {
					var t psToken
					for t = range psTokens(word) {
						break
					}
					dict = appendBounded(dict, t)
				}
			}
		}
	}
}

func appendBounded(d []psToken, t psToken) []psToken {
	if len(d) < 256 {
		d = append(d, t)
	}
	return d
}

// checkObjStm checks an object stream whose dictionary's tokens are dict
// and whose data starts at offset start.
func checkObjStm(r io.ReaderAt, dict []psToken, start int64) error {
	var objStm, flate, other bool
	var n, length float64 = 0, -1
	for i := 0; i+1 < len(dict); i++ {
		k, v := dict[i], dict[i+1]
		if k.kind != '/' {
			continue
		}
		switch {
		case k.text == "Type" && v.kind == '/':
			objStm = v.text == "ObjStm"
		case k.text == "N" && v.kind == 'n':
			n = v.num
		case k.text == "Length" && v.kind == 'n':
			// "12 0 R" refers to the length elsewhere.
			if i+3 >= len(dict) || dict[i+3].kind != 'k' || dict[i+3].text != "R" {
				length = v.num
			}
		case k.text == "Filter" && v.kind == '/':
			flate = v.text == "FlateDecode"
			other = !flate
		}
	}
	if !objStm {
		return nil
	}
	if n < 0 || n > maxObjStm {
		return fmt.Errorf("object stream declares %.0f objects", n)
	}
	if length < 0 || other {
		return nil // read as the parser reads it, or refused by it
	}
	rd := io.Reader(io.NewSectionReader(r, start, int64(length)))
	if flate {
		z, err := zlib.NewReader(rd)
		if err != nil {
			return nil // the parser refuses it
		}
		rd = z
	}
	data, err := io.ReadAll(io.LimitReader(rd, maxStream+1))
	if err != nil && len(data) == 0 {
		return nil
	}
	if len(data) > maxStream {
		return errors.New("object stream decodes to more than the bound")
	}
	if !balanced(data) {
		return errors.New("object stream ends inside a string, array or dictionary")
	}
	return nil
}

// balanced reports whether data closes every string, array and dictionary
// it opens, nesting them at most maxNesting deep.
func balanced(data []byte) bool {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '%':
			for i < len(data) && data[i] != '\n' && data[i] != '\r' {
				i++
			}
		case '(':
			end, ok := literalEnd(data, i+1)
			if !ok {
				return false
			}
			i = end - 1
		case '<':
			if i+1 < len(data) && data[i+1] == '<' {
				i++
				depth++
			} else {
				j := bytes.IndexByte(data[i:], '>')
				if j < 0 {
					return false
				}
				i += j
				continue
			}
		case '[':
			depth++
		case '>', ']':
			if c == '>' && i+1 < len(data) && data[i+1] == '>' {
				i++
			}
			depth--
		}
		if depth < 0 {
			depth = 0
		}
		if depth > maxNesting {
			return false
		}
	}
	return depth == 0
}

// literalEnd returns the index after the parenthesis that closes a
// (string) whose data starts at i, and false when none does.
func literalEnd(data []byte, i int) (int, bool) {
	depth := 1
	for ; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return i + 1, true
			}
		}
	}
	return len(data), false
}

// pdfScanner reads a file byte by byte, knowing its offset.
type pdfScanner struct {
	r   *bufio.Reader
	ra  io.ReaderAt
	pos int64
}

func (s *pdfScanner) src() io.ReaderAt { return s.ra }

func (s *pdfScanner) byte() (byte, bool) {
	c, err := s.r.ReadByte()
	if err != nil {
		return 0, false
	}
	s.pos++
	return c, true
}

func (s *pdfScanner) peekIs(c byte) bool {
	b, err := s.r.Peek(1)
	return err == nil && b[0] == c
}

func (s *pdfScanner) skipLine() {
	for {
		c, ok := s.byte()
		if !ok || c == '\n' || c == '\r' {
			return
		}
	}
}

func (s *pdfScanner) skipUntil(end byte) {
	for {
		c, ok := s.byte()
		if !ok || c == end {
			return
		}
	}
}

func (s *pdfScanner) skipLiteral() {
	depth := 1
	for depth > 0 {
		c, ok := s.byte()
		if !ok {
			return
		}
		switch c {
		case '\\':
			s.byte()
		case '(':
			depth++
		case ')':
			depth--
		}
	}
}

// word reads a name or keyword whose first byte is c.
func (s *pdfScanner) word(c byte) []byte {
	w := []byte{c}
	for {
		b, err := s.r.Peek(1)
		if err != nil || isPDFSpace(b[0]) || isPDFDelim(b[0]) {
			return w
		}
		s.byte()
		if len(w) < 64 {
			w = append(w, b[0])
		}
	}
}

// afterStreamKeyword skips the end of line after "stream" and returns the
// offset of the stream's data.
func (s *pdfScanner) afterStreamKeyword() int64 {
	if s.peekIs('\r') {
		s.byte()
	}
	if s.peekIs('\n') {
		s.byte()
	}
	return s.pos
}

// skipStream skips to after the next "endstream".
func (s *pdfScanner) skipStream() {
	const end = "endstream"
	matched := 0
	for matched < len(end) {
		c, ok := s.byte()
		if !ok {
			return
		}
		switch {
		case c == end[matched]:
			matched++
		case c == end[0]:
			matched = 1
		default:
			matched = 0
		}
	}
}

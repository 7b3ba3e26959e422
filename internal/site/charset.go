package site

import (
	"bytes"
	"io"
	"mime"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
)

// sniffLen is how much of a page browsers search for a <meta> naming its
// charset (the HTML standard's prescan of the byte stream).
const sniffLen = 1024

// charsetMode says how the rewrite treats a page's charset.
type charsetMode uint8

const (
	// charsetUTF8 pages are rewritten as they are.
	charsetUTF8 charsetMode = iota
	// charsetASCII pages are in a charset that writes ASCII as ASCII and
	// uses no byte below 0x40 but digits inside its other characters, so
	// that every byte HTML's syntax turns on stands for itself: Shift_JIS
	// and EUC-JP (whose second bytes are 0x40 to 0xFC and 0xA1 to 0xFE),
	// the other East Asian multibyte charsets and all the single-byte ones.
	// The tokenizer reads their bytes as they are; the page's own bytes
	// are copied untouched, and only what Noren writes is encoded.
	charsetASCII
	// charsetTranscoded pages are decoded to UTF-8 for the rewrite and
	// encoded back: ISO-2022-JP writes Japanese with the bytes of ASCII
	// letters and punctuation between escape sequences.
	charsetTranscoded
	// charsetUnsupported pages (UTF-16, or the standard's "replacement"
	// encoding) pass through unchanged.
	charsetUnsupported
)

// preferredNames are the names sent in Content-Type for charsets whose
// registered preferred MIME name differs from the standard's lower-case one.
var preferredNames = map[string]string{
	"shift_jis":   "Shift_JIS",
	"euc-jp":      "EUC-JP",
	"iso-2022-jp": "ISO-2022-JP",
}

// pageCharset is the charset of one page, with the state to decode its text
// and encode what the rewrite adds. It serves one rewrite at a time.
type pageCharset struct {
	name string            // for Content-Type, such as "Shift_JIS" or "utf-8"
	enc  encoding.Encoding // nil for UTF-8
	mode charsetMode

	encoder *encoding.Encoder // made on first use
	decoder *encoding.Decoder
}

// utf8Charset is the charset of pages that declare none.
func utf8Charset() *pageCharset {
	return &pageCharset{name: "utf-8", mode: charsetUTF8}
}

// lookupCharset returns the charset an encoding label names under the
// Encoding Standard (so "sjis", "x-sjis" and "windows-31j" are all
// Shift_JIS), or false for a label browsers do not know.
func lookupCharset(label string) (*pageCharset, bool) {
	e, err := htmlindex.Get(label)
	if err != nil {
		return nil, false
	}
	name, err := htmlindex.Name(e)
	if err != nil {
		return nil, false
	}
	cs := &pageCharset{name: name, enc: e, mode: charsetASCII}
	switch name {
	case "utf-8":
		return utf8Charset(), true
	case "iso-2022-jp":
		cs.mode = charsetTranscoded
	case "utf-16be", "utf-16le", "replacement":
		cs.mode = charsetUnsupported
	}
	if n, ok := preferredNames[name]; ok {
		cs.name = n
	}
	if name == "replacement" {
		// "replacement" is no label: keep the one the page gave, which
		// browsers read the same way.
		cs.name = strings.ToLower(strings.TrimSpace(label))
	}
	return cs, true
}

// detectCharset determines a page's charset as browsers do: from a byte
// order mark at the start of head, else from the charset parameter of
// contentType, else from a <meta> in head's first sniffLen bytes, else
// UTF-8. Labels browsers do not know are passed over.
func detectCharset(contentType string, head []byte) *pageCharset {
	declared, _ := headerCharset(contentType)
	return sniffCharset(declared, head)
}

// sniffCharset is detectCharset for a page whose Content-Type declares
// the charset declared, or nil.
func sniffCharset(declared *pageCharset, head []byte) *pageCharset {
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		return utf8Charset()
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		cs, _ := lookupCharset("utf-16be")
		return cs
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		cs, _ := lookupCharset("utf-16le")
		return cs
	}
	if declared != nil {
		return declared
	}
	if cs, ok := prescanCharset(head[:min(len(head), sniffLen)]); ok {
		return cs
	}
	return utf8Charset()
}

// headerCharset returns the charset a Content-Type names, or false when it
// names none browsers know; then only a byte order mark overrides it.
func headerCharset(contentType string) (*pageCharset, bool) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, false
	}
	return lookupCharset(params["charset"])
}

// bomLen is the length of the longest byte order mark, UTF-8's.
const bomLen = 3

// prescanCharset finds the charset the first <meta charset> or <meta
// http-equiv="Content-Type" content="…; charset=…"> in head declares. As
// the HTML standard says, a declared UTF-16 means UTF-8 (a page read as
// ASCII cannot be UTF-16) and x-user-defined means windows-1252.
func prescanCharset(head []byte) (*pageCharset, bool) {
	z := html.NewTokenizer(bytes.NewReader(head))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return nil, false
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			if atom.Lookup(name) != atom.Meta || !more {
				continue
			}
			cs, ok := lookupCharset(metaCharset(z))
			if !ok {
				continue
			}
			switch cs.name {
			case "utf-16be", "utf-16le":
				return utf8Charset(), true
			case "x-user-defined":
				cs, _ = lookupCharset("windows-1252")
			}
			return cs, true
		}
	}
}

// metaCharset returns the charset label the attributes of the current
// <meta> tag declare, or "". Only the first of repeated attributes counts.
func metaCharset(z *html.Tokenizer) string {
	var charset, content string
	var hasCharset, hasContent, hasPragma, pragma bool
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch string(k) {
		case "charset":
			if !hasCharset {
				hasCharset, charset = true, string(v)
			}
		case "content":
			if !hasContent {
				hasContent, content = true, string(v)
			}
		case "http-equiv":
			if !hasPragma {
				hasPragma, pragma = true, strings.EqualFold(string(v), "content-type")
			}
		}
	}
	switch {
	case hasCharset:
		return charset
	case pragma && hasContent:
		return contentCharset(content)
	}
	return ""
}

// contentCharset extracts the charset label from the content attribute of
// a <meta http-equiv="Content-Type">, as the HTML standard's algorithm for
// extracting a character encoding from a meta element does.
func contentCharset(s string) string {
	for {
		i := indexFold(s, "charset")
		if i < 0 {
			return ""
		}
		s = strings.TrimLeft(s[i+len("charset"):], " \t\n\f\r")
		if !strings.HasPrefix(s, "=") {
			continue
		}
		s = strings.TrimLeft(s[1:], " \t\n\f\r")
		if s == "" {
			return ""
		}
		if q := s[0]; q == '"' || q == '\'' {
			end := strings.IndexByte(s[1:], q)
			if end < 0 {
				return ""
			}
			return s[1 : 1+end]
		}
		if end := strings.IndexAny(s, "; \t\n\f\r"); end >= 0 {
			return s[:end]
		}
		return s
	}
}

// indexFold returns the index of the lower-case ASCII string sub in s in
// any case, or -1.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// htmlContentType is the Content-Type of a page in the charset named.
func htmlContentType(charset string) string {
	if charset == "" {
		charset = "utf-8"
	}
	return "text/html; charset=" + charset
}

// readHead reads up to n bytes from the start of src, for sniffing, and
// returns them with a reader of the whole of src. An error reading is left
// for the returned reader to report after the bytes read.
func readHead(src io.Reader, n int) ([]byte, io.Reader) {
	head := make([]byte, n)
	m, err := io.ReadFull(src, head)
	head = head[:m]
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return head, bytes.NewReader(head)
	case err != nil:
		return head, io.MultiReader(bytes.NewReader(head), errReader{err})
	}
	return head, io.MultiReader(bytes.NewReader(head), src)
}

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// decodesTags reports whether the page's bytes must be decoded for a tag
// rewriter or the page title to read them as text: in UTF-8 pages and
// those decoded whole before the rewrite, they already are.
func (cs *pageCharset) decodesTags() bool {
	return cs != nil && cs.mode == charsetASCII
}

// decode returns text of the page, read as the rewrite reads it, in UTF-8.
// Bytes that are not text in the charset become U+FFFD.
func (cs *pageCharset) decode(b []byte) string {
	if !cs.decodesTags() || isASCII(b) {
		return string(b)
	}
	if cs.decoder == nil {
		cs.decoder = cs.enc.NewDecoder()
	}
	s, err := cs.decoder.Bytes(b)
	if err != nil {
		// Decoders replace what they cannot read and do not fail; this
		// keeps the text should one ever do so.
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

// appendInserted appends s, HTML that Noren adds to the page, in the form
// the rewrite writes: in the page's charset, or in UTF-8 for a page that
// is encoded whole afterwards. A character the charset lacks becomes a
// character reference, or, in the content of a script or style element,
// where a reference would be read as it is, a JavaScript or CSS escape.
func (cs *pageCharset) appendInserted(dst []byte, s string) []byte {
	if isASCII(s) && (cs.mode != charsetTranscoded || !strings.ContainsAny(s, shiftControls)) {
		return append(dst, s...)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var rawText atom.Atom // the element whose content the next text is
	for {
		tt := z.Next()
		esc := appendReference
		if tt == html.TextToken {
			switch rawText {
			case atom.Script:
				esc = appendJSEscape
			case atom.Style:
				esc = appendCSSEscape
			}
		}
		// Raw's bytes change under TagName, so encode them first.
		dst = cs.appendText(dst, z.Raw(), esc)
		rawText = 0
		switch tt {
		case html.ErrorToken:
			return dst
		case html.StartTagToken:
			name, _ := z.TagName()
			if a := atom.Lookup(name); a == atom.Script || a == atom.Style {
				rawText = a
			}
		}
	}
}

// shiftControls are the controls that switch ISO-2022-JP between its
// character sets. Its encoder must not let them through: in what Noren
// adds, they would change how the rest of the page reads.
const shiftControls = "\x0E\x0F\x1B"

// appendText appends UTF-8 text encoded as appendInserted says, escaping
// what the charset lacks with esc.
func (cs *pageCharset) appendText(dst, text []byte, esc func([]byte, rune) []byte) []byte {
	for len(text) > 0 {
		i := 0
		for i < len(text) && text[i] < utf8.RuneSelf && !cs.shiftControl(text[i]) {
			i++
		}
		dst = append(dst, text[:i]...)
		text = text[i:]
		if len(text) == 0 {
			break
		}
		if c := text[0]; c < utf8.RuneSelf {
			dst = esc(dst, rune(c))
			text = text[1:]
			continue
		}
		r, size := utf8.DecodeRune(text)
		char := text[:size]
		if r == utf8.RuneError && size == 1 {
			char = []byte("\uFFFD")
		}
		dst = cs.appendRune(dst, r, char, esc)
		text = text[size:]
	}
	return dst
}

// shiftControl reports whether c is one of shiftControls in a page in
// ISO-2022-JP.
func (cs *pageCharset) shiftControl(c byte) bool {
	return cs.mode == charsetTranscoded && (c == 0x0E || c == 0x0F || c == 0x1B)
}

// appendRune appends one non-ASCII character, whose UTF-8 form is char.
func (cs *pageCharset) appendRune(dst []byte, r rune, char []byte, esc func([]byte, rune) []byte) []byte {
	if cs.encoder == nil {
		cs.encoder = cs.enc.NewEncoder()
	}
	var buf [16]byte // a character with ISO-2022-JP's escapes around it
	cs.encoder.Reset()
	n, _, err := cs.encoder.Transform(buf[:], char, true)
	switch {
	case err != nil:
		return esc(dst, r)
	case cs.mode == charsetTranscoded:
		// The page is encoded whole once rewritten.
		return append(dst, char...)
	}
	return append(dst, buf[:n]...)
}

// appendReference appends r as a decimal character reference.
func appendReference(dst []byte, r rune) []byte {
	dst = append(dst, "&#"...)
	dst = strconv.AppendInt(dst, int64(r), 10)
	return append(dst, ';')
}

// appendJSEscape appends r as a JavaScript (and JSON) string escape,
// a surrogate pair beyond the Basic Multilingual Plane.
func appendJSEscape(dst []byte, r rune) []byte {
	if r > 0xFFFF {
		hi, lo := utf16.EncodeRune(r)
		return appendJSEscape(appendJSEscape(dst, hi), lo)
	}
	const hex = "0123456789ABCDEF"
	return append(dst, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
}

// appendCSSEscape appends r as a CSS escape, ended by the space that CSS
// takes as part of it.
func appendCSSEscape(dst []byte, r rune) []byte {
	dst = append(dst, '\\')
	dst = strconv.AppendInt(dst, int64(r), 16)
	return append(dst, ' ')
}

// isASCII reports whether b is all ASCII.
func isASCII[T string | []byte](b T) bool {
	for i := range len(b) {
		if b[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

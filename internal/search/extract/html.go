package extract

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"

	"github.com/noren-web/noren/internal/htmlsyntax"
)

const (
	// maxHTML is how much of a page is read: beyond it, a page is not
	// something people read but a dump or an attack.
	maxHTML = 32 << 20
	// maxToken bounds one token (a tag with its attributes, or a run of
	// text) that the tokenizer buffers.
	maxToken = 4 << 20
	// sniffLen is how much of a page the HTML standard's prescan searches
	// for a <meta> naming its charset.
	sniffLen = 1024
)

// HTML extracts the text and facts of an HTML page read from r. The
// contentType is the page's Content-Type, whose charset wins over the
// page's own declaration; a byte order mark wins over both. Malformed HTML
// gives what a browser would show of it; the error is only for failing to
// read r.
func HTML(r io.Reader, contentType string) (Page, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, maxHTML), 4096)
	head, err := br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return Page{}, fmt.Errorf("read html: %w", err)
	}
	enc, _, _ := charset.DetermineEncoding(head, contentType)
	src := io.Reader(br)
	if enc != encoding.Nop {
		src = transform.NewReader(br, enc.NewDecoder())
	}

	z := html.NewTokenizer(src)
	z.SetMaxBuf(maxToken)
	x := newHTMLExtractor()
	for !x.all.full || !x.main.full {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			err := z.Err()
			if errors.Is(err, io.EOF) {
				return x.page(), nil
			}
			if errors.Is(err, html.ErrBufferExceeded) {
				// The rest of the page is unread, a robots meta tag that
				// forbids indexing it perhaps among it.
				return Page{}, fmt.Errorf("read html: a tag or text longer than %d MiB: %w", maxToken>>20, err)
			}
			return Page{}, fmt.Errorf("read html: %w", err)
		case html.TextToken:
			x.text(z.Text())
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			attrs := readAttrs(z, hasAttr)
			x.start(name, a, attrs, tt == html.SelfClosingTagToken)
			if x.foreign() || a == atom.Noscript {
				// Inside <svg>, <title> and <style> are ordinary elements,
				// not raw text that runs to their end tag. The content of
				// <noscript> is markup for a reader without scripts, as the
				// indexer is: its robots meta tag applies.
				z.NextIsNotRawText()
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			x.end(name, atom.Lookup(name))
		}
	}
	return x.page(), nil
}

// tagAttrs are the attributes of a start tag that extraction reads.
type tagAttrs struct {
	role, lang, name, property, httpEquiv, content, datetime string
	hidden, ignore                                           bool
}

func readAttrs(z *html.Tokenizer, more bool) tagAttrs {
	var t tagAttrs
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch string(k) {
		case "role":
			// The first role a user agent knows is the one it uses; the
			// landmark roles are all single words.
			if f := strings.Fields(string(v)); len(f) > 0 {
				t.role = strings.ToLower(f[0])
			}
		case "lang":
			t.lang = string(v)
		case "name":
			t.name = strings.ToLower(strings.TrimSpace(string(v)))
		case "property":
			t.property = strings.ToLower(strings.TrimSpace(string(v)))
		case "http-equiv":
			t.httpEquiv = strings.ToLower(strings.TrimSpace(string(v)))
		case "content":
			t.content = string(v)
		case "datetime":
			t.datetime = string(v)
		case "hidden":
			// hidden="until-found" content is meant to be found.
			t.hidden = t.hidden || !bytes.EqualFold(v, []byte("until-found"))
		case "aria-hidden":
			t.hidden = t.hidden || bytes.EqualFold(bytes.TrimSpace(v), []byte("true"))
		case "style":
			t.hidden = t.hidden || displayNone(v)
		case "data-noren-search":
			t.ignore = t.ignore || bytes.EqualFold(bytes.TrimSpace(v), []byte("ignore"))
		}
	}
	return t
}

// displayNone reports whether an inline style hides its element.
func displayNone(style []byte) bool {
	s := bytes.ToLower(style)
	for {
		i := bytes.Index(s, []byte("display"))
		if i < 0 {
			return false
		}
		s = s[i+len("display"):]
		rest := bytes.TrimLeft(s, " \t\n\r\f")
		if len(rest) > 0 && rest[0] == ':' {
			if bytes.HasPrefix(bytes.TrimLeft(rest[1:], " \t\n\r\f"), []byte("none")) {
				return true
			}
		}
	}
}

// region is an element whose end is being looked for: one that is skipped
// with all it contains, or the page's main content. Elements of the same
// name inside it are counted, so that the right end tag closes it.
type region struct {
	name  []byte
	depth int
}

func (r *region) open() bool { return r.depth > 0 }

func (r *region) enter(name []byte) {
	r.name = append(r.name[:0], name...)
	r.depth = 1
}

// tag counts a start (+1) or end (-1) tag inside the region and reports
// whether it closed the region.
func (r *region) tag(name []byte, delta int) bool {
	if r.depth == 0 || !bytes.Equal(name, r.name) {
		return false
	}
	r.depth += delta
	return r.depth == 0
}

// htmlExtractor holds what has been read of a page so far. It keeps two
// versions of the text, headings and dates: all the page's content, and that
// of its <main> element, used when the page turns out to have one.
type htmlExtractor struct {
	skip     region
	svg      bool // the skipped region is an <svg>
	skipSep  bool // the skipped region is a block, which separates the text around it
	mainEl   region
	sawMain  bool
	sections int // open article, section and main elements

	all, main *textWriter

	heading       *textWriter // the h1 to h3 being read, or nil
	headingLevel  int
	headingInMain bool
	headings      []string
	mainHeadings  []string
	h1, mainH1    string

	inTitle  bool
	title    string
	lang     string
	metaLang string

	published, timeAll, timeMain, metaDate time.Time
	noIndex                                bool
}

func newHTMLExtractor() *htmlExtractor {
	return &htmlExtractor{all: newTextWriter(maxBody), main: newTextWriter(maxBody)}
}

func (x *htmlExtractor) foreign() bool { return x.skip.open() && x.svg }

func (x *htmlExtractor) start(name []byte, a atom.Atom, t tagAttrs, selfClosing bool) {
	// A self-closing tag closes only foreign elements; on an HTML element
	// the slash is ignored, as browsers do.
	void := htmlsyntax.Void(a) || (selfClosing && (a == atom.Svg || a == atom.Math))
	// A robots meta tag counts wherever it stands, in content left out of
	// the text too: missing it would index a page that asked not to be.
	if a == atom.Meta && (t.name == "robots" || t.name == "noren-search") {
		x.noIndex = x.noIndex || robotsNoIndex(t.content)
	}
	if x.skip.open() {
		if !void {
			x.skip.tag(name, +1)
		}
		return
	}
	x.inTitle = false

	switch a {
	case atom.Html:
		if x.lang == "" {
			x.lang = primaryLang(t.lang)
		}
	case atom.Meta:
		x.meta(t)
	case atom.Title:
		x.inTitle = !selfClosing
	case atom.Time:
		if d, ok := parseDate(t.datetime); ok {
			if x.timeAll.IsZero() {
				x.timeAll = d
			}
			if x.mainEl.open() && x.timeMain.IsZero() {
				x.timeMain = d
			}
		}
	}

	if !void && x.skips(a, t) {
		x.skip.enter(name)
		x.svg = a == atom.Svg
		// An inline element left out joins the text around it, as a
		// browser shows it.
		x.skipSep = block(a) || a == atom.Nav || a == atom.Aside || a == atom.Search || chromeRole(t.role)
		if x.skipSep {
			x.separate()
		}
		return
	}
	if void {
		if a == atom.Br || a == atom.Hr {
			x.separate()
		}
		return
	}
	if block(a) {
		x.separate()
	}
	if x.mainEl.open() {
		x.mainEl.tag(name, +1)
	} else if a == atom.Main || t.role == "main" {
		x.mainEl.enter(name)
		x.sawMain = true
	}
	if sectioning(a) {
		x.sections++
	}
	if level := heading(a); level > 0 {
		x.endHeading()
		if level <= 3 {
			x.heading = newTextWriter(maxHeadingLen)
			x.headingLevel = level
			x.headingInMain = x.mainEl.open()
		}
	}
}

// skips reports whether an element is left out with all it contains.
func (x *htmlExtractor) skips(a atom.Atom, t tagAttrs) bool {
	switch {
	case t.ignore, t.hidden, unread(a), chromeRole(t.role):
		return true
	case a == atom.Nav, a == atom.Aside, a == atom.Search:
		return true
	case a == atom.Header, a == atom.Footer:
		// Only the page's own banner and footer; an article's header
		// holds its heading and date.
		return x.sections == 0 && !x.mainEl.open()
	}
	return false
}

func (x *htmlExtractor) meta(t tagAttrs) {
	switch {
	case t.name == "robots" || t.name == "noren-search":
		// Read by start, wherever the tag stands.
	case t.property == "article:published_time":
		if d, ok := parseDate(t.content); ok && x.published.IsZero() {
			x.published = d
		}
	case t.name == "date" || t.name == "dcterms.date":
		if d, ok := parseDate(t.content); ok && x.metaDate.IsZero() {
			x.metaDate = d
		}
	case t.httpEquiv == "content-language":
		if x.metaLang == "" {
			x.metaLang = primaryLang(strings.Split(t.content, ",")[0])
		}
	}
}

func (x *htmlExtractor) end(name []byte, a atom.Atom) {
	if x.skip.open() {
		if x.skip.tag(name, -1) && x.skipSep {
			x.separate()
		}
		return
	}
	x.inTitle = false
	x.mainEl.tag(name, -1)
	if sectioning(a) && x.sections > 0 {
		x.sections--
	}
	if heading(a) > 0 {
		x.endHeading()
	}
	if block(a) {
		x.separate()
	}
}

func (x *htmlExtractor) text(s []byte) {
	if x.skip.open() {
		return
	}
	if x.inTitle {
		if x.title == "" {
			x.title = collapse(string(s), maxHeadingLen)
		}
		return
	}
	t := string(s)
	x.all.write(t)
	if x.mainEl.open() {
		x.main.write(t)
	}
	if x.heading != nil {
		x.heading.write(t)
	}
}

// separate ends a block of text.
func (x *htmlExtractor) separate() {
	x.all.block()
	x.main.block()
	if x.heading != nil {
		x.heading.space(gapSpace)
	}
}

func (x *htmlExtractor) endHeading() {
	if x.heading == nil {
		return
	}
	h := x.heading.String()
	x.heading = nil
	if h == "" {
		return
	}
	if len(x.headings) < maxHeadings {
		x.headings = append(x.headings, h)
	}
	if x.headingInMain && len(x.mainHeadings) < maxHeadings {
		x.mainHeadings = append(x.mainHeadings, h)
	}
	if x.headingLevel == 1 {
		if x.h1 == "" {
			x.h1 = h
		}
		if x.headingInMain && x.mainH1 == "" {
			x.mainH1 = h
		}
	}
}

// page returns what was read: the main element's content when the page has
// one, else all its content outside the skipped elements.
func (x *htmlExtractor) page() Page {
	x.endHeading()
	p := Page{
		Title:    x.title,
		Headings: x.headings,
		Body:     x.all.String(),
		Lang:     x.lang,
		Date:     x.published,
		NoIndex:  x.noIndex,
	}
	h1, timeEl := x.h1, x.timeAll
	if x.sawMain {
		p.Headings, p.Body = x.mainHeadings, x.main.String()
		h1, timeEl = x.mainH1, x.timeMain
	}
	if p.Title == "" {
		p.Title = h1
	}
	if p.Lang == "" {
		p.Lang = x.metaLang
	}
	if p.Date.IsZero() {
		p.Date = timeEl
	}
	if p.Date.IsZero() {
		p.Date = x.metaDate
	}
	return p
}

package site

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/noren-web/noren/internal/csp"
	"github.com/noren-web/noren/internal/htmlsyntax"
	"github.com/noren-web/noren/internal/i18n"
)

// rewriteConfig says what a rewrite adds to one page. Every function is
// called at most once per insertion, when the rewrite reaches its place.
type rewriteConfig struct {
	// language settles the page language from the <html lang> attribute
	// ("" when absent); it is called once, before anything that needs it.
	language func(htmlLang string) string
	// headStart is placed before the first script of the head (or with
	// head when there is none), so that it runs before the page's scripts
	// while <meta charset> and the like stay where the page put them.
	headStart func(lang string) string
	head      func(lang string) string
	footer    func(lang string) string
	// fileSize returns the size of the local file a link points to, as an
	// absolute URL path; nil when sizes are unknown.
	fileSize func(urlPath string) (int64, bool)
	// pagePath is the URL path the page was requested at, against which
	// relative links resolve.
	pagePath string
	// startTags rewrite start tags in order; see TagRewriter. Their tag
	// names are in lower case.
	startTags []TagRewriter
	// request is the request for the page, handed to startTags.
	request *http.Request
	// nonce is the response's CSP nonce, handed to startTags. The page's
	// own inline scripts and styles get it too (see fitTag).
	nonce string
	// fit gives the page's own inline scripts and styles the nonce and
	// has the code of its attributes hashed into hashes.
	fit bool
	// hashes, when not nil, collects the inline code of the page's
	// attributes for the response's Content-Security-Policy.
	hashes *csp.Hashes
	// charset is the page's charset when it is not UTF-8: what the rewrite
	// writes is encoded in it and what tag rewriters read is decoded from
	// it. Nil for UTF-8.
	charset *pageCharset
}

// rewriter copies an HTML document token by token, byte for byte, adding
// Noren's pieces where they belong. Only the current token is held in
// memory, so pages of any size stream through.
type rewriter struct {
	cfg *rewriteConfig
	z   *html.Tokenizer
	w   io.Writer
	err error

	raw  []byte // copy of the current token's source bytes
	name []byte // lower-cased tag name of the current token
	enc  []byte // what writeString last wrote, in the page's charset

	lang      string
	langKnown bool
	headDone  bool
	startDone bool // headStart written
	footDone  bool
	footName  []byte    // name of the marked element the footer ends, while it is open
	footDepth int       // open elements named footName, the marked one included
	inRawText bool      // the next text token is the content of script, style, title...
	rawAtom   atom.Atom // the element whose content that text is
	templates int       // depth of <template> elements, whose content is inert
	fileNote  string    // annotation to write after the current link's </a>

	title     string // text of the page's <title>, for startTags
	titleDone bool

	pending *pendingScript // a script start tag waiting for its text

	ends   []openEnd // open elements whose TagRewriter.End is due, innermost last
	states []any     // each tag rewriter's state for this page, made when first needed
}

// openEnd is an open element whose end a tag rewriter waits for.
type openEnd struct {
	tr    int    // index of the tag rewriter in startTags
	name  string // lower-cased tag name
	depth int    // open elements so named, this one included
}

// rewriteHTML streams the document in src to dst with cfg's insertions:
// the head snippet before </head> (or where the parser would end the head
// implicitly), the footer before </body> (or </html>, or at the end),
// file-size notes after links to local PDFs, and whatever the tag rewriters
// change or add. It returns the first error from reading src or writing dst.
func rewriteHTML(dst io.Writer, src io.Reader, cfg *rewriteConfig) error {
	rw := &rewriter{cfg: cfg, z: html.NewTokenizer(src), w: dst}
	return rw.run()
}

func (rw *rewriter) run() error {
	for rw.err == nil {
		tt := rw.z.Next()
		if tt == html.ErrorToken {
			rw.scriptText(nil)
			// A token cut off by the end of the input is still input.
			rw.write(rw.z.Raw())
			err := rw.z.Err()
			if err != io.EOF {
				return err
			}
			rw.insertHead()
			rw.endElements(0)
			rw.insertFooter()
			return rw.err
		}
		// Raw's bytes change under TagName and TagAttr, and an insertion
		// may come before them, so keep a copy.
		rw.raw = append(rw.raw[:0], rw.z.Raw()...)
		rawText := rw.inRawText
		rw.inRawText = false
		if rw.pending != nil {
			if tt == html.TextToken && rawText {
				rw.scriptText(rw.raw)
				rw.write(rw.raw)
				continue
			}
			rw.scriptText(nil)
		}
		switch tt {
		case html.TextToken:
			if rawText {
				rw.rawText()
				continue
			}
			if rw.templates == 0 && !htmlsyntax.Space(rw.raw) {
				rw.insertHead()
			}
			rw.write(rw.raw)
		case html.StartTagToken, html.SelfClosingTagToken:
			rw.startTag()
		case html.EndTagToken:
			rw.endTag()
		default:
			rw.write(rw.raw)
		}
	}
	return rw.err
}

// startTag handles a start tag: the head ends before any element that cannot
// be in it, <html lang> names the language, <a href> to a PDF gets a note,
// and the configured tag rewriters run.
func (rw *rewriter) startTag() {
	a := rw.tagAtom(1)
	if a == atom.Template {
		rw.templates++
	}
	switch a {
	case atom.Script, atom.Style, atom.Title, atom.Textarea, atom.Noscript,
		atom.Noframes, atom.Noembed, atom.Iframe, atom.Xmp, atom.Plaintext:
		rw.inRawText = true
		rw.rawAtom = a
	}
	// Attributes are read at most once: through Token when tag rewriters
	// need the whole tag, else just the one wanted, without allocating. A
	// tag whose attributes only need hashing has them hashed as the
	// tokenizer reads them, unless something below reads one of them.
	var tok *html.Token
	fit := rw.needsFit(a, rw.raw)
	switch {
	case rw.rewritable(rw.name, rw.raw) || fit && !rw.hashOnly(a, rw.raw):
		t := rw.token(rw.z, rw.raw)
		tok = &t
	case fit:
		rw.hashTagAttrs()
	}
	if a == atom.Html && !rw.langKnown {
		rw.setLanguage(rw.attr(tok, "lang"))
	}
	if !htmlsyntax.InHead(a) && rw.templates == 0 {
		rw.insertHead()
	}
	if a == atom.A {
		// A link inside a link is not valid HTML; the parser closes the
		// first, so its note goes before the second.
		rw.writeString(rw.fileNote)
		rw.fileNote = ""
		// Reading attributes allocates; most links are not to PDFs.
		if rw.cfg.fileSize != nil && containsFold(rw.raw, ".pdf") {
			rw.fileNote = rw.noteFor(rw.attr(tok, "href"))
		}
	}
	if a == atom.Script && !rw.headDone && rw.templates == 0 {
		rw.insertHeadStart()
	}
	rw.countFooterNesting(a)
	rw.countEndNesting(a)
	// The site may mark where Noren's footer goes: it becomes the last
	// content of the first element with data-noren-footer. A quick look
	// at the source spares the tags without the mark, nearly all, from
	// reading their attributes.
	footerHere := !rw.footDone && rw.footName == nil && rw.templates == 0 && !rw.inRawText &&
		a != atom.A && a != atom.Html && a != atom.Head &&
		hasFooterMark(rw.raw) && rw.hasAttr(tok, footerMark)
	if tok == nil {
		rw.write(rw.raw)
	} else {
		rw.rewriteTag(rw.name, rw.raw, tok, true)
	}
	if footerHere {
		if htmlsyntax.Void(a) {
			// An element without content marks the place itself.
			rw.insertFooter()
		} else {
			rw.footName = bytes.Clone(rw.name)
			rw.footDepth = 1
		}
	}
}

// countFooterNesting counts a start tag named like the open marked
// element, so that the footer goes before the end tag that closes the
// marked element and not a nested one. Template content is parsed apart
// from the page, so its elements are not counted.
func (rw *rewriter) countFooterNesting(a atom.Atom) {
	if rw.footName != nil && rw.templates == 0 && !htmlsyntax.Void(a) && bytes.Equal(rw.name, rw.footName) {
		rw.footDepth++
	}
}

// endFooterElement handles the current end tag while the marked element
// is open: the footer goes before the end tag that closes it.
func (rw *rewriter) endFooterElement() {
	if rw.templates > 0 || !bytes.Equal(rw.name, rw.footName) {
		return
	}
	rw.footDepth--
	if rw.footDepth == 0 {
		rw.footName = nil
		rw.insertFooter()
	}
}

// countEndNesting counts a start tag named like open elements whose End
// is due, as countFooterNesting does for the footer's element.
func (rw *rewriter) countEndNesting(a atom.Atom) {
	if len(rw.ends) == 0 || rw.templates > 0 || htmlsyntax.Void(a) {
		return
	}
	for i := range rw.ends {
		if rw.ends[i].name == string(rw.name) {
			rw.ends[i].depth++
		}
	}
}

// endTagEnds handles the current end tag while elements whose End is due
// are open: the one it closes gets its End, after those opened since,
// which a browser closes with it.
func (rw *rewriter) endTagEnds() {
	closed := -1
	for i := len(rw.ends) - 1; i >= 0; i-- {
		if e := &rw.ends[i]; e.name == string(rw.name) {
			e.depth--
			if e.depth == 0 && closed < 0 {
				closed = i
			}
		}
	}
	if closed >= 0 {
		rw.endElements(closed)
	}
}

// endElements writes what End inserts for the open elements from the
// k-th on, innermost first.
func (rw *rewriter) endElements(k int) {
	for len(rw.ends) > k {
		e := rw.ends[len(rw.ends)-1]
		rw.ends = rw.ends[:len(rw.ends)-1]
		p := rw.page()
		p.State = rw.state(e.tr)
		rw.writeString(rw.cfg.startTags[e.tr].End(p))
	}
}

// state returns the i-th tag rewriter's state for this page, making it on
// first use.
func (rw *rewriter) state(i int) any {
	tr := &rw.cfg.startTags[i]
	if tr.NewState == nil {
		return nil
	}
	if rw.states == nil {
		rw.states = make([]any, len(rw.cfg.startTags))
	}
	if rw.states[i] == nil {
		rw.states[i] = tr.NewState()
	}
	return rw.states[i]
}

// hasFooterMark reports whether a tag's source may hold footerMark, in
// any case, as an attribute name: cheaply, by looking only around the
// hyphens, which most tags have few of.
func hasFooterMark(raw []byte) bool {
	const dash = len("data") // index of the first hyphen of the mark
	// "<" and a name come before the mark: shorter tags, the most
	// common, cannot hold it.
	if len(raw) < len("<a ")+len(footerMark) {
		return false
	}
	for i := dash + 1; ; {
		j := bytes.IndexByte(raw[i:], '-')
		if j < 0 {
			return false
		}
		i += j
		if start := i - dash; start+len(footerMark) <= len(raw) && raw[i+1]|0x20 == 'n' &&
			bytes.EqualFold(raw[start:start+len(footerMark)], []byte(footerMark)) {
			return true
		}
		i++
	}
}

func (rw *rewriter) insertHeadStart() {
	if rw.startDone {
		return
	}
	rw.startDone = true
	if rw.cfg.headStart != nil {
		rw.writeString(rw.cfg.headStart(rw.language()))
	}
}

// rewritable reports whether a start tag with this lower-case name and
// source goes to a tag rewriter.
func (rw *rewriter) rewritable(name, raw []byte) bool {
	for i := range rw.cfg.startTags {
		if rw.wants(&rw.cfg.startTags[i], name, raw) {
			return true
		}
	}
	return false
}

func (rw *rewriter) wants(tr *TagRewriter, name, raw []byte) bool {
	for _, t := range tr.Tags {
		if string(name) == t {
			return tr.Maybe == nil || tr.Maybe(raw)
		}
	}
	return false
}

// rewriteTag runs the tag rewriters that want a start tag, read whole into
// tok, fits it to the Content-Security-Policy, and writes it followed by
// whatever they insert. When textFollows, the tag comes from the page's
// own token stream, and a script without src waits there for its text,
// which the inline rewriters see before the tag is written.
func (rw *rewriter) rewriteTag(name, raw []byte, tok *html.Token, textFollows bool) {
	page := rw.page()
	// The <template> start tag itself is part of the page; its content
	// is not, nor is the markup of a <noscript>.
	templates := rw.templates
	if string(name) == "template" {
		templates--
	}
	page.Inert = !textFollows || templates > 0
	changed := false
	var after []string
	for i := range rw.cfg.startTags {
		tr := &rw.cfg.startTags[i]
		if !rw.wants(tr, name, raw) {
			continue
		}
		page.State = rw.state(i)
		c, a := tr.Rewrite(page, tok)
		changed = changed || c
		if a != "" {
			after = append(after, a)
		}
		if tr.End != nil && !page.Inert && !htmlsyntax.Void(atom.Lookup(name)) {
			rw.ends = append(rw.ends, openEnd{tr: i, name: string(name), depth: 1})
		}
	}
	if textFollows && string(name) == "script" && !external(tok) && rw.inlineRewriters() {
		rw.pending = &pendingScript{name: bytes.Clone(name), raw: bytes.Clone(raw), tok: *tok, changed: changed, after: after}
		return
	}
	rw.writeTag(name, raw, tok, changed, after)
}

// writeTag writes a start tag that tag rewriters saw, fitted to the
// Content-Security-Policy, and what they insert after it.
func (rw *rewriter) writeTag(name, raw []byte, tok *html.Token, changed bool, after []string) {
	changed, spliced := rw.fitTag(name, raw, tok, changed)
	switch {
	case changed:
		rw.writeString(tok.String())
	case spliced != nil:
		rw.write(spliced)
	default:
		rw.write(raw)
	}
	for _, a := range after {
		rw.writeString(a)
	}
}

// page is what tag rewriters know of the page at this point.
func (rw *rewriter) page() Page {
	return Page{Request: rw.cfg.request, Lang: rw.language(), Title: rw.title, Nonce: rw.cfg.nonce}
}

// rawText handles the content of an element the tokenizer reads as text.
// The first <title> in the head gives the page title to tag rewriters. The
// content of <noscript> is markup to a browser that does not run scripts,
// so its start tags go to the tag rewriters too, and are fitted to the
// Content-Security-Policy.
func (rw *rewriter) rawText() {
	if len(rw.cfg.startTags) == 0 && rw.cfg.nonce == "" {
		rw.write(rw.raw)
		return
	}
	switch rw.rawAtom {
	case atom.Title:
		if !rw.titleDone && !rw.headDone && rw.templates == 0 {
			rw.title = strings.Join(strings.Fields(html.UnescapeString(rw.cfg.charset.decode(rw.raw))), " ")
			rw.titleDone = true
		}
	case atom.Noscript:
		if bytes.IndexByte(rw.raw, '<') >= 0 {
			rw.rewriteMarkup(bytes.Clone(rw.raw))
			return
		}
	}
	rw.write(rw.raw)
}

// rewriteMarkup copies the markup in src, running the tag rewriters on its
// start tags, down into nested <noscript> elements.
func (rw *rewriter) rewriteMarkup(src []byte) {
	z := html.NewTokenizer(bytes.NewReader(src))
	var name, raw []byte
	noscript := false // the next text token is the content of a <noscript>
	for rw.err == nil {
		tt := z.Next()
		if tt == html.ErrorToken {
			rw.write(z.Raw())
			return
		}
		raw = append(raw[:0], z.Raw()...)
		inNoscript := noscript
		noscript = false
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name = appendTagName(name[:0], raw, 1)
			noscript = string(name) == "noscript"
			if rw.rewritable(name, raw) || rw.needsFit(atom.Lookup(name), raw) {
				tok := rw.token(z, raw)
				rw.rewriteTag(name, raw, &tok, false)
				continue
			}
		case html.TextToken:
			if inNoscript && bytes.IndexByte(raw, '<') >= 0 {
				rw.rewriteMarkup(bytes.Clone(raw))
				continue
			}
		}
		rw.write(raw)
	}
}

// footerMark is the attribute that marks the element Noren's footer goes
// into.
const footerMark = "data-noren-footer"

// hasAttr reports whether the current tag has the attribute key, reading
// it from tok when the tag was read whole, else from the tokenizer.
func (rw *rewriter) hasAttr(tok *html.Token, key string) bool {
	if tok != nil {
		return slices.ContainsFunc(tok.Attr, func(a html.Attribute) bool { return a.Namespace == "" && a.Key == key })
	}
	_, more := rw.z.TagName()
	for more {
		var k []byte
		k, _, more = rw.z.TagAttr()
		if string(k) == key {
			return true
		}
	}
	return false
}

// attr returns the value of the current tag's attribute key, from tok when
// the tag was read whole, else from the tokenizer.
func (rw *rewriter) attr(tok *html.Token, key string) string {
	if tok != nil {
		return attr(tok, key)
	}
	_, more := rw.z.TagName()
	for more {
		var k, v []byte
		k, v, more = rw.z.TagAttr()
		if string(k) == key {
			return rw.cfg.charset.decode(v)
		}
	}
	return ""
}

// endTag handles an end tag: </head>, </body> and </html> mark insertion
// points outside templates, and </a> closes a link that may need a note.
func (rw *rewriter) endTag() {
	a := rw.tagAtom(2)
	if a == atom.Template && rw.templates > 0 {
		rw.templates--
	}
	if rw.templates > 0 && a != atom.A {
		rw.write(rw.raw)
		return
	}
	if len(rw.ends) > 0 {
		rw.endTagEnds()
	}
	if rw.footName != nil {
		rw.endFooterElement()
	}
	switch a {
	case atom.Head:
		rw.insertHead()
	case atom.Body, atom.Html:
		rw.insertHead()
		rw.endElements(0)
		rw.insertFooter()
	case atom.A:
		rw.write(rw.raw)
		rw.writeString(rw.fileNote)
		rw.fileNote = ""
		return
	}
	rw.write(rw.raw)
}

// tagAtom returns the atom of the current tag's name, read from the raw
// bytes after the first skip bytes ("<" or "</").
func (rw *rewriter) tagAtom(skip int) atom.Atom {
	rw.name = appendTagName(rw.name[:0], rw.raw, skip)
	return atom.Lookup(rw.name)
}

// appendTagName appends to dst the lower-cased name of the tag whose source
// is raw, read after its first skip bytes ("<" or "</").
func appendTagName(dst, raw []byte, skip int) []byte {
	for _, c := range raw[min(skip, len(raw)):] {
		if c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '/' || c == '>' {
			break
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func (rw *rewriter) setLanguage(htmlLang string) {
	rw.lang = rw.cfg.language(htmlLang)
	rw.langKnown = true
}

func (rw *rewriter) language() string {
	if !rw.langKnown {
		rw.setLanguage("")
	}
	return rw.lang
}

func (rw *rewriter) insertHead() {
	if rw.headDone {
		return
	}
	rw.headDone = true
	rw.insertHeadStart()
	if rw.cfg.head != nil {
		rw.writeString(rw.cfg.head(rw.language()))
	}
}

func (rw *rewriter) insertFooter() {
	if rw.footDone {
		return
	}
	rw.footDone = true
	if rw.cfg.footer != nil {
		rw.writeString(rw.cfg.footer(rw.language()))
	}
}

// containsFold reports whether b contains the lower-case ASCII string s in
// any case.
func containsFold(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if bytes.EqualFold(b[i:i+len(s)], []byte(s)) {
			return true
		}
	}
	return false
}

// noteFor returns the size note for a link, or "" when the link is not to a
// local PDF of known size.
func (rw *rewriter) noteFor(href string) string {
	p, ok := localPDF(href, rw.cfg.pagePath)
	if !ok {
		return ""
	}
	size, ok := rw.cfg.fileSize(p)
	if !ok {
		return ""
	}
	return fileSizeNote(size, rw.language())
}

func (rw *rewriter) write(b []byte) {
	if rw.err == nil && len(b) > 0 {
		_, rw.err = rw.w.Write(b)
	}
}

// writeString writes HTML of Noren's, encoding it in the page's charset.
func (rw *rewriter) writeString(s string) {
	if rw.err != nil || s == "" {
		return
	}
	if rw.cfg.charset != nil {
		rw.enc = rw.cfg.charset.appendInserted(rw.enc[:0], s)
		_, rw.err = rw.w.Write(rw.enc)
		return
	}
	_, rw.err = io.WriteString(rw.w, s)
}

// token reads the current start tag of z, whose source is raw, whole for
// the tag rewriters, with its attribute values in UTF-8 whatever the
// page's charset.
func (rw *rewriter) token(z *html.Tokenizer, raw []byte) html.Token {
	if !rw.cfg.charset.decodesTags() {
		return z.Token()
	}
	t := html.NewTokenizer(strings.NewReader(rw.cfg.charset.decode(raw)))
	t.Next()
	return t.Token()
}

// attr returns the value of a token's attribute, or "".
func attr(tok *html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// localPDF resolves a link to a PDF on the same site against the path of
// the page it is on, returning the absolute URL path. Links with a scheme or
// host point elsewhere and are not local.
func localPDF(href, pagePath string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.Path == "" {
		return "", false
	}
	if !strings.HasSuffix(strings.ToLower(u.Path), ".pdf") {
		return "", false
	}
	p := u.Path
	if !strings.HasPrefix(p, "/") {
		dir := pagePath
		if !strings.HasSuffix(dir, "/") {
			dir = path.Dir(dir)
		}
		p = path.Join("/", dir, p)
	}
	return path.Clean(p), true
}

// fileSizeNote formats the note that follows a link to a PDF, in the page's
// language: " (PDF, 1.2 MB)" or "（PDF：1.2MB）". A space that sets the note
// off from the link, which full-width brackets do without, stays outside
// the span so that styling the span leaves it alone.
func fileSizeNote(size int64, lang string) string {
	n, unit := humanSize(size)
	note := i18n.T(i18n.Lang(lang), "site.pdf_size", n, unit)
	text := strings.TrimLeft(note, " ")
	return note[:len(note)-len(text)] + `<span class="noren-filesize">` + html.EscapeString(text) + `</span>`
}

// humanSize renders a byte count in binary units the way document links
// usually show it: whole kilobytes, megabytes and gigabytes with one decimal.
func humanSize(size int64) (number, unit string) {
	const (
		kb = 1 << 10
		mb = 1 << 20
		gb = 1 << 30
	)
	switch {
	case size < mb:
		return strconv.FormatInt(max(1, (size+kb-1)/kb), 10), "KB"
	case size < gb:
		return strconv.FormatFloat(float64(size)/mb, 'f', 1, 64), "MB"
	default:
		return strconv.FormatFloat(float64(size)/gb, 'f', 1, 64), "GB"
	}
}

package search

import (
	"strings"

	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/simple"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Field names in the index. Text is indexed once per analyzer that can read
// it: _ja (kagome words), _bg (character pairs) and _en (English stems).
const (
	fieldPath    = "path"
	fieldTitle   = "title"
	fieldBody    = "body"
	fieldLang    = "lang"
	fieldSection = "section"
	fieldType    = "type"
	fieldDate    = "date"
	fieldVersion = "version"
	fieldTitleJA = "title_ja"
	fieldHeadJA  = "headings_ja"
	fieldBodyJA  = "body_ja"
	fieldTitleBG = "title_bg"
	fieldHeadBG  = "headings_bg"
	fieldBodyBG  = "body_bg"
	fieldTitleEN = "title_en"
	fieldHeadEN  = "headings_en"
	fieldBodyEN  = "body_en"
	// fieldReading holds the kana readings of the Japanese words of title,
	// headings and body, for kanji words typed in kana.
	fieldReading = "reading"
	// fieldWordsEN holds the English words of title, headings and body as
	// written (lower-cased, not stemmed): typo tolerance and "did you mean"
	// compare what was typed with words, since stems stray from them
	// ("incubation" is "incub").
	fieldWordsEN = "words_en"
)

// storedBodyMax caps the body kept for snippets; the whole body is indexed.
const storedBodyMax = 64 << 10

// indexedBodyMax caps the body analysed: a page longer than this is a
// document dump whose tail adds little but time.
const indexedBodyMax = 1 << 20

func newMapping() mapping.IndexMapping {
	text := func(analyzer string) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = true // phrase queries need positions
		f.DocValues = false
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = true // facets
		return f
	}
	doc := mapping.NewDocumentStaticMapping()
	add := func(name string, f *mapping.FieldMapping) { doc.AddFieldMappingsAt(name, f) }
	add(fieldPath, kw())
	add(fieldTitle, stored())
	add(fieldBody, stored())
	add(fieldVersion, stored())
	add(fieldLang, kw())
	add(fieldSection, kw())
	add(fieldType, kw())
	date := mapping.NewDateTimeFieldMapping()
	date.Store = true
	date.IncludeInAll = false
	add(fieldDate, date)
	for _, f := range []string{fieldTitleJA, fieldHeadJA, fieldBodyJA} {
		add(f, text(AnalyzerJapanese))
	}
	for _, f := range []string{fieldTitleBG, fieldHeadBG, fieldBodyBG} {
		add(f, text(AnalyzerBigram))
	}
	for _, f := range []string{fieldTitleEN, fieldHeadEN, fieldBodyEN} {
		add(f, text(AnalyzerEnglish))
	}
	reading := text(AnalyzerReading)
	// Readings are matched as whole terms, never as phrases: positions
	// would only cost space.
	reading.IncludeTermVectors = false
	add(fieldReading, reading)
	words := text(simple.Name)
	words.IncludeTermVectors = false // only its dictionary is read
	add(fieldWordsEN, words)

	m := mapping.NewIndexMapping()
	m.DefaultMapping = doc
	m.DefaultAnalyzer = keyword.Name
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m
}

// fields turns a document into what the mapping indexes. Each text is
// given to the Japanese analyzers when it has Japanese script and to the
// English one when it has Latin letters or digits (with the Japanese blanked
// out), whatever the page's declared language: a Japanese page naming a
// programme in English is found in English, and the other way round.
func fields(doc Document, version string) map[string]any {
	m := map[string]any{
		fieldPath:    doc.Path,
		fieldTitle:   doc.Title,
		fieldBody:    truncateUTF8(doc.Body, storedBodyMax),
		fieldVersion: version,
		fieldLang:    doc.Lang,
		fieldSection: doc.Section,
		fieldType:    doc.Type,
	}
	if !doc.Date.IsZero() {
		m[fieldDate] = doc.Date
	}
	heads := joinHeadings(doc.Headings)
	body := truncateUTF8(doc.Body, indexedBodyMax)
	var words, jaText []string
	for _, t := range []struct {
		text       string
		ja, bg, en string
	}{
		{doc.Title, fieldTitleJA, fieldTitleBG, fieldTitleEN},
		{heads, fieldHeadJA, fieldHeadBG, fieldHeadEN},
		{body, fieldBodyJA, fieldBodyBG, fieldBodyEN},
	} {
		if t.text == "" {
			continue
		}
		if hasCJK(t.text) {
			m[t.ja] = t.text
			m[t.bg] = t.text
			jaText = append(jaText, t.text)
		}
		if hasLatin(t.text) {
			en := latinOnly(normalize(t.text))
			m[t.en] = en
			words = append(words, en)
		}
	}
	if len(jaText) > 0 {
		// The same texts as the Japanese fields, so their words are
		// split once for both.
		m[fieldReading] = jaText
	}
	if len(words) > 0 {
		m[fieldWordsEN] = strings.Join(words, "\n")
	}
	return m
}

// joinHeadings puts headings one to a line so a phrase never runs from one
// heading into the next.
func joinHeadings(h []string) string {
	return strings.Join(h, "\n")
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

package search

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/keyword" // the keyword fields' analyzer
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en"          // English: stems and stop words
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
)

// Names of the analyzers registered with bleve.
const (
	// AnalyzerJapanese splits Japanese text into words with kagome.
	AnalyzerJapanese = "noren_ja"
	// AnalyzerBigram splits Japanese text into overlapping character
	// pairs, the recall fallback for words the dictionary lacks.
	AnalyzerBigram = "noren_bigram"
	// AnalyzerReading indexes the kana readings of Japanese words, so a
	// kanji word typed in kana (ほじょきん for 補助金) finds it.
	AnalyzerReading = "noren_reading"
	// AnalyzerEnglish is bleve's English analyzer.
	AnalyzerEnglish = "en"

	tokenizerJapanese = "noren_kagome"
	tokenizerBigram   = "noren_bigram"
	tokenizerReading  = "noren_reading"
)

// maxChunkRunes bounds what kagome reads at once: its lattice grows with
// the input, and sentences rarely run longer.
const maxChunkRunes = 400

func init() {
	// bleve's analysis registry is global by design; registering here is
	// the one piece of package state.
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(registry.RegisterTokenizer(tokenizerJapanese, func(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
		return &japaneseTokenizer{memo: map[string][]jaToken{}}, nil
	}))
	must(registry.RegisterTokenizer(tokenizerBigram, func(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
		return bigramTokenizer{}, nil
	}))
	must(registry.RegisterTokenizer(tokenizerReading, func(_ map[string]interface{}, cache *registry.Cache) (analysis.Tokenizer, error) {
		// The cache is the mapping's: this is the Japanese fields' own
		// tokenizer, whose words of a text the readings reuse.
		t, err := cache.TokenizerNamed(tokenizerJapanese)
		if err != nil {
			return nil, err
		}
		ja, ok := t.(*japaneseTokenizer)
		if !ok {
			return nil, fmt.Errorf("tokenizer %s is a %T", tokenizerJapanese, t)
		}
		return readingTokenizer{ja: ja}, nil
	}))
	for name, tok := range map[string]string{
		AnalyzerJapanese: tokenizerJapanese,
		AnalyzerBigram:   tokenizerBigram,
		AnalyzerReading:  tokenizerReading,
	} {
		must(registry.RegisterAnalyzer(name, func(_ map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
			t, err := cache.TokenizerNamed(tok)
			if err != nil {
				return nil, err
			}
			return &analysis.DefaultAnalyzer{Tokenizer: t}, nil
		}))
	}
}

var kagome struct {
	once sync.Once
	t    *tokenizer.Tokenizer
}

// Preload loads the Japanese dictionary (about a second and 30 MiB) so the
// first Japanese page or query does not wait for it. Call it in a goroutine
// at start-up; without it the dictionary loads on first use.
func Preload() {
	kagomeTokenizer()
}

func kagomeTokenizer() *tokenizer.Tokenizer {
	kagome.once.Do(func() {
		t, err := tokenizer.New(ipa.Dict(), tokenizer.OmitBosEos())
		if err != nil {
			// Only a nil dictionary fails, and the embedded one is not nil.
			panic("search: japanese dictionary: " + err.Error())
		}
		kagome.t = t
	})
	return kagome.t
}

// jaToken is one word of Japanese text as the index sees it.
type jaToken struct {
	Term     string // base form (else surface), kana folded
	Surface  string // as written in the normalised text
	Reading  string // in hiragana; "" when the dictionary lacks a kanji word
	Unknown  bool   // the dictionary lacks the word
	Position int    // 1-based; dropped particles still take a position
	Start    int    // byte offsets in the normalised text
	End      int
}

// analyzeJapanese splits normalised text into words: kagome in search mode,
// base forms, particles, auxiliary verbs, symbols and blanks dropped, kana
// folded after tokenising.
func analyzeJapanese(normalized string) []jaToken {
	if normalized == "" {
		return nil
	}
	t := kagomeTokenizer()
	var out []jaToken
	pos := 0
	for off, chunk := range chunks(normalized) {
		for _, k := range t.Analyze(chunk, tokenizer.Search) {
			if k.Class == tokenizer.DUMMY {
				continue
			}
			pos++
			if strings.TrimSpace(k.Surface) == "" {
				continue
			}
			p := k.POS()
			if len(p) > 0 && (p[0] == "助詞" || p[0] == "助動詞" || p[0] == "記号") {
				continue
			}
			if !hasWordRune(k.Surface) {
				continue
			}
			term := k.Surface
			if k.Class == tokenizer.KNOWN {
				if base, ok := k.FeatureAt(ipa.BaseForm); ok && base != "*" && base != "" {
					term = base
				}
			}
			reading := ""
			if r, ok := k.FeatureAt(ipa.Reading); ok && r != "*" && k.Class == tokenizer.KNOWN {
				reading = foldKana(r)
			} else if allKana(k.Surface) {
				reading = foldKana(k.Surface)
			}
			out = append(out, jaToken{
				Term:     foldKana(term),
				Surface:  k.Surface,
				Reading:  reading,
				Unknown:  k.Class == tokenizer.UNKNOWN,
				Position: pos,
				Start:    off + k.Position,
				End:      off + k.Position + len(k.Surface),
			})
		}
		pos++ // a sentence break: phrases do not span it
	}
	return out
}

// chunks cuts text into sentences of at most maxChunkRunes runes, keyed by
// their byte offset, preferring sentence ends, then line breaks and spaces.
func chunks(s string) func(yield func(int, string) bool) {
	return func(yield func(int, string) bool) {
		start, runes, lastSpace := 0, 0, -1
		for i, r := range s {
			runes++
			end := i + utf8.RuneLen(r)
			switch r {
			case '。', '!', '?', '\n', '．':
				if !yield(start, s[start:end]) {
					return
				}
				start, runes, lastSpace = end, 0, -1
				continue
			}
			if unicode.IsSpace(r) {
				lastSpace = end
			}
			if runes >= maxChunkRunes {
				cut := end
				if lastSpace > start {
					cut = lastSpace
				}
				if !yield(start, s[start:cut]) {
					return
				}
				start, runes, lastSpace = cut, utf8.RuneCountInString(s[cut:end]), -1
			}
		}
		if start < len(s) {
			yield(start, s[start:])
		}
	}
}

func hasWordRune(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// memoSize bounds the texts whose words are kept for the reading field.
// A document's fields are analysed one after the other, so a handful per
// concurrent batch worker is enough.
const memoSize = 64

// japaneseTokenizer adapts analyzeJapanese to bleve. It keeps the words of
// the texts it split until the reading field asks for them: every Japanese
// text is indexed in both, and kagome is most of the cost of indexing.
type japaneseTokenizer struct {
	mu   sync.Mutex
	memo map[string][]jaToken
}

func (t *japaneseTokenizer) Tokenize(input []byte) analysis.TokenStream {
	toks := t.words(input)
	out := make(analysis.TokenStream, 0, len(toks))
	for _, t := range toks {
		out = append(out, &analysis.Token{
			Term:     []byte(t.Term),
			Start:    t.Start,
			End:      t.End,
			Position: t.Position,
			Type:     analysis.Ideographic,
		})
	}
	return out
}

// words splits input, from the memo when the other field split it
// already, else leaving the result there for the other field.
func (t *japaneseTokenizer) words(input []byte) []jaToken {
	t.mu.Lock()
	toks, ok := t.memo[string(input)]
	if ok {
		delete(t.memo, string(input))
	}
	t.mu.Unlock()
	if ok {
		return toks
	}
	toks = analyzeJapanese(normalize(string(input)))
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.memo) >= memoSize {
		for k := range t.memo {
			delete(t.memo, k) // any one: a stale entry costs only a re-split
			break
		}
	}
	t.memo[string(input)] = toks
	return toks
}

// maxReadingWords is the longest run of words whose joined reading is
// indexed: 補助金 is split into 補助 and 金, and someone typing ほじょきん
// means the pair. Runs of three cover most compounds a reader types.
const maxReadingWords = 3

// readingTokenizer indexes the readings of runs of one to maxReadingWords
// adjacent words, each run as one term at its first word's position. Runs
// stop at dropped words (particles) and words without a reading, so a
// reading matches only whole words: きょうと is 京都, never the tail of
// 東京都 (とうきょう + と). Runs of kana only are left out: the other
// fields find those as written.
type readingTokenizer struct{ ja *japaneseTokenizer }

func (t readingTokenizer) Tokenize(input []byte) analysis.TokenStream {
	return readings(t.ja.words(input))
}

func readings(toks []jaToken) analysis.TokenStream {
	var out analysis.TokenStream
	for i := range toks {
		var b strings.Builder
		han := false
		for n := 0; n < maxReadingWords && i+n < len(toks); n++ {
			t := toks[i+n]
			if t.Reading == "" || (n > 0 && t.Position != toks[i+n-1].Position+1) {
				break
			}
			b.WriteString(t.Reading)
			han = han || hasHan(t.Surface)
			if !han {
				continue
			}
			out = append(out, &analysis.Token{
				Term:     []byte(b.String()),
				Start:    toks[i].Start,
				End:      t.End,
				Position: toks[i].Position,
				Type:     analysis.Ideographic,
			})
		}
	}
	return out
}

// bigramTokenizer indexes runs of Japanese script as overlapping character
// pairs (a lone character as itself), after normalising and folding kana.
// Other text is left to the other analyzers.
type bigramTokenizer struct{}

func (bigramTokenizer) Tokenize(input []byte) analysis.TokenStream {
	return bigrams(foldKana(normalize(string(input))))
}

func bigrams(s string) analysis.TokenStream {
	var out analysis.TokenStream
	pos := 0
	// prevStart is the offset of the current run's last rune, runLen the
	// run's length so far.
	prevStart, runLen := -1, 0
	emit := func(start, end int) {
		pos++
		out = append(out, &analysis.Token{
			Term:     []byte(s[start:end]),
			Start:    start,
			End:      end,
			Position: pos,
			Type:     analysis.Ideographic,
		})
	}
	flush := func(end int) {
		if runLen == 1 {
			emit(prevStart, end)
		}
		if runLen > 0 {
			pos++ // a gap, so phrases do not join separate runs
		}
		prevStart, runLen = -1, 0
	}
	for i, r := range s {
		if !isCJK(r) {
			flush(i)
			continue
		}
		if runLen > 0 {
			emit(prevStart, i+utf8.RuneLen(r))
		}
		prevStart = i
		runLen++
	}
	flush(len(s))
	return out
}

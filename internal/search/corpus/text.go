package corpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// filler writes the sentences of one page, filling the slots of templates
// with words drawn from the page's own stream.
type filler struct {
	r    *rand.Rand
	lang string
	date time.Time // the page's publication date, which event dates follow
	// used counts the templates a page has used, so that a page seldom
	// says the same thing twice; nil for titles.
	used map[string]int
	// features are what only some pages mention, with the share of pages
	// given in drawFeatures; nil for titles, which mention none of them.
	features map[string]bool
}

// drawFeatures decides what a page mentions besides its common words, so
// that the benchmarks' queries have a known, small share of the pages to
// find: Tokyo on about 40 % of the pages, Kyoto on 3 %, the unknown
// product names on 2 %, the kana variants on 3 %, half-width katakana on
// 10 %, subsidies on 25 %.
func drawFeatures(r *rand.Rand) map[string]bool {
	f := map[string]bool{}
	switch n := r.IntN(100); {
	case n < 40:
		f["tokyo"] = true
	case n < 43:
		f["kyoto"] = true
	}
	f["product"] = r.IntN(50) == 0
	f["variant"] = r.IntN(100) < 3
	f["half"] = r.IntN(10) == 0
	f["subsidy"] = r.IntN(4) == 0
	return f
}

// featureSentences are the sentences that a page with some features says
// in its first paragraph, so that each of them appears at least once.
func (f filler) featureSentences() []string {
	templates := enSentences
	if f.lang == "ja" {
		templates = jaSentences
	}
	var out []string
	for _, name := range []string{"tokyo", "kyoto", "product", "variant", "half", "subsidy"} {
		if !f.features[name] {
			continue
		}
		var own []string
		for _, t := range templates {
			if strings.HasPrefix(t, name+"|") {
				own = append(own, t)
			}
		}
		if len(own) > 0 {
			t := pick(f.r, own)
			f.used[t]++
			out = append(out, f.fill(t[len(name)+1:]))
		}
	}
	return out
}

// pick draws one element of list.
func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// heading draws a section heading.
func (f filler) heading() string {
	if f.lang == "ja" {
		if f.r.IntN(4) == 0 {
			return pick(f.r, jaTopics) + "の" + pick(f.r, jaHeadings)
		}
		return pick(f.r, jaHeadings)
	}
	return pick(f.r, enHeadings)
}

// paragraph draws n sentences; Japanese runs them together without
// spaces, as Japanese is written.
func (f filler) paragraph(n int) string {
	templates := enSentences
	if f.lang == "ja" {
		templates = jaSentences
	}
	parts := make([]string, n)
	for i := range parts {
		t := f.template(templates)
		parts[i] = f.fill(t)
	}
	if f.lang == "ja" {
		return strings.Join(parts, "")
	}
	return articles(strings.Join(parts, " "))
}

// articles writes "an" before a vowel where a template had "a".
func articles(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, " a ")
		if i < 0 || i+3 >= len(s) {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		if strings.IndexByte("aeiouAEIOU", s[i+3]) >= 0 {
			b.WriteString(" an ")
		} else {
			b.WriteString(" a ")
		}
		s = s[i+3:]
	}
}

// template draws a sentence template the page may use, preferring one it
// has not used yet, and strips its feature.
func (f filler) template(templates []string) string {
	for try := 0; ; try++ {
		t := pick(f.r, templates)
		if feature, rest, ok := strings.Cut(t, "|"); ok {
			if !f.features[feature] {
				continue
			}
			t = rest
		}
		if f.used[t] > 0 && try < 5 {
			continue
		}
		f.used[t]++
		return t
	}
}

// table writes a list of documents, as the files section has, and returns
// the length of its text.
func (f filler) table(b *strings.Builder) int {
	start := b.Len()
	if f.lang == "ja" {
		b.WriteString("<table>\n<tr><th>資料名</th><th>形式</th><th>サイズ</th></tr>\n")
		for range 2 + f.r.IntN(4) {
			fmt.Fprintf(b, "<tr><td>%s%s</td><td>PDF</td><td>%d.%dMB</td></tr>\n",
				pick(f.r, jaTopics), pick(f.r, jaDocs), f.r.IntN(5), f.r.IntN(10))
		}
	} else {
		b.WriteString("<table>\n<tr><th>Document</th><th>Format</th><th>Size</th></tr>\n")
		for range 2 + f.r.IntN(4) {
			fmt.Fprintf(b, "<tr><td>%s %s</td><td>PDF</td><td>%d.%d MB</td></tr>\n",
				capitalise(pick(f.r, enTopics)), pick(f.r, enDocs), f.r.IntN(5), f.r.IntN(10))
		}
	}
	b.WriteString("</table>\n")
	return (b.Len() - start) / 2 // about half of it is markup
}

// fill replaces each {slot} of a template with a drawn word.
func (f filler) fill(tmpl string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:open])
		b.WriteString(f.slot(tmpl[open+1 : open+end]))
		tmpl = tmpl[open+end+1:]
	}
}

// slot draws the word for one slot; a capitalised name capitalises the
// word, as at the start of an English sentence.
func (f filler) slot(name string) string {
	first, _ := utf8.DecodeRuneInString(name)
	if unicode.IsUpper(first) {
		return capitalise(f.slot(strings.ToLower(name)))
	}
	r := f.r
	ja := f.lang == "ja"
	switch name {
	case "topic":
		if ja {
			return pick(r, jaTopics)
		}
		return pick(r, enTopics)
	case "org":
		if ja {
			return f.regional(jaOrgs, jaTokyoOrgs, jaKyotoOrgs)
		}
		return pick(r, enOrgs)
	case "place":
		if ja {
			return f.regional(jaPlaces, jaTokyoPlaces, jaKyotoPlaces)
		}
		return pick(r, enPlaces)
	case "facility":
		if ja {
			return f.regional(jaFacilities, jaTokyoFacilities, jaKyotoFacilities)
		}
		return pick(r, enFacilities)
	case "dept":
		if ja {
			return pick(r, jaDepts)
		}
		return pick(r, enDepts)
	case "people":
		if ja {
			return pick(r, jaPeople)
		}
		return pick(r, enPeople)
	case "doc":
		if ja {
			return pick(r, jaDocs)
		}
		return pick(r, enDocs)
	case "verb":
		if ja {
			return pick(r, jaVerbs)
		}
		return pick(r, enVerbs)
	case "loan":
		return pick(r, jaLoanwords)
	case "half":
		return pick(r, jaHalfWidth)
	case "variant":
		return pick(r, jaKanaVariants)
	case "product":
		if ja {
			return pick(r, jaProducts)
		}
		return pick(r, []string{"MinatoPay", "BayLinks", "Kanameruno", "Harbario"})
	case "event":
		if ja {
			return pick(r, jaEvents)
		}
		return pick(r, enEvents)
	case "date":
		d := f.date.AddDate(0, 0, r.IntN(90))
		if ja {
			return jaDate(d)
		}
		return enDate(d)
	case "md":
		return fmt.Sprintf("%d月%d日", f.date.Month(), f.date.Day())
	case "weekday":
		return pick(r, jaWeekdays)
	case "hour":
		return fmt.Sprint(9 + r.IntN(10))
	case "era":
		return fmt.Sprint(f.date.Year() - 2018)
	case "year":
		return fmt.Sprint(f.date.Year())
	case "num":
		return fmt.Sprint(10 + r.IntN(490))
	case "small":
		return fmt.Sprint(1 + r.IntN(5))
	case "phone":
		if r.IntN(4) == 0 {
			return "０３－００００－" + toFullWidth(fmt.Sprintf("%04d", r.IntN(10000)))
		}
		return fmt.Sprintf("03-0000-%04d", r.IntN(10000))
	}
	return name
}

// regional draws from common, or now and then from the list of the
// region the page mentions.
func (f filler) regional(common, tokyo, kyoto []string) string {
	switch {
	case f.features["tokyo"] && f.r.IntN(4) == 0:
		return pick(f.r, tokyo)
	case f.features["kyoto"] && f.r.IntN(4) == 0:
		return pick(f.r, kyoto)
	}
	return pick(f.r, common)
}

// capitalise puts the first letter in upper case.
func capitalise(s string) string {
	c, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(c)) + s[n:]
}

// toFullWidth writes ASCII digits as the full-width digits some Japanese
// pages use.
func toFullWidth(s string) string {
	return strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c - '0' + '０'
		}
		return c
	}, s)
}

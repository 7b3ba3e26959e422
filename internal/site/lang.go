package site

import (
	"net/http"
	"strconv"
	"strings"
)

// maxLanguageRanges bounds how many entries of an Accept-Language header are
// read; browsers send fewer than ten.
const maxLanguageRanges = 32

// languageRange is one entry of an Accept-Language header.
type languageRange struct {
	tag string // lower-cased language range, "*" for any
	q   float64
}

// parseAcceptLanguage reads an Accept-Language header (RFC 9110 section
// 12.5.4) in order. Entries with a malformed weight are dropped.
func parseAcceptLanguage(header string) []languageRange {
	var ranges []languageRange
	for part := range strings.SplitSeq(header, ",") {
		if len(ranges) == maxLanguageRanges {
			break
		}
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if tag == "" {
			continue
		}
		q, ok := parseWeight(params)
		if !ok {
			continue
		}
		ranges = append(ranges, languageRange{tag: tag, q: q})
	}
	return ranges
}

// parseWeight reads the q parameter out of the parameters that follow a
// value in an Accept-* header. A missing weight is 1.
func parseWeight(params string) (float64, bool) {
	q := 1.0
	for p := range strings.SplitSeq(params, ";") {
		name, value, found := strings.Cut(strings.TrimSpace(p), "=")
		if !found || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || v < 0 || v > 1 {
			return 0, false
		}
		q = v
	}
	return q, true
}

// NegotiateLanguage picks the best of langs for an Accept-Language header.
// A range matches a language exactly or by its primary subtag ("ja-JP"
// selects "ja"); an exact match outranks a subtag match, and "*" covers
// languages named nowhere else. Among equal weights the range listed first
// wins, then def, then the order of langs. Without any acceptable language
// the answer is def.
func NegotiateLanguage(header string, langs []string, def string) string {
	ranges := parseAcceptLanguage(header)
	best, bestQ, bestPos := def, 0.0, len(ranges)
	for _, lang := range langs {
		q, pos, ok := languageWeight(ranges, strings.ToLower(lang))
		if !ok || q <= 0 {
			continue
		}
		better := q > bestQ ||
			q == bestQ && pos < bestPos ||
			q == bestQ && pos == bestPos && lang == def && best != def
		if bestQ == 0 || better {
			best, bestQ, bestPos = lang, q, pos
		}
	}
	return best
}

// languageWeight returns the weight the ranges give lang and the position of
// the range that decided it.
func languageWeight(ranges []languageRange, lang string) (q float64, pos int, ok bool) {
	const (
		none = iota
		wildcard
		prefix
		exact
	)
	strength := none
	for i, r := range ranges {
		s := none
		switch {
		case r.tag == lang:
			s = exact
		case strings.HasPrefix(r.tag, lang+"-"), strings.HasPrefix(lang, r.tag+"-"):
			s = prefix
		case r.tag == "*":
			s = wildcard
		}
		if s == none || s < strength || s == strength && r.q <= q {
			continue
		}
		strength, q, pos = s, r.q, i
	}
	return q, pos, strength != none
}

// pathLanguage returns the language named by the first segment of a URL
// path ("/en/news/" and "/en" are "en"), if it is one of langs.
func pathLanguage(urlPath string, langs []string) string {
	seg := strings.TrimPrefix(urlPath, "/")
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg = seg[:i]
	}
	for _, l := range langs {
		if seg == l {
			return l
		}
	}
	return ""
}

// matchLanguage maps a language tag such as "ja-JP" to one of langs, or "".
func matchLanguage(tag string, langs []string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	for _, l := range langs {
		ll := strings.ToLower(l)
		if tag == ll || strings.HasPrefix(tag, ll+"-") {
			return l
		}
	}
	return ""
}

// addVary adds a field name to the Vary header unless it is listed already.
func addVary(h http.Header, field string) {
	for _, v := range h.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, field) {
				return
			}
		}
	}
	h.Add("Vary", field)
}

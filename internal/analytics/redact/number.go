package redact

// Digits a run needs to be a number: always at least alwaysDigits, and at
// least phoneDigits when it is written as phone numbers are.
const (
	phoneDigits  = 10
	alwaysDigits = 12
)

// maxSeparators bounds the characters between two groups of a run, as in
// "(03) 1234" or "03 - 1234".
const maxSeparators = 3

// isSeparator reports whether c may stand between the groups of a number.
func isSeparator(c byte) bool { return c == ' ' || c == '-' || c == '(' || c == ')' }

// group is a run of digits, v[start:end].
type group struct{ start, end int }

// findNumbers appends the long digit runs in v to spans.
func findNumbers(v string, spans []span) []span {
	var buf [8]group
	for i := 0; i < len(v); {
		if !isDigit(v[i]) {
			i++
			continue
		}
		groups := buf[:0]
		end := i
		for {
			start := end
			for end < len(v) && isDigit(v[end]) {
				end++
			}
			groups = append(groups, group{start, end})
			next := end
			for next < len(v) && next-end < maxSeparators && isSeparator(v[next]) {
				next++
			}
			if next == end || next == len(v) || !isDigit(v[next]) {
				break
			}
			end = next
		}
		// A word joined to the run takes the run's first or last
		// token (its groups up to a space) with it.
		lo, hi := 0, len(groups)
		if joinedBefore(v, i) {
			for lo < hi {
				lo++
				if lo < hi && spaced(v, groups[lo-1], groups[lo]) {
					break
				}
			}
		}
		if joinedAfter(v, end) {
			for hi > lo {
				hi--
				if hi > lo && spaced(v, groups[hi-1], groups[hi]) {
					break
				}
			}
		}
		spans = numbers(v, groups[lo:hi], lo == 0, spans)
		i = end
	}
	return spans
}

// spaced reports whether a space stands between two groups of a run.
func spaced(v string, a, b group) bool {
	for i := a.end; i < b.start; i++ {
		if v[i] == ' ' {
			return true
		}
	}
	return false
}

// joinedBefore reports whether the run starting at v[i] continues a word,
// such as an identifier ("a716-446655440000", "order_1234567890"), or a
// decimal number ("0.1234567890123").
func joinedBefore(v string, i int) bool {
	if i == 0 {
		return false
	}
	c := v[i-1]
	return isLetter(c) || c == '_' || c == '.' && i > 1 && isDigit(v[i-2])
}

// joinedAfter reports whether the run ending at v[i] runs on into a word
// or a decimal fraction.
func joinedAfter(v string, i int) bool {
	if i == len(v) {
		return false
	}
	c := v[i]
	return isLetter(c) || c == '_' || c == '.' && i+1 < len(v) && isDigit(v[i+1])
}

// numbers appends the numbers among the groups of one run to spans. Dates
// written YYYY-MM-DD break the run and are kept. lead tells whether the
// groups begin the run.
func numbers(v string, groups []group, lead bool, spans []span) []span {
	first := 0
	for g := 0; g < len(groups); g++ {
		if isDate(v, groups[g:]) {
			spans = number(v, groups[first:g], lead && first == 0, spans)
			g += 2
			first = g + 1
		}
	}
	return number(v, groups[first:], lead && first == 0, spans)
}

// number appends the groups as one number to spans when they are one.
// lead tells whether the first group begins the run, so that a "+" or "("
// before it belongs to the number.
func number(v string, groups []group, lead bool, spans []span) []span {
	if len(groups) == 0 {
		return spans
	}
	digits := 0
	for _, g := range groups {
		digits += g.end - g.start
	}
	start, end := groups[0].start, groups[len(groups)-1].end
	if lead && start > 0 && (v[start-1] == '+' || v[start-1] == '(') {
		start--
	}
	phone := v[start] == '0' || v[start] == '+' || v[start] == '(' || len(groups) > 1
	if digits >= alwaysDigits || digits >= phoneDigits && phone {
		spans = append(spans, span{start, end, Number})
	}
	return spans
}

// isDate reports whether the first three groups are a date written
// YYYY-MM-DD (the month and day may have one digit).
func isDate(v string, groups []group) bool {
	if len(groups) < 3 {
		return false
	}
	y, m, d := groups[0], groups[1], groups[2]
	if y.end-y.start != 4 || m.end-m.start > 2 || d.end-d.start > 2 ||
		v[y.end:m.start] != "-" || v[m.end:d.start] != "-" {
		return false
	}
	year, month, day := atoi(v[y.start:y.end]), atoi(v[m.start:m.end]), atoi(v[d.start:d.end])
	return year >= 1000 && year <= 2999 && month >= 1 && month <= 12 && day >= 1 && day <= 31
}

// atoi reads a run of at most four decimal digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

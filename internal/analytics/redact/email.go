package redact

// findEmails appends the e-mail addresses in v to spans.
func findEmails(v string, spans []span) []span {
	low := 0
	for i := 0; i < len(v); i++ {
		if v[i] != '@' {
			continue
		}
		end := domainEnd(v, i+1)
		if end < 0 {
			continue
		}
		start := i
		for start > low && isLocal(v[start-1]) {
			start--
		}
		spans = append(spans, span{start, end, Email})
		low = end
		i = end - 1
	}
	return spans
}

// domainEnd returns the end of the longest domain starting at v[i] whose
// labels are ASCII letters, digits and hyphens, with two labels at least
// and a last label of two letters or more; or -1 when there is none.
func domainEnd(v string, i int) int {
	end, labels := -1, 0
	for {
		start := i
		letters := true
		for i < len(v) && isLabel(v[i]) {
			letters = letters && isLetter(v[i])
			i++
		}
		if i == start {
			return end
		}
		labels++
		if labels >= 2 && letters && i-start >= 2 {
			end = i
		}
		if i >= len(v) || v[i] != '.' {
			return end
		}
		i++
	}
}

// isLabel reports whether c may be part of a domain label.
func isLabel(c byte) bool { return isLetter(c) || isDigit(c) || c == '-' }

// isLocal reports whether c may be part of an e-mail address's local part
// as people write it; the rarer characters the standard allows are left
// out so that a path or a query before the address is kept.
func isLocal(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '.' || c == '_' || c == '+' || c == '-'
}

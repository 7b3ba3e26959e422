package redact

import "strings"

// findAgents appends the user-agent strings in v to spans.
func findAgents(v string, spans []span) []span {
	low := 0
	for i := 1; i+1 < len(v); i++ {
		if v[i] != '/' || !isDigit(v[i+1]) {
			continue
		}
		start := i
		for start > low && isName(v[start-1]) {
			start--
		}
		if start == i || !isLetter(v[start]) {
			continue
		}
		name := v[start:i]
		version := versionEnd(v, i+1)
		afterSlash := start > 0 && v[start-1] == '/'
		var agent bool
		switch {
		case strings.EqualFold(name, "Mozilla") || strings.EqualFold(name, "Opera"):
			agent = true
		case afterSlash:
			agent = false
		case knownClient(name):
			agent = true
		default:
			agent = continues(v, version)
		}
		if !agent {
			continue
		}
		end := agentEnd(v, version)
		spans = append(spans, span{start, end, Agent})
		low = end
		i = end - 1
	}
	return spans
}

// knownClient reports whether name is an HTTP client or library whose
// user agent is a single product token.
func knownClient(name string) bool {
	for _, c := range [...]string{
		"curl", "Wget", "python-requests", "Python-urllib", "python-httpx", "aiohttp",
		"Go-http-client", "okhttp", "Java", "Apache-HttpClient", "libwww-perl", "axios",
		"node-fetch", "undici", "PostmanRuntime", "HTTPie", "Dalvik", "Lynx", "w3m",
	} {
		if strings.EqualFold(name, c) {
			return true
		}
	}
	return false
}

// isName reports whether c may be part of a product token's name.
func isName(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '.' || c == '_' || c == '-'
}

// versionEnd returns the end of the product version starting at v[i].
func versionEnd(v string, i int) int {
	for i < len(v) && isName(v[i]) {
		i++
	}
	return i
}

// productEnd returns the end of the product token Name/Version starting
// at v[i], or -1 when there is none.
func productEnd(v string, i int) int {
	if i >= len(v) || !isLetter(v[i]) {
		return -1
	}
	for i < len(v) && isName(v[i]) {
		i++
	}
	if i+1 >= len(v) || v[i] != '/' || !isDigit(v[i+1]) {
		return -1
	}
	return versionEnd(v, i+1)
}

// isSpace reports whether c separates the parts of a user agent: a space,
// or "+" as a space is written in a query string.
func isSpace(c byte) bool { return c == ' ' || c == '+' }

// continues reports whether the user agent part ending at v[i] is followed
// by another: a comment in parentheses or, after a space, a product token.
func continues(v string, i int) bool {
	j := i
	for j < len(v) && isSpace(v[j]) {
		j++
	}
	switch {
	case j == len(v):
		return false
	case v[j] == '(':
		return true
	}
	return j > i && productEnd(v, j) >= 0
}

// agentEnd returns the end of the user agent whose first product token
// ends at v[i]: it takes in comments, product tokens and the words before
// them ("Mobile" in "Mobile Safari/537.36"). An unclosed comment runs to
// the end of the text.
func agentEnd(v string, i int) int {
	for {
		j := i
		for j < len(v) && isSpace(v[j]) {
			j++
		}
		if j < len(v) && v[j] == '(' {
			i = commentEnd(v, j)
			continue
		}
		if j == i || j == len(v) {
			return i
		}
		if end := productEnd(v, j); end >= 0 {
			i = end
			continue
		}
		word := j
		for word < len(v) && isName(v[word]) {
			word++
		}
		if word == j || !continues(v, word) {
			return i
		}
		i = word
	}
}

// commentEnd returns the end of the comment opened at v[i], after its
// matching parenthesis, or the end of v.
func commentEnd(v string, i int) int {
	depth := 0
	for ; i < len(v); i++ {
		switch v[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(v)
}

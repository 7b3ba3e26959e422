package store

import "strings"

// rebind turns the $N placeholders of query into SQLite's ?N form; for
// PostgreSQL it returns query unchanged.
func (d Dialect) rebind(query string) string {
	if d != SQLite {
		return query
	}
	return rewritePlaceholders(query)
}

// rewritePlaceholders replaces the '$' of every $N placeholder with '?',
// following SQLite's own tokenizer so that a '$' inside a string literal, a
// quoted identifier or a comment is left alone. Only that one byte changes,
// so the result has the same length as query and error positions reported
// by SQLite still point into the text as written.
//
// A '$' counts as a placeholder when digits follow it and it neither
// continues an identifier (PostgreSQL and SQLite both allow '$' inside
// names, as in a$1) nor runs straight into one ($1abc), mirroring where
// PostgreSQL itself sees a parameter.
func rewritePlaceholders(query string) string {
	if strings.IndexByte(query, '$') < 0 {
		return query
	}
	var out []byte // copy of query, made at the first rewrite
	for i := 0; i < len(query); {
		switch c := query[i]; {
		case c == '\'' || c == '"' || c == '`':
			i = skipQuoted(query, i, c)
		case c == '[':
			// SQLite reads [...] as a quoted identifier (MS Access style).
			i = skipPast(query, i+1, "]")
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			i = skipPast(query, i+2, "\n")
		case c == '/' && strings.HasPrefix(query[i:], "/*"):
			// SQLite comments do not nest; an unterminated one runs to
			// the end.
			i = skipPast(query, i+2, "*/")
		case c == '$':
			end := i + 1
			for end < len(query) && isDigit(query[end]) {
				end++
			}
			isParam := end > i+1 &&
				(i == 0 || !isIdentByte(query[i-1])) &&
				(end == len(query) || !isIdentByte(query[end]))
			if isParam {
				if out == nil {
					out = []byte(query)
				}
				out[i] = '?'
			}
			i = end
		case isIdentByte(c):
			// Step over whole words so a '$' inside one (a$1) is never
			// taken for a parameter start.
			for i < len(query) && isIdentByte(query[i]) {
				i++
			}
		default:
			i++
		}
	}
	if out == nil {
		return query
	}
	return string(out)
}

// skipQuoted returns the index just past the literal or identifier that
// starts with the quote at query[start]; a doubled quote stands for itself.
// An unterminated one runs to the end.
func skipQuoted(query string, start int, quote byte) int {
	for i := start + 1; i < len(query); i++ {
		if query[i] != quote {
			continue
		}
		if i+1 < len(query) && query[i+1] == quote {
			i++
			continue
		}
		return i + 1
	}
	return len(query)
}

// skipPast returns the index just past the first terminator at or after
// from, or the end of query when there is none.
func skipPast(query string, from int, terminator string) int {
	if from > len(query) {
		return len(query)
	}
	j := strings.Index(query[from:], terminator)
	if j < 0 {
		return len(query)
	}
	return from + j + len(terminator)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIdentByte reports whether c can continue an identifier: SQLite counts
// every non-ASCII byte as part of one, and both dialects allow '$'.
func isIdentByte(c byte) bool {
	return c >= 0x80 || c == '_' || c == '$' || isDigit(c) ||
		('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// isSelect reports whether query starts with the SELECT keyword, after
// any blanks and comments, and so cannot write.
func isSelect(query string) bool {
	for i := 0; i < len(query); {
		switch c := query[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case strings.HasPrefix(query[i:], "--"):
			i = skipPast(query, i+2, "\n")
		case strings.HasPrefix(query[i:], "/*"):
			i = skipPast(query, i+2, "*/")
		default:
			const keyword = "select"
			rest := query[i:]
			return len(rest) >= len(keyword) && strings.EqualFold(rest[:len(keyword)], keyword) &&
				(len(rest) == len(keyword) || !isIdentByte(rest[len(keyword)]))
		}
	}
	return false
}

// Package markdown renders the small subset of Markdown in which Noren
// writes its policy documents, and escapes text for it.
//
// The subset is CommonMark with GitHub's pipe tables and two common
// extensions, so the same text reads well on its own, in a diff and in
// other Markdown tools:
//
//   - ATX headings, "## Purposes {#purposes}", with an optional id;
//   - paragraphs of consecutive lines;
//   - lists, "- item" or "1. item", one line per item;
//   - pipe tables, optionally preceded by a caption line "Table: caption";
//   - inline: backslash escapes, `code`, **strong**, [text](url) and
//     <https://autolinks>.
//
// Everything else is text. The HTML renderer escapes all text and emits
// only the elements and attributes those constructs need, with link targets
// limited to http, https, mailto, root-relative paths and fragments, so that
// texts taken from a manifest cannot inject markup.
package markdown

import (
	"strings"
)

// Kind is the kind of a Block.
type Kind int

// The kinds of blocks.
const (
	Heading Kind = iota + 1
	Paragraph
	List
	Table
)

// Block is one block-level element of a document. Inline content is kept
// as written and rendered by HTML.
type Block struct {
	Kind Kind
	// Level is the heading level, 1 to 6.
	Level int
	// ID is the heading's anchor, from a trailing {#id}.
	ID string
	// Text is the inline content of a heading or paragraph.
	Text string
	// Items are the inline contents of a list's items.
	Items []string
	// Ordered marks a numbered list.
	Ordered bool
	// Caption, Header and Rows make up a table; every row has as many
	// cells as Header.
	Caption string
	Header  []string
	Rows    [][]string
}

// Parse splits src into blocks.
func Parse(src string) []Block {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var blocks []Block
	var para []string
	flush := func() {
		if len(para) > 0 {
			blocks = append(blocks, Block{Kind: Paragraph, Text: strings.Join(para, "\n")})
			para = nil
		}
	}
	for i := 0; i < len(lines); {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			flush()
			i++
		case headingLevel(trimmed) > 0:
			flush()
			blocks = append(blocks, parseHeading(trimmed))
			i++
		case strings.HasPrefix(trimmed, "Table: ") && i+2 < len(lines) && isTableStart(lines[i+1], lines[i+2]):
			flush()
			t, next := parseTable(lines, i+1)
			t.Caption = strings.TrimSpace(strings.TrimPrefix(trimmed, "Table: "))
			blocks = append(blocks, t)
			i = next
		case i+1 < len(lines) && isTableStart(line, lines[i+1]):
			flush()
			t, next := parseTable(lines, i)
			blocks = append(blocks, t)
			i = next
		case isListItem(trimmed):
			flush()
			l, next := parseList(lines, i)
			blocks = append(blocks, l)
			i = next
		default:
			para = append(para, trimmed)
			i++
		}
	}
	flush()
	return blocks
}

// headingLevel is the level of an ATX heading line, or 0.
func headingLevel(line string) int {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	if n == 0 || n > 6 {
		return 0
	}
	if n < len(line) && line[n] != ' ' {
		return 0
	}
	return n
}

func parseHeading(line string) Block {
	level := headingLevel(line)
	text := strings.TrimSpace(line[level:])
	b := Block{Kind: Heading, Level: level}
	if i := strings.LastIndex(text, "{#"); i >= 0 && strings.HasSuffix(text, "}") && (i == 0 || text[i-1] == ' ') {
		id := text[i+2 : len(text)-1]
		if validID(id) {
			b.ID = id
			text = strings.TrimSpace(text[:i])
		}
	}
	b.Text = text
	return b
}

func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isListItem(line string) bool {
	_, _, ok := listItem(line)
	return ok
}

// listItem returns the content of a list item line and whether the list is
// ordered; ok is false when line is no list item.
func listItem(line string) (text string, ordered, ok bool) {
	if strings.HasPrefix(line, "- ") {
		return strings.TrimSpace(line[2:]), false, true
	}
	n := 0
	for n < len(line) && n < 9 && line[n] >= '0' && line[n] <= '9' {
		n++
	}
	if n > 0 && strings.HasPrefix(line[n:], ". ") {
		return strings.TrimSpace(line[n+2:]), true, true
	}
	return "", false, false
}

// parseList reads the list that starts at lines[i], which is a list item.
func parseList(lines []string, i int) (Block, int) {
	_, ordered, _ := listItem(strings.TrimSpace(lines[i]))
	b := Block{Kind: List, Ordered: ordered}
	for ; i < len(lines); i++ {
		text, o, ok := listItem(strings.TrimSpace(lines[i]))
		if !ok || o != ordered {
			break
		}
		b.Items = append(b.Items, text)
	}
	return b, i
}

// isTableStart reports whether a header row and a delimiter row begin a
// pipe table.
func isTableStart(header, delim string) bool {
	header = strings.TrimSpace(header)
	delim = strings.TrimSpace(delim)
	if !strings.HasPrefix(header, "|") || !strings.HasPrefix(delim, "|") {
		return false
	}
	cells := splitRow(delim)
	if len(cells) == 0 || len(cells) != len(splitRow(header)) {
		return false
	}
	for _, c := range cells {
		c = strings.TrimSpace(c)
		c = strings.TrimPrefix(c, ":")
		c = strings.TrimSuffix(c, ":")
		if c == "" || strings.Trim(c, "-") != "" {
			return false
		}
	}
	return true
}

func parseTable(lines []string, i int) (Block, int) {
	b := Block{Kind: Table, Header: splitRow(lines[i])}
	i += 2
	for ; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(line, "|") {
			break
		}
		row := splitRow(line)
		// As in GitHub's tables, missing cells are empty and excess
		// cells are dropped.
		for len(row) < len(b.Header) {
			row = append(row, "")
		}
		b.Rows = append(b.Rows, row[:len(b.Header)])
	}
	return b, i
}

// splitRow splits a table row at its unescaped pipes. A "\|" stays in the
// cell as an escaped pipe, even inside a code span, as in GitHub's tables.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	if strings.HasSuffix(line, "|") && !strings.HasSuffix(line, `\|`) {
		line = line[:len(line)-1]
	}
	var cells []string
	start := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			cells = append(cells, strings.TrimSpace(line[start:i]))
			start = i + 1
		}
	}
	return append(cells, strings.TrimSpace(line[start:]))
}

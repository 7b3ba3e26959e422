package page

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
)

// selector is a CSS selector of the subset site.layout_main accepts: type,
// #id, .class, [attr] and [attr=value] selectors, compounded, joined by
// descendant (space) and child (>) combinators, and grouped with commas.
type selector [][]compound

// compound is one compound selector of a complex selector, with the
// combinator that relates it to the one before.
type compound struct {
	child   bool // ">" before it; else a descendant, or the first
	tag     string
	id      string
	classes []string
	attrs   []attrTest
}

// attrTest is an [attr] or [attr=value] selector.
type attrTest struct {
	key, val string
	hasVal   bool
}

// maxSelectorLen and maxCompounds bound the selectors accepted, which also
// bounds the work of matching one; a layout needs a short one.
const (
	maxSelectorLen = 512
	maxCompounds   = 8
)

// parseSelector reads a selector of the supported subset.
func parseSelector(s string) (selector, error) {
	if len(s) > maxSelectorLen {
		return nil, fmt.Errorf("selector longer than %d bytes", maxSelectorLen)
	}
	var sel selector
	for group := range strings.SplitSeq(s, ",") {
		c, err := parseComplex(group)
		if err != nil {
			return nil, fmt.Errorf("selector %q: %w", strings.TrimSpace(group), err)
		}
		sel = append(sel, c)
	}
	return sel, nil
}

// parseComplex reads compound selectors joined by combinators.
func parseComplex(s string) ([]compound, error) {
	p := selectorParser{s: strings.TrimSpace(s)}
	if p.s == "" {
		return nil, fmt.Errorf("empty selector")
	}
	var out []compound
	child := false
	for {
		c, err := p.compound()
		if err != nil {
			return nil, err
		}
		c.child = child
		if out = append(out, c); len(out) > maxCompounds {
			return nil, fmt.Errorf("more than %d compound selectors", maxCompounds)
		}
		spaced := p.skipSpace()
		if p.done() {
			return out, nil
		}
		child = p.peek() == '>'
		if child {
			p.i++
			p.skipSpace()
		} else if !spaced {
			return nil, fmt.Errorf("unexpected %q at %d", p.peek(), p.i)
		}
		if p.done() {
			return nil, fmt.Errorf("nothing after the combinator")
		}
	}
}

type selectorParser struct {
	s string
	i int
}

func (p *selectorParser) done() bool { return p.i >= len(p.s) }
func (p *selectorParser) peek() byte { return p.s[p.i] }

func (p *selectorParser) skipSpace() bool {
	start := p.i
	for !p.done() && strings.IndexByte(" \t\n\r\f", p.peek()) >= 0 {
		p.i++
	}
	return p.i > start
}

// compound reads one compound selector.
func (p *selectorParser) compound() (compound, error) {
	var c compound
	start := p.i
	if !p.done() && p.peek() == '*' {
		p.i++
	} else if name := p.name(); name != "" {
		c.tag = strings.ToLower(name)
	}
	for !p.done() {
		switch p.peek() {
		case '#':
			p.i++
			if c.id = p.name(); c.id == "" {
				return c, fmt.Errorf("# without a name at %d", p.i)
			}
		case '.':
			p.i++
			class := p.name()
			if class == "" {
				return c, fmt.Errorf(". without a name at %d", p.i)
			}
			c.classes = append(c.classes, class)
		case '[':
			p.i++
			a, err := p.attr()
			if err != nil {
				return c, err
			}
			c.attrs = append(c.attrs, a)
		default:
			if p.i == start {
				return c, fmt.Errorf("unexpected %q at %d", p.peek(), p.i)
			}
			return c, nil
		}
	}
	if p.i == start {
		return c, fmt.Errorf("missing selector at %d", p.i)
	}
	return c, nil
}

// attr reads what follows "[" in an attribute selector.
func (p *selectorParser) attr() (attrTest, error) {
	p.skipSpace()
	a := attrTest{key: strings.ToLower(p.name())}
	if a.key == "" {
		return a, fmt.Errorf("[ without an attribute name at %d", p.i)
	}
	p.skipSpace()
	if !p.done() && p.peek() == '=' {
		p.i++
		p.skipSpace()
		a.hasVal = true
		if !p.done() && (p.peek() == '"' || p.peek() == '\'') {
			q := p.peek()
			end := strings.IndexByte(p.s[p.i+1:], q)
			if end < 0 {
				return a, fmt.Errorf("unclosed quote at %d", p.i)
			}
			a.val = p.s[p.i+1 : p.i+1+end]
			p.i += end + 2
		} else if a.val = p.name(); a.val == "" {
			return a, fmt.Errorf("= without a value at %d", p.i)
		}
		p.skipSpace()
	}
	if p.done() || p.peek() != ']' {
		return a, fmt.Errorf("missing ] at %d", p.i)
	}
	p.i++
	return a, nil
}

// name reads an identifier: letters, digits, "-", "_" and any non-ASCII.
func (p *selectorParser) name() string {
	start := p.i
	for !p.done() {
		c := p.peek()
		if c >= 0x80 || c == '-' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

// openElement is an element the layout reader is inside of.
type openElement struct {
	name  string
	attrs []html.Attribute
}

// matches reports whether the innermost of the open elements (the last)
// matches sel, its ancestors being the ones before it.
func (sel selector) matches(open []openElement) bool {
	for _, c := range sel {
		if matchComplex(c, open) {
			return true
		}
	}
	return false
}

func matchComplex(cs []compound, open []openElement) bool {
	if len(open) == 0 || !cs[len(cs)-1].matches(open[len(open)-1]) {
		return false
	}
	if len(cs) == 1 {
		return true
	}
	last := cs[len(cs)-1]
	rest, ancestors := cs[:len(cs)-1], open[:len(open)-1]
	if last.child {
		return matchComplex(rest, ancestors)
	}
	for i := len(ancestors); i > 0; i-- {
		if matchComplex(rest, ancestors[:i]) {
			return true
		}
	}
	return false
}

func (c compound) matches(e openElement) bool {
	if c.tag != "" && c.tag != e.name {
		return false
	}
	if c.id != "" && attrValue(e.attrs, "id") != c.id {
		return false
	}
	for _, class := range c.classes {
		if !hasClass(attrValue(e.attrs, "class"), class) {
			return false
		}
	}
	for _, a := range c.attrs {
		v, ok := lookupAttr(e.attrs, a.key)
		if !ok || a.hasVal && v != a.val {
			return false
		}
	}
	return true
}

// lookupAttr returns the value of an attribute outside any namespace.
func lookupAttr(attrs []html.Attribute, key string) (string, bool) {
	for _, a := range attrs {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

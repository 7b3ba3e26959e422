// Package htmlsyntax answers the questions about HTML's syntax that the
// tokenizer of golang.org/x/net/html leaves to those who read its tokens:
// which elements have no end tag, which leave the head open, what is
// inter-element space.
package htmlsyntax

import (
	"bytes"

	"golang.org/x/net/html/atom"
)

// Void reports whether an element has no content and no end tag.
func Void(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Source, atom.Track, atom.Wbr, atom.Param, atom.Keygen:
		return true
	}
	return false
}

// InHead reports whether an element may appear in a document's head, so that
// its start tag does not end the head.
func InHead(a atom.Atom) bool {
	switch a {
	case atom.Html, atom.Head, atom.Base, atom.Basefont, atom.Bgsound, atom.Link,
		atom.Meta, atom.Noscript, atom.Noframes, atom.Script, atom.Style,
		atom.Template, atom.Title:
		return true
	}
	return false
}

// Space reports whether b is nothing but ASCII whitespace, which does not
// end the head of a document.
func Space(b []byte) bool {
	return len(bytes.TrimLeft(b, " \t\n\f\r")) == 0
}

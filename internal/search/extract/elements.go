package extract

import "golang.org/x/net/html/atom"

// block reports whether an element starts and ends a block of text, so
// that the words on either side of it do not run together. Elements not
// listed are inline: their text joins the text around them as it is, which
// keeps 創業<b>支援</b> one word.
func block(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Body, atom.Br,
		atom.Button, atom.Caption, atom.Center, atom.Dd, atom.Details, atom.Dialog, atom.Div,
		atom.Dl, atom.Dt, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Form,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Head, atom.Header,
		atom.Hgroup, atom.Hr, atom.Html, atom.Legend, atom.Li, atom.Main,
		atom.Menu, atom.Nav, atom.Ol, atom.Option, atom.P, atom.Pre, atom.Section,
		atom.Summary, atom.Table, atom.Tbody, atom.Td, atom.Textarea, atom.Tfoot, atom.Th,
		atom.Thead, atom.Title, atom.Tr, atom.Ul, atom.Video, atom.Audio, atom.Canvas:
		return true
	}
	return false
}

// unread reports whether an element's content is never text a reader sees
// as part of the page: code, templates, fallbacks, drawings, the options of
// a list box, and ruby readings, which would otherwise glue a word's kana to
// its kanji (漢字かんじ).
func unread(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Svg, atom.Select,
		atom.Rt, atom.Rp, atom.Iframe, atom.Object, atom.Noembed, atom.Noframes:
		return true
	}
	return false
}

// heading returns the level of h1 to h6, or 0.
func heading(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

// sectioning reports whether an element scopes the <header> and <footer>
// inside it to itself: those are then part of the content (an article's
// heading and date), not the page's banner and footer.
func sectioning(a atom.Atom) bool {
	return a == atom.Article || a == atom.Section || a == atom.Main
}

// chromeRole reports whether an ARIA role marks a landmark that is not the
// page's content.
func chromeRole(role string) bool {
	switch role {
	case "banner", "navigation", "contentinfo", "search":
		return true
	}
	return false
}

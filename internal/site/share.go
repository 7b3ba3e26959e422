package site

import (
	"html"
	"slices"
	"strings"

	"github.com/noren-web/noren/internal/i18n"
)

// ShareNetworks names the services ShareHTML links to, in the order it
// lists them by default.
const ShareNetworks = "x facebook line hatena linkedin email"

// ParseShareNetworks reads a list of networks separated by spaces or commas,
// as in the networks attribute of <noren-share>. Unknown names and repeats
// are dropped, case is ignored, and the list given keeps its order; an
// empty result means every network.
func ParseShareNetworks(list string) []string {
	var out []string
	for _, n := range strings.FieldsFunc(strings.ToLower(list), func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\f' || r == '\r'
	}) {
		if _, ok := shareLabel(n, "en"); ok && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// ShareHTML returns a list of plain links that share the page at pageURL,
// titled title, on the networks named (every one of ShareNetworks when
// none is), labelled in lang (in English when the catalogue lacks it). Nothing in it loads
// from another site: the links are text, and a network learns of the
// visitor only when they follow one. Links open in a new window, which
// they say in a note for screen readers; the e-mail link opens the mail
// program instead. web/templates/share.html renders the same markup.
func ShareHTML(lang, pageURL, title string, networks []string) string {
	if len(networks) == 0 {
		networks = strings.Fields(ShareNetworks)
	}
	u, t := shareEscape(pageURL), shareEscape(title)
	l := i18n.Lang(lang)
	var b strings.Builder
	b.WriteString(`<ul class="noren-share" aria-label="`)
	b.WriteString(i18n.T(l, "share.label"))
	b.WriteString(`">` + "\n")
	for _, n := range networks {
		label, ok := shareLabel(n, lang)
		if !ok {
			continue
		}
		b.WriteString(`<li class="noren-share__item"><a class="noren-share__link noren-share__link--`)
		b.WriteString(n)
		b.WriteString(`" href="`)
		b.WriteString(html.EscapeString(shareTarget(n, u, t)))
		if n == "email" {
			b.WriteString(`">`)
			b.WriteString(label)
		} else {
			b.WriteString(`" rel="noopener noreferrer" target="_blank">`)
			b.WriteString(label)
			b.WriteString(`<span class="noren-share__note">`)
			b.WriteString(i18n.T(l, "share.new_window"))
			b.WriteString(`</span>`)
		}
		b.WriteString(`</a></li>` + "\n")
	}
	b.WriteString(`</ul>`)
	return b.String()
}

// shareLabel names a network in lang, and reports whether it is known.
func shareLabel(network, lang string) (string, bool) {
	switch network {
	case "x":
		return "X", true
	case "facebook":
		return "Facebook", true
	case "line":
		return "LINE", true
	case "hatena":
		return i18n.T(i18n.Lang(lang), "share.hatena"), true
	case "linkedin":
		return "LinkedIn", true
	case "email":
		return i18n.T(i18n.Lang(lang), "share.email"), true
	}
	return "", false
}

// shareTarget is the address that shares a page on a network, given the
// page's URL and title already escaped for a query.
func shareTarget(network, u, t string) string {
	switch network {
	case "x":
		return "https://x.com/intent/post?text=" + t + "&url=" + u
	case "facebook":
		return "https://www.facebook.com/sharer/sharer.php?u=" + u
	case "line":
		return "https://social-plugins.line.me/lineit/share?url=" + u
	case "hatena":
		return "https://b.hatena.ne.jp/entry/panel/?url=" + u
	case "linkedin":
		return "https://www.linkedin.com/sharing/share-offsite/?url=" + u
	case "email":
		return "mailto:?subject=" + t + "&body=" + u
	}
	return ""
}

// shareEscape percent-encodes every byte of s but letters, digits and
// "-._~", so that it stands for itself as a query value, also in a mailto:
// URL (where "+" would not mean a space). It escapes exactly as Go's
// html/template does in a URL query, so the template gives the same links.
func shareEscape(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

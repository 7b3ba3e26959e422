package page

import (
	"strings"

	"github.com/noren-web/noren/internal/manifest"
)

// Email is the operator's e-mail address as Noren's public pages print it,
// the way operator.email_display asks.
type Email struct {
	// Text is the address as the page shows it: as written, or with its
	// "@" written "(at)".
	Text string
	// Href is the address's mailto: link, or "" when the address is not
	// to be linked: a link would hand harvesters the address that the
	// "(at)" form keeps from them.
	Href string
	// At is set when Text writes "@" as "(at)", which the page then
	// explains.
	At bool
}

// OperatorEmail is the operator's address as Noren's pages print it; the
// zero Email when the manifest gives none.
func OperatorEmail(m *manifest.Manifest) Email {
	addr := m.Operator.Email
	if addr == "" {
		return Email{}
	}
	if m.Operator.EmailDisplay == manifest.EmailAt {
		i := strings.LastIndexByte(addr, '@')
		if i < 0 {
			return Email{Text: addr}
		}
		return Email{Text: addr[:i] + "(at)" + addr[i+1:], At: true}
	}
	return Email{Text: addr, Href: "mailto:" + addr}
}

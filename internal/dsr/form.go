package dsr

import (
	netmail "net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/vault"
)

// Limits of the form's input, in characters but for the body.
const (
	// maxBody bounds the form body: a full form, every text at its limit
	// in characters of four UTF-8 bytes percent-encoded (12 bytes a
	// character), fits.
	maxBody = 48 << 10
	// maxEmail is the longest address SMTP allows (RFC 5321 4.5.3.1.3).
	maxEmail = 254
	// maxDetails bounds what to correct, or for a public body the 趣旨及び
	// 理由 of a correction or a cessation.
	maxDetails = 2000
	// maxName and maxAddress bound a public body's requester's name and
	// 住所又は居所; maxTarget what identifies the information asked about.
	maxName    = 100
	maxAddress = 200
	maxTarget  = 1000
)

// Ids of the form's controls, which the error summary links to.
const (
	idKind    = "dsr-kind-" + string(Disclosure) // the first radio button
	idName    = "dsr-name"
	idAddress = "dsr-address"
	idEmail   = "dsr-email"
	idTarget  = "dsr-target"
	idDetails = "dsr-details"
	idConfirm = "dsr-confirm"
)

// formInput is what the request form holds. Name, Address and Target are
// asked of a public body's requester only: the matters Arts. 77(1),
// 91(1) and 99(1) require a 請求書 to state.
type formInput struct {
	Kind    Kind
	Name    string
	Address string
	Email   string
	Target  string
	Details string
	Confirm bool
}

// textField is a text control of the form with the messages of its
// problems, each taking the limit (long also the length typed).
type textField struct {
	id                   string
	max                  int
	multiline            bool
	missing, long, chars string
}

// The text controls, with their messages.
var (
	nameField = textField{id: idName, max: maxName,
		missing: "dsr.error.name_missing", long: "dsr.error.name_long", chars: "dsr.error.name_chars"}
	addressField = textField{id: idAddress, max: maxAddress,
		missing: "dsr.error.address_missing", long: "dsr.error.address_long", chars: "dsr.error.address_chars"}
	targetField = textField{id: idTarget, max: maxTarget, multiline: true,
		missing: "dsr.error.target_missing", long: "dsr.error.target_long", chars: "dsr.error.target_chars"}
	// detailsField is what a business is asked to correct; reasonsField
	// the same control as a public body's 趣旨及び理由.
	detailsField = textField{id: idDetails, max: maxDetails, multiline: true,
		missing: "dsr.error.details_missing", long: "dsr.error.details_long", chars: "dsr.error.details_chars"}
	reasonsField = textField{id: idDetails, max: maxDetails, multiline: true,
		missing: "dsr.error.reasons_missing", long: "dsr.error.reasons_long", chars: "dsr.error.reasons_chars"}
)

// fieldError is a problem with one control, as the error summary and the
// control itself show it.
type fieldError struct {
	Field string // the control's id
	Text  string
}

// Href is the link from the error summary to the control.
func (e fieldError) Href() string { return "#" + e.Field }

// parseForm reads the request form from values, keeping what was typed
// even when it is wrong, so the page can show it again with the problems
// next to it. A kind the regime of m does not offer is refused, saying
// which kinds it does. A business is asked what to correct, kept for a
// correction only; a public body also for the requester's name, address
// and what identifies the information, and for the 趣旨及び理由 of a
// correction or a cessation, kept for those two only.
func parseForm(values url.Values, lang string, m *manifest.Manifest) (formInput, []fieldError) {
	public := RegimeOf(m) == PublicBody
	in := formInput{
		Kind:    Kind(values.Get("kind")),
		Email:   strings.TrimSpace(values.Get("email")),
		Details: trimText(values.Get("details")),
		Confirm: values.Get("confirm") == "yes",
	}
	if public {
		in.Name = trimText(values.Get("name"))
		in.Address = trimText(values.Get("address"))
		in.Target = trimText(values.Get("target"))
	}
	var errs []fieldError
	add := func(field, key string, args ...any) {
		errs = append(errs, fieldError{Field: field, Text: i18n.T(i18n.Lang(lang), key, args...)})
	}

	switch {
	case !in.Kind.Valid():
		in.Kind = ""
		add(idKind, "dsr.error.kind")
	case !RegimeOf(m).Offers(in.Kind):
		in.Kind = ""
		add(idKind, "dsr.error.kind_public", m.Operator.Name.In(lang))
	}

	text := func(f textField, s *string, required bool) {
		if key, args := f.check(s, required); key != "" {
			add(f.id, key, args...)
		}
	}
	if public {
		text(nameField, &in.Name, true)
		text(addressField, &in.Address, true)
	}

	switch problem := checkEmail(in.Email); problem {
	case "":
	case "long":
		add(idEmail, "dsr.error.email_long", maxEmail)
	default:
		add(idEmail, "dsr.error.email_"+problem)
	}
	if !utf8.ValidString(in.Email) {
		in.Email = strings.ToValidUTF8(in.Email, "\uFFFD")
	}

	if public {
		text(targetField, &in.Target, true)
		text(reasonsField, &in.Details, in.Kind == Correction || in.Kind == Cessation)
	} else {
		text(detailsField, &in.Details, in.Kind == Correction)
	}

	if !in.Confirm {
		add(idConfirm, "dsr.error.confirm")
	}
	return in, errs
}

// trimText is s with its line ends as the form's text keeps them and
// without the blanks around it.
func trimText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// check returns the message key and arguments of what is wrong with *s
// in f, or "" when nothing is. Characters f cannot hold are dropped from
// *s, so the page shows it again as valid text.
func (f textField) check(s *string, required bool) (string, []any) {
	bad := isControl
	if !f.multiline {
		bad = isLineControl
	}
	switch n := utf8.RuneCountInString(*s); {
	case !utf8.ValidString(*s) || strings.ContainsFunc(*s, bad):
		*s = strings.ToValidUTF8(strings.Map(func(r rune) rune {
			if bad(r) {
				return -1
			}
			return r
		}, *s), "\uFFFD")
		return f.chars, nil
	case n > f.max:
		return f.long, []any{f.max, n}
	case required && n == 0:
		return f.missing, nil
	}
	return "", nil
}

// checkEmail returns what is wrong with s, as the end of its message key
// dsr.error.email_…: empty, long, ascii or invalid; or "" for a plain
// address the mail package will send to.
func checkEmail(s string) string {
	switch {
	case s == "":
		return "empty"
	case len(s) > maxEmail:
		return "long"
	case strings.ContainsFunc(s, func(r rune) bool { return r > unicode.MaxASCII }):
		return "ascii"
	case strings.ContainsFunc(s, isControl):
		return "invalid"
	}
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "invalid"
	}
	at := strings.LastIndexByte(s, '@')
	if !strings.Contains(s[at+1:], ".") {
		return "invalid"
	}
	if _, err := vault.NormalizeSubject(s); err != nil {
		return "invalid"
	}
	return ""
}

// isControl reports characters that have no place in the form's text:
// control characters other than tab and line feed, and Unicode line and
// paragraph separators.
func isControl(r rune) bool {
	if r == '\t' || r == '\n' {
		return false
	}
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// isLineControl reports characters that have no place in a one-line
// text: those of isControl, and tab and line feed.
func isLineControl(r rune) bool { return r == '\t' || r == '\n' || isControl(r) }

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

// Limits of the form's input.
const (
	// maxBody bounds the form body: a full form, with what to correct in
	// Japanese percent-encoded (9 bytes a character), fits.
	maxBody = 32 << 10
	// maxEmail is the longest address SMTP allows (RFC 5321 4.5.3.1.3).
	maxEmail = 254
	// maxDetails bounds what to correct, in characters.
	maxDetails = 2000
)

// Ids of the form's controls, which the error summary links to.
const (
	idKind    = "dsr-kind-" + string(Disclosure) // the first radio button
	idEmail   = "dsr-email"
	idDetails = "dsr-details"
	idConfirm = "dsr-confirm"
)

// formInput is what the request form holds.
type formInput struct {
	Kind    Kind
	Email   string
	Details string
	Confirm bool
}

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
// next to it. Details are kept only for a correction. A kind the regime of
// m does not offer is refused, saying which kinds it does.
func parseForm(values url.Values, lang string, m *manifest.Manifest) (formInput, []fieldError) {
	in := formInput{
		Kind:    Kind(values.Get("kind")),
		Email:   strings.TrimSpace(values.Get("email")),
		Details: strings.TrimSpace(strings.ReplaceAll(values.Get("details"), "\r\n", "\n")),
		Confirm: values.Get("confirm") == "yes",
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

	switch n := utf8.RuneCountInString(in.Details); {
	case !utf8.ValidString(in.Details) || strings.ContainsFunc(in.Details, isControl):
		in.Details = strings.ToValidUTF8(strings.Map(dropControl, in.Details), "\uFFFD")
		add(idDetails, "dsr.error.details_chars")
	case n > maxDetails:
		add(idDetails, "dsr.error.details_long", maxDetails, n)
	case in.Kind == Correction && n == 0:
		add(idDetails, "dsr.error.details_missing")
	}

	if !in.Confirm {
		add(idConfirm, "dsr.error.confirm")
	}
	return in, errs
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

func dropControl(r rune) rune {
	if isControl(r) {
		return -1
	}
	return r
}

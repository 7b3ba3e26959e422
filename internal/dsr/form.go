package dsr

import (
	"fmt"
	netmail "net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

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
// next to it. Details are kept only for a correction.
func parseForm(values url.Values, lang string) (formInput, []fieldError) {
	ja := lang == "ja"
	in := formInput{
		Kind:    Kind(values.Get("kind")),
		Email:   strings.TrimSpace(values.Get("email")),
		Details: strings.TrimSpace(strings.ReplaceAll(values.Get("details"), "\r\n", "\n")),
		Confirm: values.Get("confirm") == "yes",
	}
	var errs []fieldError
	add := func(field, jaText, enText string) {
		errs = append(errs, fieldError{Field: field, Text: pick(ja, jaText, enText)})
	}

	if !in.Kind.Valid() {
		in.Kind = ""
		add(idKind, "請求の種類を選んでください。", "Choose what you are asking for.")
	}

	if problem := checkEmail(in.Email); problem != "" {
		add(idEmail, emailProblems[problem][0], emailProblems[problem][1])
	}
	if !utf8.ValidString(in.Email) {
		in.Email = strings.ToValidUTF8(in.Email, "\uFFFD")
	}

	switch n := utf8.RuneCountInString(in.Details); {
	case !utf8.ValidString(in.Details) || strings.ContainsFunc(in.Details, isControl):
		in.Details = strings.ToValidUTF8(strings.Map(dropControl, in.Details), "\uFFFD")
		add(idDetails, "訂正の内容に使用できない文字が含まれています。", "What to correct contains characters that cannot be used.")
	case n > maxDetails:
		add(idDetails,
			fmt.Sprintf("訂正の内容は%d文字以内で入力してください（現在%d文字）。", maxDetails, n),
			fmt.Sprintf("What to correct must be %d characters or fewer (it is %d).", maxDetails, n))
	case in.Kind == Correction && n == 0:
		add(idDetails, "訂正すべき内容を入力してください。", "Say what should be corrected.")
	}

	if !in.Confirm {
		add(idConfirm, "確認事項を読み、チェックを入れてください。", "Read the statement and tick the box.")
	}
	return in, errs
}

// emailProblems are the messages of checkEmail's results, in Japanese and
// English.
var emailProblems = map[string][2]string{
	"empty":   {"メールアドレスを入力してください。", "Enter your e-mail address."},
	"long":    {fmt.Sprintf("メールアドレスは%d文字以内で入力してください。", maxEmail), fmt.Sprintf("The e-mail address must be %d characters or fewer.", maxEmail)},
	"invalid": {"メールアドレスを name@example.jp の形式で入力してください。", "Enter an e-mail address in the form name@example.jp."},
	"ascii":   {"メールアドレスは半角英数字で入力してください（国際化ドメインはpunycode形式で）。", "Enter the e-mail address in ASCII (internationalised domains in their punycode form)."},
}

// checkEmail returns the key of what is wrong with s in emailProblems, or
// "" for a plain address the mail package will send to.
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

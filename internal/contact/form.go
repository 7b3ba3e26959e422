package contact

import (
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
)

// Default length limits, in characters, of fields whose manifest entry sets
// no max_length.
const (
	defaultMaxText     = 1000
	defaultMaxTextarea = 5000
	maxEmail           = 254
)

// Names of the form's own controls; fields are posted as "f_" + their id,
// so no field id can collide with these.
const (
	fieldPrefix   = "f_"
	noticeInput   = "notice_read"
	tokenInput    = "challenge"
	powInput      = "pow"
	waitInput     = "wait"
	honeypotInput = "website"
)

// checkboxValue is what a ticked checkbox posts.
const checkboxValue = "yes"

// fieldError says what is wrong with one input; Field is a field id, or
// noticeInput for the confirmation box.
type fieldError struct {
	Field   string
	Message string
}

// submission is a validated form: each field's value by field id (""
// when left empty), and whether the notice was confirmed.
type submission struct {
	Values     map[string]string
	NoticeRead bool
}

// subject is the value of the form's first e-mail field, the address the
// vault indexes the record under.
func (s submission) subject(cp *manifest.CollectionPoint) string {
	for _, f := range cp.Fields {
		if f.Type == "email" {
			return s.Values[f.ID]
		}
	}
	return ""
}

// parseForm validates in, the posted form, against cp. It returns the
// submission with the values it could read, cleaned (trimmed, line ends
// unified), and an error for each field that is wrong, in field order with
// the notice confirmation last; the submission may be stored only when there
// are none.
func parseForm(cp *manifest.CollectionPoint, in url.Values, lang string) (submission, []fieldError) {
	s := submission{Values: make(map[string]string, len(cp.Fields))}
	var errs []fieldError
	for i := range cp.Fields {
		f := &cp.Fields[i]
		v, msg := cleanField(f, in.Get(fieldPrefix+f.ID), lang)
		s.Values[f.ID] = v
		if msg != "" {
			errs = append(errs, fieldError{Field: f.ID, Message: msg})
		}
	}
	s.NoticeRead = in.Get(noticeInput) == checkboxValue
	if !s.NoticeRead {
		errs = append(errs, fieldError{Field: noticeInput, Message: i18n.T(i18n.Lang(lang), "contact.error.notice_unread")})
	}
	return s, errs
}

// cleanField returns the value to keep for one field and, if the value is
// not acceptable, a message saying why in lang.
func cleanField(f *manifest.Field, raw, lang string) (string, string) {
	l := i18n.Lang(lang)
	label := f.Label.In(lang)
	named := inSentence(l, label)
	if !utf8.ValidString(raw) {
		return strings.ToValidUTF8(raw, "\uFFFD"), i18n.T(l, "contact.field.unreadable", label)
	}
	v := raw
	if f.Type == "textarea" {
		v = strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
		v = strings.TrimRightFunc(strings.TrimLeft(v, "\n"), unicode.IsSpace)
	} else {
		v = strings.TrimSpace(v)
	}
	if hasControl(v, f.Type == "textarea") {
		return v, i18n.T(l, "contact.field.control", label)
	}
	if v == "" {
		if !f.Required {
			return "", ""
		}
		switch f.Type {
		case "checkbox":
			return "", i18n.T(l, "contact.field.tick", label)
		case "select":
			return "", i18n.T(l, "contact.field.choose", named)
		}
		return "", i18n.T(l, "contact.field.enter", named)
	}
	if n, limit := utf8.RuneCountInString(v), maxLength(f); n > limit {
		return v, i18n.T(l, "contact.field.too_long", label, limit, n)
	}
	switch f.Type {
	case "email":
		if !validEmail(v) {
			return v, i18n.T(l, "contact.field.email", named)
		}
	case "tel":
		v = halfWidthPhone(v)
		if !validPhone(v) {
			return v, i18n.T(l, "contact.field.tel", named)
		}
	case "select":
		if !slices.ContainsFunc(f.Options, func(o manifest.Option) bool { return o.Value == v }) {
			return "", i18n.T(l, "contact.field.not_listed", named)
		}
	case "checkbox":
		if v != checkboxValue {
			return "", i18n.T(l, "contact.field.invalid", label)
		}
	}
	return v, ""
}

// maxLength is the most characters field f accepts.
func maxLength(f *manifest.Field) int {
	switch {
	case f.Type == "email":
		if f.MaxLength > 0 && f.MaxLength < maxEmail {
			return f.MaxLength
		}
		return maxEmail
	case f.MaxLength > 0:
		return f.MaxLength
	case f.Type == "textarea":
		return defaultMaxTextarea
	}
	return defaultMaxText
}

// hasControl reports whether s holds a control character; a multi-line
// field may hold line feeds and tabs.
func hasControl(s string, multiline bool) bool {
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		// Format characters include the bidirectional overrides that make
		// text read differently from how it is stored.
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return true
		}
	}
	return false
}

// validEmail accepts a bare address (no display name, no comments) with a
// domain of at least two labels.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// halfWidthPhone turns the full-width digits, plus, hyphen and space that
// Japanese input methods produce into their ASCII forms.
func halfWidthPhone(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '＋':
			return '+'
		case r == '－' || r == 'ー' || r == '‐' || r == '−':
			return '-'
		case r == '　':
			return ' '
		}
		return r
	}, s)
}

// validPhone accepts digits, "+", "-" and spaces, with at least a few
// digits.
func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' || r == '-' || r == ' ':
		default:
			return false
		}
	}
	return digits >= 3
}

// inSentence is a field's label as a sentence in lang names it: English
// lowers its first letter ("Enter your name."); Japanese has no case.
func inSentence(lang i18n.Lang, label string) string {
	if lang == i18n.Japanese {
		return label
	}
	return lowerFirst(label)
}

// lowerFirst lower-cases the first letter of an English label for use
// inside a sentence ("Enter your name"), leaving acronyms alone.
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || !unicode.IsUpper(r) {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[size:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

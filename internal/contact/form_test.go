package contact

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseForm(t *testing.T) {
	cp := loadManifest(t).CollectionPoint("contact")
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		lang   string
		field  string // the field expected to be refused, "" for none
		want   string // part of the message, or of the cleaned value when field is ""
		value  string // the field whose cleaned value is checked
	}{
		{name: "valid", change: func(url.Values) {}},
		{name: "required text", change: func(v url.Values) { v.Set("f_name", "  ") }, field: "name", want: "Enter your name."},
		{name: "required in Japanese", lang: "ja", change: func(v url.Values) { v.Del("f_name") }, field: "name", want: "お名前を入力してください。"},
		{name: "text too long", change: func(v url.Values) { v.Set("f_name", strings.Repeat("あ", 101)) }, field: "name", want: "100 characters or fewer (it has 101)"},
		{name: "text at the limit", change: func(v url.Values) { v.Set("f_name", strings.Repeat("あ", 100)) }},
		{name: "default limit of a text", change: func(v url.Values) { v.Set("f_organisation", strings.Repeat("a", 1001)) }, field: "organisation", want: "1000 characters"},
		{name: "textarea limit", change: func(v url.Values) { v.Set("f_message", strings.Repeat("a", 2001)) }, field: "message", want: "2000 characters"},
		{name: "email without domain", change: func(v url.Values) { v.Set("f_email", "hanako@") }, field: "email", want: "name@example.com"},
		{name: "email with display name", change: func(v url.Values) { v.Set("f_email", "Hanako <h@example.jp>") }, field: "email"},
		{name: "email without dot", change: func(v url.Values) { v.Set("f_email", "h@localhost") }, field: "email"},
		{name: "email trimmed", change: func(v url.Values) { v.Set("f_email", " h@example.jp ") }, value: "email", want: "h@example.jp"},
		{name: "phone with letters", change: func(v url.Values) { v.Set("f_phone", "03-CALL-ME") }, field: "phone", want: "digits"},
		{name: "full-width phone", change: func(v url.Values) { v.Set("f_phone", "０３－１２３４－５６７８") }, value: "phone", want: "03-1234-5678"},
		{name: "international phone", change: func(v url.Values) { v.Set("f_phone", "+81 3 1234 5678") }},
		{name: "optional phone empty", change: func(v url.Values) { v.Del("f_phone") }},
		{name: "select outside the options", change: func(v url.Values) { v.Set("f_topic", "lottery") }, field: "topic", want: "from the list"},
		{name: "select missing", change: func(v url.Values) { v.Del("f_topic") }, field: "topic", want: "Choose topic."},
		{name: "checkbox ticked", change: func(v url.Values) { v.Set("f_reply", "yes") }, value: "reply", want: "yes"},
		{name: "checkbox odd value", change: func(v url.Values) { v.Set("f_reply", "on") }, field: "reply"},
		{name: "invalid UTF-8", change: func(v url.Values) { v.Set("f_name", "Hana\xffko") }, field: "name", want: "cannot be read"},
		{name: "control character", change: func(v url.Values) { v.Set("f_name", "Hana\x07ko") }, field: "name", want: "control characters"},
		{name: "tab in a text", change: func(v url.Values) { v.Set("f_name", "Hana\tko") }, field: "name", want: "control characters"},
		{name: "bidi override", change: func(v url.Values) { v.Set("f_name", "Hana\u202eko") }, field: "name", want: "control characters"},
		{name: "newline in a text", change: func(v url.Values) { v.Set("f_organisation", "Bay\nRobotics") }, field: "organisation"},
		{name: "tabs and newlines in a textarea", change: func(v url.Values) { v.Set("f_message", "a\tb\r\nc\rd\n") }, value: "message", want: "a\tb\nc\nd"},
		{name: "NUL in a textarea", change: func(v url.Values) { v.Set("f_message", "a\x00b") }, field: "message"},
		{name: "notice not confirmed", change: func(v url.Values) { v.Del("notice_read") }, field: noticeInput, want: "tick the box"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := goodForm()
			tc.change(in)
			lang := tc.lang
			if lang == "" {
				lang = "en"
			}
			s, errs := parseForm(cp, in, lang)
			if tc.field == "" {
				if len(errs) > 0 {
					t.Fatalf("errors %v, want none", errs)
				}
				if tc.value != "" && s.Values[tc.value] != tc.want {
					t.Errorf("%s = %q, want %q", tc.value, s.Values[tc.value], tc.want)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tc.field || !strings.Contains(errs[0].Message, tc.want) {
				t.Errorf("errors %v, want one for %s containing %q", errs, tc.field, tc.want)
			}
		})
	}
}

func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{"Your name": "your name", "URL": "URL", "email": "email", "": ""} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReference(t *testing.T) {
	pattern := regexp.MustCompile(`^C-[0-9]{4}-[2-9A-HJKMNP-TW-Z]{4}-[2-9A-HJKMNP-TW-Z]{4}$`)
	seen := map[string]bool{}
	for range 1000 {
		ref := newReference(time.Now())
		if !pattern.MatchString(ref) || !validReference(ref) {
			t.Fatalf("reference %q", ref)
		}
		if strings.ContainsAny(ref[7:], "01ILOUV") {
			t.Fatalf("reference %q has an ambiguous character", ref)
		}
		seen[ref] = true
	}
	if len(seen) < 999 {
		t.Errorf("%d distinct references of 1000", len(seen))
	}
	for _, bad := range []string{"", "C-2026-7KQM-X3H", "C-2026-7KQM-X3H0", "c-2026-7KQM-X3HD", "C-20X6-7KQM-X3HD", "C-2026_7KQM-X3HD"} {
		if validReference(bad) {
			t.Errorf("validReference(%q) = true", bad)
		}
	}
}

// FuzzParseForm feeds the parser arbitrary posted forms: it must never
// panic, keep only valid UTF-8, and accept only values within the rules.
func FuzzParseForm(f *testing.F) {
	f.Add("f_name=Hanako&f_email=h%40example.jp&f_topic=other&f_message=hi&notice_read=yes")
	f.Add("f_name=%FF%FE&f_email=%40&f_phone=%EF%BC%90%EF%BC%93&f_topic=x&f_message=%00&f_reply=on")
	f.Add("f_message=a%0D%0Ab%09c&f_name=%E2%80%AE&notice_read=no&notice_read=yes")
	f.Add("")
	cp := loadManifest(f).CollectionPoint("contact")
	f.Fuzz(func(t *testing.T, body string) {
		in, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		for _, lang := range []string{"ja", "en"} {
			s, errs := parseForm(cp, in, lang)
			bad := map[string]bool{}
			for _, e := range errs {
				if e.Message == "" {
					t.Fatalf("an error without a message for %s", e.Field)
				}
				bad[e.Field] = true
			}
			for i := range cp.Fields {
				fld := &cp.Fields[i]
				v := s.Values[fld.ID]
				if !utf8.ValidString(v) {
					t.Fatalf("%s kept invalid UTF-8 %q", fld.ID, v)
				}
				if bad[fld.ID] {
					continue
				}
				if fld.Required && v == "" {
					t.Fatalf("required %s accepted empty", fld.ID)
				}
				if utf8.RuneCountInString(v) > maxLength(fld) {
					t.Fatalf("%s accepted %d characters", fld.ID, utf8.RuneCountInString(v))
				}
				if hasControl(v, fld.Type == "textarea") || strings.Contains(v, "\r") {
					t.Fatalf("%s accepted control characters: %q", fld.ID, v)
				}
			}
		}
	})
}

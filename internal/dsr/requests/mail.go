package requests

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/timefmt"
)

// disclosureMail is the answer to a disclosure request, in the language
// the request was made in: a summary of every record to read, then the
// same records as JSON for a program to read. Times are written in loc,
// the site's time zone.
func disclosureMail(m *manifest.Manifest, loc *time.Location, req dsr.Request, to string, export dsr.Export) (mail.Message, error) {
	data, err := json.MarshalIndent(export, "", "  ")
	if err != nil {
		return mail.Message{}, fmt.Errorf("requests: encode disclosure of request %s: %w", req.ID, err)
	}
	lang := dsr.MailLang(req.Lang)
	l := i18n.Lang(lang)
	site, operator := m.Site.Name.In(lang), m.Operator.Name.In(lang)
	// The words of the regime in force when the answer is sent.
	regime := string(dsr.RegimeOf(m))
	var b strings.Builder
	b.WriteString(i18n.T(l, "dsr.mail.disclosure.intro."+regime, operator, req.Reference) + "\n\n")
	b.WriteString(i18n.T(l, "dsr.mail.disclosure.count", len(export.Records)))
	if export.Unavailable > 0 {
		b.WriteString(i18n.T(l, "dsr.mail.disclosure.unavailable", export.Unavailable))
	}
	b.WriteString("\n")
	for i, rec := range export.Records {
		b.WriteString("\n" + i18n.T(l, "dsr.mail.disclosure.record", i+1, m.CollectionPointName(rec.Form, lang)) + "\n")
		b.WriteString(i18n.T(l, "dsr.mail.disclosure.received", timefmt.Instant(lang, rec.Created, loc)) + "\n")
		b.WriteString(i18n.T(l, "dsr.mail.disclosure.expires", timefmt.Date(lang, rec.Expires, loc)) + "\n")
		for _, f := range readableFields(rec.Fields) {
			fmt.Fprintf(&b, "  %s: %s\n", f.Label, strings.ReplaceAll(f.Value, "\n", "\n    "))
		}
	}
	b.WriteString("\n" + i18n.T(l, "dsr.mail.disclosure.json") + "\n\n")
	b.Write(data)
	b.WriteString("\n\n" + operator + "\n")
	return mail.Message{To: []string{to}, Subject: i18n.T(l, "dsr.mail.disclosure.subject."+regime, site, req.Reference), Text: b.String()}, nil
}

// field is one value of a record, named.
type field struct{ Label, Value string }

// readableFields lists a record's fields by name, for reading: text as
// it is, anything else as JSON.
func readableFields(raw json.RawMessage) []field {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return []field{{Label: "data", Value: string(raw)}}
	}
	var out []field
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		value := string(fields[name])
		var s string
		if json.Unmarshal(fields[name], &s) == nil {
			value = s
		}
		out = append(out, field{Label: name, Value: value})
	}
	return out
}

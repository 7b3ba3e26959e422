package requests

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/dsr"
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
	lang := req.Lang
	if lang != "ja" {
		lang = "en"
	}
	site, operator := m.Site.Name.In(lang), m.Operator.Name.In(lang)
	ja := lang == "ja"
	var b strings.Builder
	subject := site + ": the personal data we hold about you (" + req.Reference + ")"
	if ja {
		subject = "【" + site + "】保有個人データの開示（" + req.Reference + "）"
		fmt.Fprintf(&b, "%sへの保有個人データの開示請求（受付番号 %s）にお答えします。\n\n", site, req.Reference)
		fmt.Fprintf(&b, "このメールアドレスについて当方が保有する記録は %d 件です。", len(export.Records))
		if export.Unavailable > 0 {
			fmt.Fprintf(&b, "ご請求の確認後に保存期間の終了等により消去された記録が %d 件あります。", export.Unavailable)
		}
		b.WriteString("\n")
	} else {
		fmt.Fprintf(&b, "This answers your request to %s for disclosure of the personal data we hold about you (reference %s).\n\n", site, req.Reference)
		fmt.Fprintf(&b, "Records we hold about this e-mail address: %d.", len(export.Records))
		if export.Unavailable > 0 {
			fmt.Fprintf(&b, " Records erased since you confirmed the request, at the end of their retention period for example: %d.", export.Unavailable)
		}
		b.WriteString("\n")
	}
	for i, rec := range export.Records {
		b.WriteString("\n")
		if ja {
			fmt.Fprintf(&b, "■ 記録 %d：%s\n", i+1, formName(m, rec.Form, lang))
			fmt.Fprintf(&b, "　受付日時：%s\n　削除予定日：%s\n", timefmt.Instant(lang, rec.Created, loc), timefmt.Date(lang, rec.Expires, loc))
		} else {
			fmt.Fprintf(&b, "Record %d: %s\n", i+1, formName(m, rec.Form, lang))
			fmt.Fprintf(&b, "  Received: %s\n  To be deleted on: %s\n", timefmt.Instant(lang, rec.Created, loc), timefmt.Date(lang, rec.Expires, loc))
		}
		for _, f := range readableFields(rec.Fields) {
			fmt.Fprintf(&b, "  %s: %s\n", f.Label, strings.ReplaceAll(f.Value, "\n", "\n    "))
		}
	}
	if ja {
		b.WriteString("\n以下は、同じ内容をプログラムで読める形式（JSON）で示したものです。\n\n")
	} else {
		b.WriteString("\nBelow is the same in a machine-readable form (JSON).\n\n")
	}
	b.Write(data)
	b.WriteString("\n\n" + operator + "\n")
	return mail.Message{To: []string{to}, Subject: subject, Text: b.String()}, nil
}

// formName is the name of the form a record came from, or its id when the
// manifest no longer lists it.
func formName(m *manifest.Manifest, id, lang string) string {
	if cp := m.CollectionPoint(id); cp != nil {
		return cp.Name.In(lang)
	}
	return id
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

package dsr

import (
	"strings"
	"time"

	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/manifest"
)

// verificationMail is the message with a request's link. Besides the
// recipient it holds nothing about the person: what kind of request was
// made, the link, and who runs the site. What they wrote stays in the
// vault.
func verificationMail(m *manifest.Manifest, lang, to string, kind Kind, link string, ttl time.Duration) mail.Message {
	site := m.Site.Name.In(lang)
	operator := m.Operator.Name.In(lang)
	within := humanDuration(ttl, lang)
	var b strings.Builder
	var subject string
	if lang == "ja" {
		subject = "【" + site + "】ご請求の確認のお願い"
		b.WriteString(site + "で、このメールアドレスを連絡先とする次の請求が送信されました。\n\n")
		b.WriteString("　請求の種類：" + kind.Label(lang) + "\n\n")
		b.WriteString("ご本人からの請求であることを確認するため、" + within + "以内に次のリンクを開き、表示されるページで「請求を確定する」を押してください。押すまでは請求は受け付けられず、何も行われません。\n\n")
		b.WriteString(link + "\n\n")
		b.WriteString("このリンクは一度だけ使えます。期限が過ぎた場合は、請求のページから改めて送信してください。\n\n")
		b.WriteString("お心当たりがない場合は、このメールを破棄してください。請求は行われず、何も変更されません。\n\n")
		b.WriteString(operator + "\n")
	} else {
		subject = site + ": please confirm your request"
		b.WriteString("A request giving this e-mail address as its contact was sent on " + site + ":\n\n")
		b.WriteString("  " + kind.Label(lang) + "\n\n")
		b.WriteString("To confirm that the request is yours, open the link below within " + within + " and press \"Confirm the request\" on the page it opens. Until you do, the request is not taken and nothing happens.\n\n")
		b.WriteString(link + "\n\n")
		b.WriteString("The link works once. If it has expired, please send the request again from the request page.\n\n")
		b.WriteString("If you did not make this request, please ignore this message: no request is made and nothing changes.\n\n")
		b.WriteString(operator + "\n")
	}
	return mail.Message{To: []string{to}, Subject: subject, Text: b.String()}
}

package dsr

import (
	"strings"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/manifest"
)

// verificationMail is the message with a request's link. Besides the
// recipient it holds nothing about the person: what kind of request was
// made, the link, and who runs the site. What they wrote stays in the
// vault.
func verificationMail(m *manifest.Manifest, lang, to string, kind Kind, link string, ttl time.Duration) mail.Message {
	l := i18n.Lang(lang)
	site := m.Site.Name.In(lang)
	paragraphs := []string{
		i18n.T(l, "dsr.mail.verify.sent", site),
		i18n.T(l, "dsr.mail.verify.kind", kind.Label(lang)),
		i18n.T(l, "dsr.mail.verify.confirm", humanDuration(ttl, lang)),
		link,
		i18n.T(l, "dsr.mail.verify.once"),
		i18n.T(l, "dsr.mail.verify.ignore"),
		m.Operator.Name.In(lang),
	}
	return mail.Message{
		To:      []string{to},
		Subject: i18n.T(l, "dsr.mail.verify.subject", site),
		Text:    strings.Join(paragraphs, "\n\n") + "\n",
	}
}

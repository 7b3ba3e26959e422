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
// vault. To a public body's requester it also says that confirming the
// address does not verify who they are.
func verificationMail(m *manifest.Manifest, lang, to string, kind Kind, link string, ttl time.Duration) mail.Message {
	l := i18n.Lang(lang)
	site := m.Site.Name.In(lang)
	r := RegimeOf(m)
	paragraphs := []string{
		i18n.T(l, "dsr.mail.verify.sent", site),
		i18n.T(l, "dsr.mail.verify.kind", kind.Label(lang, r)),
		i18n.T(l, "dsr.mail.verify.confirm", humanDuration(ttl, lang)),
		link,
		i18n.T(l, "dsr.mail.verify.once"),
	}
	if r == PublicBody {
		paragraphs = append(paragraphs, i18n.T(l, "dsr.mail.verify.identity", m.Operator.Name.In(lang)))
	}
	paragraphs = append(paragraphs, i18n.T(l, "dsr.mail.verify.ignore"), m.Operator.Name.In(lang))
	return mail.Message{
		To:      []string{to},
		Subject: i18n.T(l, "dsr.mail.verify.subject", site),
		Text:    strings.Join(paragraphs, "\n\n") + "\n",
	}
}

// receiptMail tells the person who confirmed a request, in the language
// of the request, that it was received, its reference and when it is
// due, in the site's calendar (loc), and whom to ask. It holds nothing of
// what they wrote. To a public body's requester it also says that their
// identity is verified, by the manifest's means, before any decision.
func receiptMail(m *manifest.Manifest, loc *time.Location, reqLang, to string, kind Kind, reference string, at, due time.Time) mail.Message {
	lang := MailLang(reqLang)
	l := i18n.Lang(lang)
	site := m.Site.Name.In(lang)
	operator := m.Operator.Name.In(lang)
	r := RegimeOf(m)
	summary := []string{
		i18n.T(l, "dsr.mail.receipt.reference", reference),
		i18n.T(l, "dsr.mail.receipt.kind", kind.Label(lang, r)),
		i18n.T(l, "dsr.mail.receipt.received", humanDate(at, lang, loc)),
		i18n.T(l, "dsr.mail.receipt."+string(r)+".deadline", humanDate(due, lang, loc)),
	}
	paragraphs := []string{
		i18n.T(l, "dsr.mail.receipt.intro", operator),
		strings.Join(summary, "\n"),
	}
	if r == PublicBody {
		paragraphs = append(paragraphs, i18n.T(l, "dsr.mail.receipt.public.identity", operator))
		if id := m.Requests.Identity.In(lang); id != "" {
			paragraphs = append(paragraphs, id)
		}
		paragraphs = append(paragraphs, i18n.T(l, "dsr.mail.receipt.public.answer"))
	} else {
		paragraphs = append(paragraphs, i18n.T(l, "dsr.mail.receipt.business.answer"))
	}
	contact := []string{contactName(m, lang)}
	if e := m.Operator.Email; e != "" {
		contact = append(contact, i18n.T(l, "dsr.mail.receipt.contact_email", e))
	}
	if p := m.Operator.Phone; p != "" {
		contact = append(contact, i18n.T(l, "dsr.mail.receipt.contact_phone", p))
	}
	paragraphs = append(paragraphs,
		i18n.T(l, "dsr.mail.receipt.contact"), strings.Join(contact, "\n"), operator)
	return mail.Message{
		To:      []string{to},
		Subject: i18n.T(l, "dsr.mail.receipt.subject", site, reference),
		Text:    strings.Join(paragraphs, "\n\n") + "\n",
	}
}

// extensionMail tells the person of req, in the language of the request,
// the extended deadline and its reason: the notice Arts. 83(2), 94(2) and
// 102(2) require. Dates are the site's, in loc.
func extensionMail(m *manifest.Manifest, loc *time.Location, req Request, to string) mail.Message {
	lang := MailLang(req.Lang)
	l := i18n.Lang(lang)
	site := m.Site.Name.In(lang)
	paragraphs := []string{
		i18n.T(l, "dsr.mail.extension.intro."+string(req.Kind), m.Operator.Name.In(lang), req.Reference),
		i18n.T(l, "dsr.mail.extension.before", humanDate(req.Extension.From, lang, loc)) + "\n" +
			i18n.T(l, "dsr.mail.extension.after", humanDate(req.Deadline, lang, loc)) + "\n" +
			i18n.T(l, "dsr.mail.extension.reason", req.Extension.Reason),
		i18n.T(l, "dsr.mail.extension.contact", contactName(m, lang)),
		m.Operator.Name.In(lang),
	}
	return mail.Message{
		To:      []string{to},
		Subject: i18n.T(l, "dsr.mail.extension.subject", site, req.Reference),
		Text:    strings.Join(paragraphs, "\n\n") + "\n",
	}
}

// MailLang is the language a mail about a request made in lang is
// written in: lang, or the catalogue's fallback when it lacks lang, so
// that the manifest's names match the texts around them.
func MailLang(lang string) string {
	if !i18n.Default().Supports(i18n.Lang(lang)) {
		return string(i18n.Fallback)
	}
	return lang
}

// contactName is the section that takes questions, or the operator.
func contactName(m *manifest.Manifest, lang string) string {
	if s := m.Operator.Section.In(lang); s != "" {
		return s
	}
	return m.Operator.Name.In(lang)
}

// Package dsr takes data-subject requests under Japan's Act on the
// Protection of Personal Information (APPI), in the words and with the
// procedure of the operator's regime (Regime). A business, under chapter
// 4, is asked for 開示等の請求: disclosure (開示, Art. 33), correction,
// addition or deletion of inaccurate data (訂正等, Art. 34), cessation of
// use, erasure or cessation of provision to third parties (利用停止等,
// Art. 35), erasure on request, and disclosure of the record of provision
// to third parties (第三者提供記録の開示, Art. 33(5)). A public body, under
// chapter 5, is asked for 開示請求 (Art. 76), 訂正請求 (Art. 90) and
// 利用停止請求 (Art. 98) only, decided within a deadline it may extend once
// with notice (Art. 83) and only after the requester's identity is
// verified (Art. 77).
//
// The public side is a server-rendered form at /{lang}/privacy/requests.
// A request is stored only after the person has shown they control the
// e-mail address it gives: the form stores it as pending and queues a
// one-time link; following the link and pressing the button on the page
// it opens verifies the request, sets its deadline in the site's calendar,
// looks up, through the vault's blind index, every record held about that
// address and queues a receipt. Every mail is queued through the Mailer
// (the mail outbox) in the transaction of what it announces, so an outage
// of the mail server delays it but neither loses it nor fails the request.
// The form answers the same whether or not the address has
// records, so it cannot be used to learn who is in the database.
//
// Nothing personal is stored in the clear: the e-mail address and any text
// the person wrote are sealed in the vault, the link is kept only as a
// hash, and the in-memory rate limits key on HMACs of addresses and
// networks. The methods for the console (List, Get, Subject, SetStatus,
// SetStatusAndMail, RecordIdentity, Extend, Delete, Disclose,
// ExpireUnverified) leave auditing to their caller.
package dsr

// Package mail sends Noren's outgoing e-mail over SMTP: notifications to
// staff, replies to people who wrote in, and one-time verification links
// for data-subject requests. A Folder writes messages to files instead,
// for the demo. The outbox package queues the mail that must not be lost,
// and the queue package is its console page.
//
// Every message is a single plain-text UTF-8 part. Subjects are encoded as
// RFC 2047 encoded-words; bodies are quoted-printable when they are mostly
// ASCII and base64 otherwise, so Japanese text arrives intact through any
// relay. Each message carries a Date and a Message-ID on the sender's own
// domain, and nothing that names the software that sent it.
//
// Recipients and bodies are personal data. Errors from this package never
// contain either: they say how many recipients a message had and at which
// SMTP step it failed, with the server's reply code, but not the server's
// reply text, which often repeats the address it refused.
package mail

// Package contact serves the contact forms a privacy manifest declares
// (its collection points): the form page with the notice required at the
// point of collection, the submission, and the thank-you page, in every
// language of the manifest and without needing JavaScript.
//
// What a person writes is sealed in the vault (internal/vault) and nowhere
// else: the contact_submissions table keeps only the form, a random
// reference number, times, the policy version the person confirmed and the
// handling status. Logs and notifications name the form and the reference,
// never a value, an address or the client's IP address.
//
// Spam is held off without third parties: a honeypot field, a minimum time
// between showing the form and sending it, a signed single-use challenge
// whose proof of work web/static/contact.js computes (or, without
// JavaScript, a short wait on a confirmation page), and a limit of
// submissions per network kept in memory under a key that changes daily.
// docs/contact.md describes each.
package contact

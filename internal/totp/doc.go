// Package totp implements time-based one-time passwords (RFC 6238) on top of
// HOTP (RFC 4226), fixed to the parameters every authenticator app supports:
// HMAC-SHA1, six digits and thirty-second steps.
//
// A secret is created with [NewSecret], shown to the user as text with
// [EncodeSecret] or as a QR code of [URI], and checked with [Verify], which
// returns the step it matched so the caller can store it and refuse the same
// code a second time.
package totp

// Package vault keeps personal data encrypted at rest in the vault_records
// table: what contact forms and data-subject requests collect.
//
// Each record's payload (its data and the subject's e-mail address) is
// encrypted with AES-256-GCM under a data key of its own; the data key is
// stored only wrapped, with AES-256-GCM, by a key-encryption key (KEK) held
// in a key file or an environment variable, never in the database. Both
// ciphertexts carry the record's id, kind and form (and the wrapping KEK's
// id) as additional data, so a ciphertext or wrapped key copied to another
// row does not decrypt. A blind index, HMAC-SHA256 of the normalised
// address under a separate index key, lets Find return one person's records
// without decrypting anyone's.
//
// Keys.SealSecret encrypts a small secret kept in another table, such as a
// console account's authenticator seed, directly under the active KEK, bound
// by additional data to its use, its row and the KEK; whoever stores it
// re-seals it under the new KEK when the keys rotate.
//
// Shred destroys a record's wrapped key and ciphertext; Rotate re-wraps every
// data key under a new KEK without touching the payloads. Copies of a row
// taken before it was shredded stay readable for as long as the KEK that
// wrapped it exists: rotating after shredding, and discarding the old KEK,
// is what makes them unreadable. docs/vault.md describes the procedures.
//
// # Key file
//
// The key file is text, one entry a line; blank lines and lines starting
// with # are ignored, and ";" also ends a line, so the content fits in an
// environment variable:
//
//	noren-vault-key v1
//	kek 3hq7mzt2kdpa g1vQFq…base64 of 32 bytes…=
//	kek ykc4x5w6jfrb Yy1w0F…base64 of 32 bytes…=
//	index q9Xr7F…base64 of 32 bytes…=
//
// The first kek line is the active KEK, which wraps new data keys; further
// kek lines are older KEKs, used only to unwrap records not yet re-wrapped.
// KEK ids are 1 to 32 characters of a-z, 0-9, _ and -. There is exactly one
// index line. Keys are standard, padded base64 of 32 bytes, all distinct.
// LoadKeyFile refuses a file that its group or other users may access.
//
// Nothing in this package logs, and no error it returns holds plaintext or
// key material; Keys print as their KEK ids.
package vault

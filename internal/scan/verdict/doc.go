// Package verdict judges what the scanner's browser saw against the
// privacy manifest and a cookie database: it classifies each cookie,
// storage key and recipient, and finds what is undeclared, what ran
// without consent, what is declared but never seen, and cookies that live
// longer than declared. Suggest writes manifest entries for what is
// undeclared.
package verdict

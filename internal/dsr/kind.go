package dsr

import "github.com/noren-web/noren/internal/i18n"

// Kind is what a request asks for.
type Kind string

// The kinds of request, with the APPI's terms.
const (
	// Disclosure asks for the personal data held (開示).
	Disclosure Kind = "disclosure"
	// Correction asks to correct, add to or delete inaccurate data (訂正等).
	Correction Kind = "correction"
	// Cessation asks to stop using or providing the data, or to erase it,
	// where it is handled against the law or no longer needed (利用停止等).
	Cessation Kind = "cessation"
	// Deletion asks to erase the data held.
	Deletion Kind = "deletion"
	// ProvisionRecord asks for the record of provision to third parties
	// (第三者提供記録の開示).
	ProvisionRecord Kind = "provision-record"
)

// Kinds lists every kind in the order the form offers them.
var Kinds = []Kind{Disclosure, Correction, Cessation, Deletion, ProvisionRecord}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, known := range Kinds {
		if k == known {
			return true
		}
	}
	return false
}

// Label is the kind's name in lang.
func (k Kind) Label(lang string) string {
	if !k.Valid() {
		return string(k)
	}
	return i18n.T(i18n.Lang(lang), "dsr.kind."+string(k))
}

// Description says, in lang, what the kind asks for and when the law
// grants it.
func (k Kind) Description(lang string) string {
	if !k.Valid() {
		return ""
	}
	return i18n.T(i18n.Lang(lang), "dsr.about."+string(k))
}

// Status is where a request stands.
type Status string

// The statuses of a request.
const (
	// PendingVerification: the link has been sent and not yet followed.
	PendingVerification Status = "pending_verification"
	// Verified: the person followed the link; the deadline runs.
	Verified Status = "verified"
	// InProgress: someone works on the request.
	InProgress Status = "in_progress"
	// Done: the request has been answered.
	Done Status = "done"
	// Rejected: the request was refused, with a reason given to the
	// person.
	Rejected Status = "rejected"
	// Expired: the link expired before it was followed.
	Expired Status = "expired"
)

// Statuses lists every status.
var Statuses = []Status{PendingVerification, Verified, InProgress, Done, Rejected, Expired}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, known := range Statuses {
		if s == known {
			return true
		}
	}
	return false
}

// Open reports whether the request still awaits an answer: its deadline
// runs.
func (s Status) Open() bool { return s == Verified || s == InProgress }

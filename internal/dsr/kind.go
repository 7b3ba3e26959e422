package dsr

import (
	"slices"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
)

// Kind is what a request asks for.
type Kind string

// The kinds of request, with the APPI's terms.
const (
	// Disclosure asks for the personal information held: 開示 (Art. 33) of a
	// business, 開示請求 (Art. 76) to a public body.
	Disclosure Kind = "disclosure"
	// Correction asks to correct, add to or delete inaccurate data: 訂正等
	// (Art. 34), or 訂正請求 (Art. 90).
	Correction Kind = "correction"
	// Cessation asks to stop using or providing the data, or to erase it,
	// where it is handled against the law or no longer needed: 利用停止等
	// (Art. 35), or 利用停止請求 (Art. 98).
	Cessation Kind = "cessation"
	// Deletion asks a business, beyond what the Act grants, to erase the
	// records held through the site: 記録の消去（任意のお申出）. Records the
	// law requires to be kept stay until their retention period ends.
	Deletion Kind = "deletion"
	// ProvisionRecord asks a business for the record of provision to third
	// parties (第三者提供記録の開示, Art. 33(5)).
	ProvisionRecord Kind = "provision-record"
)

// Kinds lists every kind a request may have been stored with, in the
// order the business form offers them. A public body offers fewer
// (Regime.Kinds), and a request stored under another regime keeps its kind.
var Kinds = []Kind{Disclosure, Correction, Cessation, Deletion, ProvisionRecord}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Label is the kind's name in lang, in the words of regime r's law. A kind
// r does not offer, stored before the regime changed, keeps the name it
// was asked under.
func (k Kind) Label(lang string, r Regime) string {
	if !k.Valid() {
		return string(k)
	}
	return i18n.T(i18n.Lang(lang), "dsr.kind."+string(r.wording(k))+"."+string(k))
}

// Description says, in lang, what the kind asks for and when regime r's
// law grants it.
func (k Kind) Description(lang string, r Regime) string {
	if !k.Valid() {
		return ""
	}
	return i18n.T(i18n.Lang(lang), "dsr.about."+string(r.wording(k))+"."+string(k))
}

// Regime is the chapter of the APPI requests are made under: it decides
// the kinds of request, their names, the deadline and what the console
// requires before a request is decided.
type Regime string

// The regimes.
const (
	// Business is a private business under chapter 4: 開示等の請求 of
	// Arts. 33-35, answered without delay.
	Business Regime = "business"
	// PublicBody is an administrative organ or agency under chapter 5:
	// 開示請求, 訂正請求 and 利用停止請求 (Arts. 76, 90, 98), decided within a
	// deadline that may be extended once with notice, after the requester's
	// identity is verified (Art. 77).
	PublicBody Regime = "public"
)

// RegimeOf is the regime of m's operator.
func RegimeOf(m *manifest.Manifest) Regime {
	if m.Operator.PublicBody() {
		return PublicBody
	}
	return Business
}

// Kinds lists the kinds of request r offers, in the form's order. Chapter
// 5 has no right to a record of provision, and a public body erases data
// only on a 利用停止請求.
func (r Regime) Kinds() []Kind {
	if r == PublicBody {
		return []Kind{Disclosure, Correction, Cessation}
	}
	return Kinds
}

// Offers reports whether a request of kind k may be made under r.
func (r Regime) Offers(k Kind) bool { return slices.Contains(r.Kinds(), k) }

// wording is the regime whose words name k: r, unless r does not offer
// k, which then keeps its business name.
func (r Regime) wording(k Kind) Regime {
	if r.Offers(k) {
		return r
	}
	return Business
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
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Open reports whether the request still awaits an answer: its deadline
// runs.
func (s Status) Open() bool { return s == Verified || s == InProgress }

// IdentityMeans is how staff verified a requester's identity (Art. 77(2)
// for a public body, Art. 37(2) for a business).
type IdentityMeans string

// The means of verifying identity the console records.
const (
	// AtCounter: documents shown at the office's counter.
	AtCounter IdentityMeans = "counter"
	// ByPost: copies of documents sent by post.
	ByPost IdentityMeans = "post"
	// Online: online, with the public individual authentication service
	// (公的個人認証) of an Individual Number Card.
	Online IdentityMeans = "online"
	// OtherMeans: another means, which the record's note describes.
	OtherMeans IdentityMeans = "other"
)

// IdentityMeansList lists every means, in the order the console offers
// them.
var IdentityMeansList = []IdentityMeans{AtCounter, ByPost, Online, OtherMeans}

// Valid reports whether m is one of IdentityMeansList.
func (m IdentityMeans) Valid() bool { return slices.Contains(IdentityMeansList, m) }

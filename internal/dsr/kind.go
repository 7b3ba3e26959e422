package dsr

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
	ja := lang == "ja"
	switch k {
	case Disclosure:
		return pick(ja, "保有個人データの開示", "Disclosure of your personal data")
	case Correction:
		return pick(ja, "内容の訂正、追加又は削除（訂正等）", "Correction, addition or deletion of inaccurate data")
	case Cessation:
		return pick(ja, "利用の停止、消去又は第三者への提供の停止（利用停止等）", "Cessation of use, erasure, or cessation of provision to third parties")
	case Deletion:
		return pick(ja, "保有個人データの削除", "Deletion of your personal data")
	case ProvisionRecord:
		return pick(ja, "第三者提供記録の開示", "Disclosure of the record of provision to third parties")
	}
	return string(k)
}

// Description says, in lang, what the kind asks for and when the law
// grants it.
func (k Kind) Description(lang string) string {
	ja := lang == "ja"
	switch k {
	case Disclosure:
		return pick(ja,
			"当方が保有するあなたの個人データの内容をお知らせします（個人情報保護法第33条）。",
			"We tell you what personal data about you we hold (APPI Article 33).")
	case Correction:
		return pick(ja,
			"あなたの個人データの内容が事実でない場合に、訂正、追加又は削除を求めることができます（同法第34条）。訂正すべき内容を記入してください。",
			"If personal data about you is not accurate, you may ask us to correct, add to or delete it (Article 34). Please say what should be corrected.")
	case Cessation:
		return pick(ja,
			"目的外の利用や不正な取得があった場合、利用する必要がなくなった場合、漏えい等が生じた場合、その他あなたの権利又は正当な利益が害されるおそれがある場合に、利用の停止、消去又は第三者提供の停止を求めることができます（同法第35条）。",
			"You may ask us to stop using, to erase, or to stop providing to third parties personal data about you if it is used beyond its purpose or was obtained improperly, if we no longer need it, if it has leaked, or if its handling may otherwise harm your rights or legitimate interests (Article 35).")
	case Deletion:
		return pick(ja,
			"本サイトを通じて当方が保有するあなたの記録（お問い合わせの内容など）をすべて消去するよう求めることができます。消去した記録は復元できません。",
			"You may ask us to erase every record about you that we hold through this site (messages you sent, for example). Erased records cannot be restored.")
	case ProvisionRecord:
		return pick(ja,
			"あなたの個人データを第三者に提供し、又は第三者から受け取った際に作成した記録の開示を求めることができます（同法第33条第5項）。",
			"You may ask for the records we keep when we provide personal data about you to a third party or receive it from one (Article 33(5)).")
	}
	return ""
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

func pick(ja bool, jaText, enText string) string {
	if ja {
		return jaText
	}
	return enText
}

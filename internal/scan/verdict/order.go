package verdict

import (
	"cmp"
	"slices"
)

// kindOrder is the order of kinds in a report, as docs/scan.md lists
// them.
var kindOrder = []Kind{
	UndeclaredCookie, UndeclaredStorage, UndeclaredRecipient, Unconsented,
	LongerThanDeclared, NeverSeen, CategoryConflict,
}

// sortFindings orders findings violations first, then by kind, subject,
// domain and subject kind, so that the same scan gives the same report.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)),
			cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)),
			cmp.Compare(a.Subject, b.Subject),
			cmp.Compare(a.Domain, b.Domain),
			cmp.Compare(a.SubjectKind, b.SubjectKind),
		)
	})
}

func severityRank(s Severity) int {
	if s == Violation {
		return 0
	}
	return 1
}

func kindRank(k Kind) int {
	if i := slices.Index(kindOrder, k); i >= 0 {
		return i
	}
	return len(kindOrder)
}

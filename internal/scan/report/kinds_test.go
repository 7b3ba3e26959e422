package report

import "github.com/noren-web/noren/internal/scan/verdict"

// kinds lists every kind of finding, in the order the package declares
// them.
func kinds() []string {
	return []string{
		string(verdict.UndeclaredCookie), string(verdict.UndeclaredStorage), string(verdict.UndeclaredRecipient),
		string(verdict.Unconsented), string(verdict.NeverSeen), string(verdict.LongerThanDeclared), string(verdict.CategoryConflict),
	}
}

// subjects lists every kind of subject.
func subjects() []string {
	return []string{
		verdict.SubjectCookie, verdict.SubjectLocalStorage, verdict.SubjectSessionStorage,
		verdict.SubjectIndexedDB, verdict.SubjectRecipient, verdict.SubjectTool,
	}
}

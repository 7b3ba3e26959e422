package verdict

import (
	"time"

	"github.com/noren-web/noren/internal/scan/cookiedb"
	"github.com/noren-web/noren/internal/scan/visit"
)

// Schema names the JSON report's format; docs/scan.md documents it.
const Schema = "noren-scan/1"

// Severity says whether a finding breaks the policy's promise (a
// violation, which fails the scan) or asks for a look (a warning).
type Severity string

// Severities.
const (
	Violation Severity = "violation"
	Warning   Severity = "warning"
)

// Kind is what a finding is about.
type Kind string

// Kinds of finding.
const (
	// UndeclaredCookie is a cookie the manifest does not declare.
	UndeclaredCookie Kind = "undeclared-cookie"
	// UndeclaredStorage is a web storage key or IndexedDB database the
	// manifest does not declare.
	UndeclaredStorage Kind = "undeclared-storage"
	// UndeclaredRecipient is a host the browser sent requests to that no
	// tool of the manifest declares.
	UndeclaredRecipient Kind = "undeclared-recipient"
	// Unconsented is a cookie, storage key or recipient that needs
	// consent, seen where none was given: before a choice, after "Reject
	// all" or under GPC.
	Unconsented Kind = "unconsented"
	// NeverSeen is a tool the manifest declares that no page showed in
	// any state: the policy may be stale.
	NeverSeen Kind = "never-seen"
	// LongerThanDeclared is a cookie that lives longer than declared.
	LongerThanDeclared Kind = "longer-than-declared"
	// CategoryConflict is a cookie the manifest files under a required
	// category while the cookie database files it under analytics or
	// marketing.
	CategoryConflict Kind = "category-conflict"
)

// What a finding's subject is.
const (
	SubjectCookie         = "cookie"
	SubjectLocalStorage   = visit.LocalStorage
	SubjectSessionStorage = visit.SessionStorage
	SubjectIndexedDB      = visit.IndexedDB
	SubjectRecipient      = "recipient"
	SubjectTool           = "tool"
)

// Report is a scan's outcome: what was visited, what was found, and the
// observations the findings rest on. It is the JSON report's document.
type Report struct {
	// Schema is the constant Schema.
	Schema string `json:"schema"`
	// Version is the version of Noren that scanned.
	Version string `json:"version"`
	// URL is where the scan started.
	URL string `json:"url"`
	// Manifest is the hash of the manifest judged against, "" for none.
	Manifest string `json:"manifest,omitempty"`
	// CookieDB names the cookie database used, "" for none.
	CookieDB string `json:"cookie_db,omitempty"`
	// Started and Finished bound the scan, in UTC.
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Pages are the URLs visited, in order.
	Pages []string `json:"pages"`
	// Truncated says the crawl stopped at its page or depth limit.
	Truncated bool `json:"truncated,omitempty"`
	// States summarise each state.
	States []StateSummary `json:"states"`
	// Findings, violations first, then by kind and subject.
	Findings []Finding `json:"findings"`
	// Violations and Warnings count the findings of each severity.
	Violations int `json:"violations"`
	Warnings   int `json:"warnings"`
	// Observations are what the browser saw, page by page.
	Observations *visit.Result `json:"observations,omitempty"`
}

// StateSummary is one state at a glance.
type StateSummary struct {
	State   visit.State `json:"state"`
	Reached bool        `json:"reached"`
	Choice  string      `json:"choice,omitempty"`
	Button  string      `json:"button,omitempty"`
	Note    string      `json:"note,omitempty"`
	// Pages counts the pages visited, Errors those that failed.
	Pages  int `json:"pages"`
	Errors int `json:"errors"`
	// Cookies, Storage and Recipients count the distinct names, keys and
	// hosts seen.
	Cookies    int `json:"cookies"`
	Storage    int `json:"storage"`
	Recipients int `json:"recipients"`
}

// Finding is one thing the scan found, with the evidence it rests on.
type Finding struct {
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	// Subject is the cookie's name, the storage key, the host, or the
	// tool's id; SubjectKind is one of the Subject constants.
	Subject     string `json:"subject"`
	SubjectKind string `json:"subject_kind"`
	// Domain is a cookie's domain, or a storage key's origin.
	Domain string `json:"domain,omitempty"`
	// Tool and Category are the manifest's tool and cookie category the
	// subject belongs to, when it declares it.
	Tool     string `json:"tool,omitempty"`
	Category string `json:"category,omitempty"`
	// Database is the cookie database's entry for the subject, if any.
	Database *cookiedb.Entry `json:"database,omitempty"`
	// Declared and Seen are the lifetimes of a LongerThanDeclared
	// finding, or the categories of a CategoryConflict, as text.
	Declared string `json:"declared,omitempty"`
	Seen     string `json:"seen,omitempty"`
	// States are the states the subject was seen in, in States() order.
	States []visit.State `json:"states,omitempty"`
	// Evidence are the first places the subject was seen, at most
	// MaxEvidence; EvidenceTotal counts them all.
	Evidence      []Evidence `json:"evidence"`
	EvidenceTotal int        `json:"evidence_total"`
}

// MaxEvidence bounds the evidence a finding lists.
const MaxEvidence = 20

// Evidence is one place a finding's subject was seen.
type Evidence struct {
	// Page is the page's URL and State the state it was visited in.
	Page  string      `json:"page"`
	State visit.State `json:"state"`
	// Request is the URL of the request, for a recipient.
	Request string `json:"request,omitempty"`
	// Initiator is the script or document that caused the request, or
	// that set the cookie or wrote the key, when the browser told.
	Initiator string `json:"initiator,omitempty"`
	// Expires is a cookie's expiry as seen, zero for a session cookie.
	Expires time.Time `json:"expires,omitzero"`
}

// ExitCode is the scan command's exit status for the report: 0 when it
// holds no violation, 1 when it does. (2, a scan that failed, has no
// report.)
func (r *Report) ExitCode() int {
	if r.Violations > 0 {
		return 1
	}
	return 0
}

// Clean reports whether the scan found no violation in any state it
// reached, and reached them all: the condition for the cookie policy's
// "last verified on".
func (r *Report) Clean() bool {
	if r.Violations > 0 {
		return false
	}
	for _, s := range r.States {
		if !s.Reached {
			return false
		}
	}
	return true
}

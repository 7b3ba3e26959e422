package visit

import "time"

// State is a consent state the pages are visited in, each in a browser
// profile of its own.
type State string

// The four states of a scan.
const (
	// NoChoice is a first visit: no choice made, the banner left alone.
	NoChoice State = "no-choice"
	// AcceptAll is after pressing the banner's "Accept all".
	AcceptAll State = "accept-all"
	// RejectAll is after pressing the banner's "Reject all".
	RejectAll State = "reject-all"
	// GPC is a browser sending Global Privacy Control, no choice made.
	GPC State = "gpc"
)

// States lists the four states in the order a report shows them.
func States() []State { return []State{NoChoice, AcceptAll, RejectAll, GPC} }

// How a state's choice was made.
const (
	// ChoiceNone is a state without a choice to make (NoChoice, GPC).
	ChoiceNone = ""
	// ChoiceBanner is a choice made by pressing the banner's button.
	ChoiceBanner = "banner"
	// ChoiceNorenCookie is a choice written as Noren's consent cookie,
	// for a Noren site whose banner could not be pressed.
	ChoiceNorenCookie = "noren-cookie"
)

// Result is what the browser saw on every page in every state.
type Result struct {
	// Start is the URL the scan started at.
	Start string `json:"start"`
	// Browser is the browser's product and version, as it reports them.
	Browser string `json:"browser"`
	// Started and Finished bound the visits, in UTC.
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// States are the states visited, in the order of States().
	States []StateResult `json:"states"`
}

// StateResult is one state's visits.
type StateResult struct {
	State State `json:"state"`
	// Reached is false when the state's choice could not be made, such
	// as a site without a banner button to press; Note says why, and
	// Pages is then empty.
	Reached bool `json:"reached"`
	// Choice is how the choice was made: ChoiceBanner,
	// ChoiceNorenCookie or ChoiceNone.
	Choice string `json:"choice,omitempty"`
	// Button is the text of the button pressed, when one was.
	Button string `json:"button,omitempty"`
	// Note explains an unreached state or anything else of note.
	Note string `json:"note,omitempty"`
	// Pages are the pages visited, in the order given.
	Pages []Page `json:"pages"`
}

// Page is what one page did in one state. Cookies and storage keys are
// what the browser holds once the page has settled, so a page lists those
// that earlier pages of the same state set too.
type Page struct {
	// URL is the page's address as visited.
	URL string `json:"url"`
	// Status is the HTTP status of the page's document, 0 when none came.
	Status int `json:"status"`
	// Error says why the page could not be visited; the rest is then
	// what was seen before it failed.
	Error string `json:"error,omitempty"`
	// Cookies are every cookie the browser holds for any host.
	Cookies []Cookie `json:"cookies"`
	// Storage are the keys of localStorage, sessionStorage and the names
	// of IndexedDB databases of the page's frames.
	Storage []StorageKey `json:"storage"`
	// Requests are the requests to hosts other than the page's own,
	// whether or not they succeeded: an attempt already sends.
	Requests []Request `json:"requests"`
	// Frames are the page's iframes, at any depth.
	Frames []Frame `json:"frames"`
}

// Cookie is a cookie as the browser holds it.
type Cookie struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
	Path   string `json:"path"`
	// Expires is when it expires; zero for a session cookie.
	Expires time.Time `json:"expires,omitzero"`
	// Seen is when it was read, so that Expires-Seen is its lifetime.
	Seen     time.Time `json:"seen"`
	HTTPOnly bool      `json:"http_only"`
	Secure   bool      `json:"secure"`
	// SameSite is Strict, Lax, None or "" when unset.
	SameSite string `json:"same_site,omitempty"`
	// ThirdParty is set when Domain is neither the page's host nor a
	// domain it belongs to.
	ThirdParty bool `json:"third_party"`
	// SetBy is the URL of the response whose Set-Cookie header set it, or
	// of the script that wrote it, when the browser told; SetByKind is
	// "response" or "script" then.
	SetBy     string `json:"set_by,omitempty"`
	SetByKind string `json:"set_by_kind,omitempty"`
}

// Kinds of storage besides cookies, named as the manifest names them.
const (
	LocalStorage   = "local_storage"
	SessionStorage = "session_storage"
	IndexedDB      = "indexed_db"
)

// StorageKey is a key written to web storage, or an IndexedDB database.
type StorageKey struct {
	// Kind is LocalStorage, SessionStorage or IndexedDB.
	Kind string `json:"kind"`
	// Origin is the origin of the frame that holds it.
	Origin string `json:"origin"`
	// Key is the key, or the database's name.
	Key string `json:"key"`
	// SetBy is the URL of the script that wrote it, when known.
	SetBy string `json:"set_by,omitempty"`
}

// Request is a request to another host than the page's.
type Request struct {
	// URL is the address requested, cut to 512 bytes.
	URL string `json:"url"`
	// Host is its host name in lower case, without a port.
	Host string `json:"host"`
	// Type is the browser's resource type: Script, Image, XHR, Fetch,
	// Document (a frame), Stylesheet, Font, Ping, Other.
	Type string `json:"type"`
	// Initiator is the URL of the script, or of the document for markup,
	// that caused the request; InitiatorKind is the browser's kind of
	// initiator: parser, script, preload, other.
	Initiator     string `json:"initiator,omitempty"`
	InitiatorKind string `json:"initiator_kind,omitempty"`
	// Failed says the request got no response (a name that did not
	// resolve, a refused connection, a block); it was still attempted.
	Failed bool `json:"failed,omitempty"`
}

// Frame is an iframe of a page.
type Frame struct {
	URL  string `json:"url"`
	Host string `json:"host"`
	// Parent is the URL of the frame's parent document.
	Parent string `json:"parent,omitempty"`
}

// Options say what to visit and how.
type Options struct {
	// Pages are the absolute URLs to visit, the first being where the
	// choice states press the banner. Every state visits them all.
	Pages []string
	// States are the states to visit in; nil means States().
	States []State
	// Browser is the browser to run; "" searches PATH for chromium,
	// chromium-browser and google-chrome.
	Browser string
	// HostResolverRules are Chromium's --host-resolver-rules, such as
	// "MAP example.org 127.0.0.1:8080", so that a server can scan itself
	// on loopback under its public name, and tests reach nothing else.
	HostResolverRules string
	// IgnoreCertificateErrors accepts any TLS certificate, for a site
	// scanned on loopback under its public name with a certificate the
	// browser does not know.
	IgnoreCertificateErrors bool
	// Concurrency is how many pages a state visits at once; 0 means 2.
	// The states run side by side.
	Concurrency int
	// Settle is how long the network must stay quiet after the load
	// event for a page to count as settled; 0 means 500 ms.
	Settle time.Duration
	// PageTimeout bounds one page's visit; 0 means 20 s.
	PageTimeout time.Duration
	// Progress, when set, is called after each page of any state with
	// the pages done and the total, from any goroutine but one call at a
	// time. The pages of a state that cannot be reached count as done.
	Progress func(done, total int)
	// NorenCookie, when set, gives the value of Noren's consent cookie
	// (noren_consent) for a state; AcceptAll and RejectAll write it on the
	// first page's host when no banner button can be found, so that a
	// Noren site whose banner cannot be pressed is still visited with the
	// choice made. "" leaves the state unreached.
	NorenCookie func(s State) string
}

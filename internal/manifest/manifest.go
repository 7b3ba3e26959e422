// Package manifest reads, validates and hashes the privacy manifest: the
// single YAML document that declares what a site collects, why, from whom it
// is sent to whom, and for how long. Every generated document and every check
// in Noren starts from a *Manifest.
package manifest

import (
	"strings"
	"time"

	"github.com/noren-web/noren/internal/i18n"
)

// SchemaVersion is the manifest schema this package reads.
const SchemaVersion = 1

// Manifest is a parsed and validated privacy manifest.
type Manifest struct {
	Schema      int      `yaml:"schema"`
	Languages   []string `yaml:"languages"`
	DefaultLang string   `yaml:"default_language"`

	Site     Site     `yaml:"site"`
	Operator Operator `yaml:"operator"`
	Policy   Policy   `yaml:"policy"`

	DataCategories      []DataCategory    `yaml:"data_categories"`
	Purposes            []Purpose         `yaml:"purposes"`
	CollectionPoints    []CollectionPoint `yaml:"collection_points"`
	AutomaticCollection []AutomaticItem   `yaml:"automatic_collection"`
	CookieCategories    []CookieCategory  `yaml:"cookie_categories"`
	Tools               []Tool            `yaml:"tools"`
	Contractors         []Contractor      `yaml:"contractors"`
	Security            Security          `yaml:"security"`
	Statistics          Statistics        `yaml:"statistics"`
	Consent             Consent           `yaml:"consent"`
	Requests            Requests          `yaml:"requests"`
	Copyright           Copyright         `yaml:"copyright"`
	// Search is omitted from the canonical form when it declares nothing,
	// so that it changes no other hash.
	Search Search `yaml:"search" json:",omitzero"`

	hash string
	// lines maps a field's dotted path to its line in the file, so that
	// checks made after parsing can point at the claim they test.
	lines map[string]int
	file  string
	// declaredCategories are the ids of the cookie categories the file
	// lists itself, as opposed to built-in ones it leaves as they are.
	declaredCategories map[string]bool
}

// CategoryDeclared reports whether the manifest lists the cookie category
// id itself rather than only inheriting it from DefaultCookieCategories.
func (m *Manifest) CategoryDeclared(id string) bool { return m.declaredCategories[id] }

// Text is a human-readable text in every language of the manifest, keyed by
// language code ("ja", "en").
type Text map[string]string

// In returns the text in lang, falling back to English and then to any
// language so that a page never shows an empty string.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	if s, ok := t["en"]; ok && s != "" {
		return s
	}
	for _, s := range t {
		if s != "" {
			return s
		}
	}
	return ""
}

// Site describes the website the manifest covers.
type Site struct {
	Name   Text   `yaml:"name"`
	URL    string `yaml:"url"`
	Domain string `yaml:"domain"`
}

// Operator is the organisation responsible for the site and its data (the
// "implementing body" of a Japanese public-sector policy).
type Operator struct {
	Name Text `yaml:"name"`
	// Regime is the part of the APPI the operator falls under: one of
	// RegimeBusiness, RegimeNationalOrgan, RegimeLocalGovernment and
	// RegimeIncorporatedAgency. Every generated text follows from it.
	Regime string `yaml:"regime"`
	// Ordinance is a local government's implementing ordinance (施行条例).
	Ordinance  Ordinance `yaml:"ordinance"`
	Definition Text      `yaml:"definition"` // optional: who exactly the operator is, for the definition section
	// Representative is the title and name of a business's representative,
	// which Art. 32 has the policy publish.
	Representative Text   `yaml:"representative"`
	Section        Text   `yaml:"section"` // the contact section or department
	Email          string `yaml:"email"`
	// EmailDisplay is how Noren's pages print Email: EmailPlain (a
	// mailto: link) or EmailAt ("name(at)example.jp", never a link).
	EmailDisplay string `yaml:"email_display"`
	Phone        string `yaml:"phone"`   // optional
	Address      Text   `yaml:"address"` // optional for public bodies; required for businesses (Art. 32)
	URL          string `yaml:"url"`     // optional
	// Complaints names the desk that takes complaints about the handling
	// of personal information, when it is not Section.
	Complaints Text `yaml:"complaints"`
}

// Regimes of Operator.Regime.
const (
	// RegimeBusiness is a private business, under chapter 4 of the APPI.
	RegimeBusiness = "business"
	// RegimeNationalOrgan is a national administrative organ (行政機関),
	// under chapter 5.
	RegimeNationalOrgan = "national_organ"
	// RegimeLocalGovernment is a local government's organ (地方公共団体の
	// 機関), under chapter 5 and the government's implementing ordinance.
	RegimeLocalGovernment = "local_government"
	// RegimeIncorporatedAgency is an incorporated administrative agency or
	// similar (独立行政法人等), under chapter 5.
	RegimeIncorporatedAgency = "incorporated_administrative_agency"
)

// Regimes lists every regime, in the order the documentation gives them.
var Regimes = []string{RegimeBusiness, RegimeNationalOrgan, RegimeLocalGovernment, RegimeIncorporatedAgency}

// Values of Operator.EmailDisplay.
const (
	// EmailPlain prints the address as it is, as a mailto: link.
	EmailPlain = "plain"
	// EmailAt prints "@" as "(at)" and never links the address.
	EmailAt = "at"
)

// PublicBody reports whether the operator is an administrative organ or
// agency under chapter 5 of the APPI rather than a business under chapter 4.
func (o *Operator) PublicBody() bool {
	return o.Regime != "" && o.Regime != RegimeBusiness
}

// Ordinance is a local government's ordinance implementing the APPI
// (個人情報の保護に関する法律施行条例).
type Ordinance struct {
	Name Text   `yaml:"name"`
	URL  string `yaml:"url"` // optional: where it is published
}

// Policy carries the metadata of the policy documents.
type Policy struct {
	Version   string `yaml:"version"`
	Effective Date   `yaml:"effective"`
	// Basis names the laws the privacy policy is based on; empty means
	// the APPI, and for a local government its ordinance too.
	Basis   Text `yaml:"basis"`
	Intro   Text `yaml:"intro"`   // optional opening paragraph
	Changes Text `yaml:"changes"` // optional summary of what changed in this version
	// EraDates adds the Japanese era (和暦) to the dates of the Japanese
	// documents.
	EraDates bool `yaml:"era_dates"`
	// CookiesName is the name of the cookie policy, as its title and every
	// link to it show it; empty means one that says it covers external
	// transmission.
	CookiesName Text `yaml:"cookies_name"`
	// Statements are optional fixed statements the operator switches on:
	// StatementNoIdentityInCookies, StatementFirewall.
	Statements []string `yaml:"statements"`
}

// CookiesTitle is the cookie policy's name in lang: CookiesName, or
// Noren's own, which says that the policy covers external transmission.
func (p *Policy) CookiesTitle(lang string) string {
	if s := p.CookiesName.In(lang); s != "" {
		return s
	}
	return i18n.T(i18n.Lang(lang), "manifest.cookies_name")
}

// Optional statements of Policy.Statements.
const (
	// StatementNoIdentityInCookies says that the site's cookies hold no
	// name, address or other information that identifies a person.
	StatementNoIdentityInCookies = "cookies_hold_no_identity"
	// StatementFirewall says that a visitor's firewall or security
	// software may block parts of the site.
	StatementFirewall = "firewall_may_block"
)

// Statements lists every optional statement of Policy.Statements.
var Statements = []string{StatementNoIdentityInCookies, StatementFirewall}

// Statement reports whether the policy switches on statement id.
func (p *Policy) Statement(id string) bool {
	for _, s := range p.Statements {
		if s == id {
			return true
		}
	}
	return false
}

// DataCategory is a kind of personal data the site may collect.
type DataCategory struct {
	ID        string `yaml:"id"`
	Name      Text   `yaml:"name"`
	Sensitive bool   `yaml:"sensitive"` // special-care-required personal information (APPI art. 2(3))
}

// Purpose is a purpose of use of personal data.
type Purpose struct {
	ID          string   `yaml:"id"`
	Name        Text     `yaml:"name"`
	Description Text     `yaml:"description"`
	Data        []string `yaml:"data"` // data category ids used for this purpose
}

// CollectionPoint is a place where visitors hand over personal data,
// typically a form.
type CollectionPoint struct {
	ID        string   `yaml:"id"`
	Name      Text     `yaml:"name"`
	Path      string   `yaml:"path"` // page path without language prefix, e.g. "/contact"
	Purposes  []string `yaml:"purposes"`
	Retention Duration `yaml:"retention"`
	Handlers  []string `yaml:"handlers"` // contractor ids (or "operator") who may read submissions
	Fields    []Field  `yaml:"fields"`
}

// Field is one input of a collection point.
type Field struct {
	ID        string   `yaml:"id"`
	Label     Text     `yaml:"label"`
	Help      Text     `yaml:"help"` // optional
	Type      string   `yaml:"type"` // text, email, tel, textarea, select, checkbox
	Required  bool     `yaml:"required"`
	MaxLength int      `yaml:"max_length"`
	Options   []Option `yaml:"options"`  // for select
	Category  string   `yaml:"category"` // data category id
	Purpose   string   `yaml:"purpose"`  // purpose id
	Retention Duration `yaml:"retention"`
}

// Option is one choice of a select field.
type Option struct {
	Value string `yaml:"value"`
	Label Text   `yaml:"label"`
}

// AutomaticItem is information collected automatically from every visitor
// that does not identify a person on its own (access logs, analytics).
type AutomaticItem struct {
	ID        string   `yaml:"id"`
	What      Text     `yaml:"what"`
	Why       Text     `yaml:"why"`
	Retention Duration `yaml:"retention"`
	Tool      string   `yaml:"tool"` // optional: the tool that collects it
	// Includes declares, for the checks against the configuration, what
	// of AutomaticIncludes the item's What describes.
	Includes []string `yaml:"includes"`
}

// What an automatic item may declare in Includes, for the settings that
// add it to what Noren's analytics records.
const (
	// IncludesCountry: the visitor's country, from a country database.
	IncludesCountry = "country"
	// IncludesNetworkName: the domain name of the visitor's network, from
	// reverse DNS.
	IncludesNetworkName = "network_name"
)

// AutomaticIncludes lists every value of AutomaticItem.Includes.
var AutomaticIncludes = []string{IncludesCountry, IncludesNetworkName}

// CookieCategory groups cookies and tools for consent.
type CookieCategory struct {
	ID          string `yaml:"id"`
	Name        Text   `yaml:"name"`
	Description Text   `yaml:"description"`
	// Required categories are strictly necessary and cannot be refused.
	Required bool `yaml:"required"`
	// SaleOrShare marks categories refused by a Global Privacy Control signal.
	SaleOrShare bool `yaml:"sale_or_share"`
	// BeforeChoice lets a refusable category run until the visitor
	// chooses (opt-out), as first-party statistics may; a Global Privacy
	// Control signal that refuses the category still stops it.
	BeforeChoice bool `yaml:"before_choice"`
}

// Tool kinds known to the policy generator; they decide in which section of
// the privacy policy a tool is described.
const (
	KindAnalytics   = "analytics"
	KindSearch      = "search"
	KindSocial      = "social"
	KindConsent     = "consent"
	KindAdvertising = "advertising"
	KindEmbed       = "embed"
	KindForms       = "forms"
	KindHosting     = "hosting"
	KindOther       = "other"
)

// Tool is a piece of software that runs on the site and may send information
// to a recipient: Noren's own first-party parts or a third party's tag.
type Tool struct {
	// Use names a service of the built-in catalogue (see Catalog) whose
	// tool this one is, with the keys given here on top. Omitted from the
	// canonical form when empty, so that it changes no other hash.
	Use             string   `yaml:"use" json:",omitempty"`
	ID              string   `yaml:"id"`
	Name            Text     `yaml:"name"`
	Kind            string   `yaml:"kind"`
	Party           string   `yaml:"party"` // "first" or "third"
	Recipient       Text     `yaml:"recipient"`
	Country         string   `yaml:"country"` // optional ISO 3166 code of the recipient
	Category        string   `yaml:"category"`
	InformationSent Text     `yaml:"information_sent"`
	Purpose         Text     `yaml:"purpose"`
	OptOut          string   `yaml:"opt_out"`        // URL; required for third parties
	PrivacyPolicy   string   `yaml:"privacy_policy"` // URL of the recipient's policy
	Hosts           []string `yaml:"hosts"`          // hosts the tool loads from or sends to
	Cookies         []Cookie `yaml:"cookies"`
	// InlineMarkers are strings whose presence in an inline <script> of
	// the site marks it as this tool's snippet, held back with the tool
	// until consent. Omitted from the canonical form when empty, so that
	// it changes no other hash.
	InlineMarkers []string `yaml:"inline_markers" json:",omitempty"`
}

// Storage kinds of a Cookie.
const (
	StorageCookie         = "cookie"
	StorageLocalStorage   = "local_storage"
	StorageSessionStorage = "session_storage"
	// StorageIndexedDB is an IndexedDB database, Name being its name.
	StorageIndexedDB = "indexed_db"
)

// Cookie is a cookie or a web-storage key a tool sets.
type Cookie struct {
	Name        string   `yaml:"name"`
	Storage     string   `yaml:"storage"` // cookie (default), local_storage, session_storage, indexed_db
	Domain      string   `yaml:"domain"`
	Duration    Duration `yaml:"duration"`
	Category    string   `yaml:"category"`
	Description Text     `yaml:"description"`
	Wildcard    bool     `yaml:"wildcard"` // Name is a prefix (e.g. "_ga_")
}

// Contractor is an entrusted party that handles data on the operator's
// behalf under its supervision.
type Contractor struct {
	ID       string   `yaml:"id"`
	Name     Text     `yaml:"name"`
	Task     Text     `yaml:"task"`
	Data     []string `yaml:"data"`     // data category ids it may handle
	Purposes []string `yaml:"purposes"` // purpose ids it works for
	Country  string   `yaml:"country"`
	// TransferBasis is what permits a business to entrust personal data to
	// a contractor outside Japan under Art. 28: TransferEquivalentSystem or
	// TransferConsent. A public body has none: chapter 5 applies Art. 71.
	// Omitted from the canonical form when empty, so that it changes no
	// other hash.
	TransferBasis string `yaml:"transfer_basis" json:",omitempty"`
}

// Values of Contractor.TransferBasis.
const (
	// TransferEquivalentSystem is a recipient whose system meets the
	// standards of the Personal Information Protection Commission's rules
	// (基準適合体制, Art. 28(1)), with the measures of Art. 28(3).
	TransferEquivalentSystem = "equivalent_system"
	// TransferConsent is the person's prior consent to provision abroad,
	// given with the information of Art. 28(2).
	TransferConsent = "consent"
)

// Abroad reports whether the contractor's country is set and is not Japan.
func (c *Contractor) Abroad() bool {
	return c.Country != "" && !strings.EqualFold(c.Country, "JP")
}

// Security lists the security measures the operator takes.
type Security struct {
	// TLSMinVersion is the oldest TLS version the site accepts, "1.2" or
	// "1.3"; it is the server's minimum too.
	TLSMinVersion string `yaml:"tls_min_version"`
	// TLSException states, in the policy, where the site is reached
	// without TLS (a demonstration on loopback); the checks accept a
	// plain-HTTP configuration on loopback only with it.
	TLSException Text   `yaml:"tls_exception"`
	Measures     []Text `yaml:"measures"`
	Policy       Text   `yaml:"policy"` // optional information-security policy statement
}

// Consent configures how visitors' consent is asked for and kept.
type Consent struct {
	// Expires is how long a visitor's choice lasts before they are asked
	// again; default 6 months.
	Expires Duration `yaml:"expires"`
	// GPCRefuses are categories a Global Privacy Control signal refuses
	// besides those marked sale_or_share; default [analytics].
	GPCRefuses []string `yaml:"gpc_refuses"`
	// GoogleConsentMode makes the banner tell Google tags the visitor's
	// choices (Consent Mode v2), for sites that keep such tags.
	GoogleConsentMode bool `yaml:"google_consent_mode"`
	// Banner overrides the built-in texts of the consent banner.
	Banner ConsentBanner `yaml:"banner"`
}

// ConsentBanner holds the banner texts an operator may replace; empty texts
// keep Noren's own.
type ConsentBanner struct {
	Title Text `yaml:"title"`
	Text  Text `yaml:"text"`
}

// Statistics says whether aggregate statistics are published and how they
// are protected.
type Statistics struct {
	Publish bool `yaml:"publish"`
	// MinCount suppresses groups smaller than this (k-anonymity threshold).
	MinCount int `yaml:"min_count"`
	// Epsilon of the Laplace noise added to published counts; 0 means none.
	Epsilon float64 `yaml:"epsilon"`
}

// Requests describes how the operator answers requests about personal
// information: for a public body the 開示請求, 訂正請求 and 利用停止請求 of
// chapter 5, for a business the 開示等の請求 of Arts. 33-35.
type Requests struct {
	// Deadline is the time to decide on a request; zero means the default
	// of the regime: 30 days for a public body (Art. 83; an ordinance may
	// shorten it, Art. 108), DefaultBusinessDeadline for a business.
	Deadline Duration `yaml:"deadline"`
	// Extension is how much a public body may extend Deadline with notice
	// to the requester; zero means 30 days (Art. 83(2)).
	Extension Duration `yaml:"extension"`
	// Fee is the fee of a 開示請求 as the ordinance or cabinet order sets
	// it (Art. 89); required for public bodies. Businesses may state one
	// (Art. 38).
	Fee Text `yaml:"fee"`
	// Identity is how the operator verifies the requester's identity
	// (Art. 77 for public bodies, Art. 37 for businesses); required for
	// public bodies.
	Identity Text `yaml:"identity"`
	// Records states how long the operator keeps the site's records and
	// when it erases them, printed beside the explanation of erasure.
	Records Text `yaml:"records"`
	// FileRegister is the URL of a public body's 個人情報ファイル簿
	// (Art. 75); required for public bodies.
	FileRegister string `yaml:"file_register"`
	// Appeal names where a 審査請求 against a public body's decision goes;
	// empty means the body that decided.
	Appeal Text `yaml:"appeal"`
}

// Default deadlines of Requests.Deadline and Requests.Extension.
var (
	// DefaultPublicDeadline is Art. 83's 30 days.
	DefaultPublicDeadline = Duration{N: 30, Unit: "d"}
	// DefaultBusinessDeadline is a firm target within the 遅滞なく of
	// Arts. 33-35.
	DefaultBusinessDeadline = Duration{N: 14, Unit: "d"}
)

// Copyright is the site's copyright or licence statement.
type Copyright struct {
	Statement  Text   `yaml:"statement"`
	License    string `yaml:"license"`     // optional SPDX id, e.g. CC-BY-4.0
	LicenseURL string `yaml:"license_url"` // optional
}

// Date is a calendar date written as YYYY-MM-DD.
type Date struct{ time.Time }

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

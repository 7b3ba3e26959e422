// Package manifest reads, validates and hashes the privacy manifest: the
// single YAML document that declares what a site collects, why, from whom it
// is sent to whom, and for how long. Every generated document and every check
// in Noren starts from a *Manifest.
package manifest

import "time"

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
	Copyright           Copyright         `yaml:"copyright"`

	hash string
}

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
	Name       Text   `yaml:"name"`
	Definition Text   `yaml:"definition"` // optional: who exactly the operator is, for the definition section
	Section    Text   `yaml:"section"`    // the contact section or department
	Email      string `yaml:"email"`
	Phone      string `yaml:"phone"`   // optional
	Address    Text   `yaml:"address"` // optional
	URL        string `yaml:"url"`     // optional
}

// Policy carries the metadata of the policy documents.
type Policy struct {
	Version   string `yaml:"version"`
	Effective Date   `yaml:"effective"`
	Basis     Text   `yaml:"basis"`   // the laws the policy is based on
	Intro     Text   `yaml:"intro"`   // optional opening paragraph
	Changes   Text   `yaml:"changes"` // optional summary of what changed in this version
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
}

// CookieCategory groups cookies and tools for consent.
type CookieCategory struct {
	ID          string `yaml:"id"`
	Name        Text   `yaml:"name"`
	Description Text   `yaml:"description"`
	// Required categories are strictly necessary and cannot be refused.
	Required bool `yaml:"required"`
	// SaleOrShare marks categories refused by a Global Privacy Control signal.
	SaleOrShare bool `yaml:"sale_or_share"`
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
)

// Cookie is a cookie or a web-storage key a tool sets.
type Cookie struct {
	Name        string   `yaml:"name"`
	Storage     string   `yaml:"storage"` // cookie (default), local_storage, session_storage
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
}

// Security lists the security measures the operator takes.
type Security struct {
	TLSMinVersion string `yaml:"tls_min_version"` // "1.2" or "1.3"
	Measures      []Text `yaml:"measures"`
	Policy        Text   `yaml:"policy"` // optional information-security policy statement
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

package consent

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/noren-web/noren/internal/manifest"
)

// APIPath is where the banner posts a visitor's choice.
const APIPath = "/api/consent"

// ChoicesPath is the address of the choices page in lang.
func ChoicesPath(lang string) string { return "/" + lang + "/privacy/choices" }

// pageConfig is the configuration consent.js reads from the page.
type pageConfig struct {
	Lang        string           `json:"lang"`
	Version     string           `json:"version"`
	Policy      string           `json:"policy"`
	API         string           `json:"api"`
	Choices     string           `json:"choices"`
	Privacy     string           `json:"privacy"`
	Cookies     string           `json:"cookies"`
	GPC         bool             `json:"gpc"`
	GPCRefuses  []string         `json:"gpcRefuses"`
	ConsentMode bool             `json:"consentMode"`
	Text        texts            `json:"text"`
	Categories  []categoryConfig `json:"categories"`
	Tools       []toolConfig     `json:"tools"`
}

type categoryConfig struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Required    bool   `json:"required"`
	// SaleOrShare is left out for required categories, which GPC cannot
	// refuse.
	SaleOrShare *bool `json:"saleOrShare,omitempty"`
	// BeforeChoice marks a category that is on until the visitor refuses
	// it, unless GPC refuses it.
	BeforeChoice bool `json:"beforeChoice,omitempty"`
}

type toolConfig struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Category  string   `json:"category"`
	Recipient string   `json:"recipient"`
	Sent      string   `json:"sent"`
	Purpose   string   `json:"purpose"`
	Party     string   `json:"party"`
	Policy    string   `json:"policy,omitempty"`
	GCM       []string `json:"gcm"`
}

// PageConfig returns the JSON configuration of the consent banner for a page
// in lang, to be put in <script id="noren-consent-config"
// type="application/json">. gpc tells whether the request carried Sec-GPC: 1.
// Every tool is listed, those that need no consent too, so the preference
// centre can show the whole picture; of the categories that need consent,
// only those it asks about (gatedCategories). The JSON escapes <, > and &, so it
// cannot end the script element it stands in.
func PageConfig(m *manifest.Manifest, lang string, gpc bool) ([]byte, error) {
	if !slices.Contains(manifest.SupportedLanguages, lang) {
		return nil, fmt.Errorf("consent: page config: unsupported language %q", lang)
	}
	cfg := pageConfig{
		Lang:        lang,
		Version:     Version(m),
		Policy:      m.ShortHash(),
		API:         APIPath,
		Choices:     ChoicesPath(lang),
		Privacy:     "/" + lang + "/privacy",
		Cookies:     "/" + lang + "/cookies",
		GPC:         gpc,
		GPCRefuses:  gpcRefused(m),
		ConsentMode: m.Consent.GoogleConsentMode,
		Text:        textsFor(m, lang),
		Categories:  make([]categoryConfig, 0, len(m.CookieCategories)),
		Tools:       make([]toolConfig, 0, len(m.Tools)),
	}
	if cfg.GPCRefuses == nil {
		cfg.GPCRefuses = []string{}
	}
	for _, c := range m.CookieCategories {
		if !c.Required && !categoryGated(m, c.ID) {
			continue
		}
		cc := categoryConfig{ID: c.ID, Name: c.Name.In(lang), Description: c.Description.In(lang), Required: c.Required}
		if !c.Required {
			cc.SaleOrShare = &c.SaleOrShare
			cc.BeforeChoice = c.BeforeChoice
		}
		cfg.Categories = append(cfg.Categories, cc)
	}
	for i := range m.Tools {
		t := &m.Tools[i]
		cfg.Tools = append(cfg.Tools, toolConfig{
			ID:        t.ID,
			Name:      t.Name.In(lang),
			Category:  t.Category,
			Recipient: recipient(m, t, lang),
			Sent:      t.InformationSent.In(lang),
			Purpose:   t.Purpose.In(lang),
			Party:     t.Party,
			Policy:    t.PrivacyPolicy,
			GCM:       consentModeTypes(t.Category),
		})
	}
	out, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("consent: page config: %w", err)
	}
	return out, nil
}

// recipient names who receives what t sends: its recipient, or for a
// first-party tool that names none, the operator.
func recipient(m *manifest.Manifest, t *manifest.Tool, lang string) string {
	if s := t.Recipient.In(lang); s != "" {
		return s
	}
	return m.Operator.Name.In(lang)
}

// consentModeTypes returns the Google Consent Mode v2 storage types that
// the built-in cookie category id governs; none for other categories.
func consentModeTypes(category string) []string {
	switch category {
	case "necessary":
		return []string{"security_storage"}
	case "preferences":
		return []string{"functionality_storage", "personalization_storage"}
	case "analytics":
		return []string{"analytics_storage"}
	case "advertising":
		return []string{"ad_storage", "ad_user_data", "ad_personalization"}
	}
	return []string{}
}

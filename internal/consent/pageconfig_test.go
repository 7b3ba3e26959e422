package consent_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/consent"
)

// config is the page configuration as consent.js reads it.
type config struct {
	Lang        string            `json:"lang"`
	Version     string            `json:"version"`
	Policy      string            `json:"policy"`
	API         string            `json:"api"`
	Choices     string            `json:"choices"`
	Privacy     string            `json:"privacy"`
	Cookies     string            `json:"cookies"`
	GPC         bool              `json:"gpc"`
	GPCRefuses  []string          `json:"gpcRefuses"`
	ConsentMode bool              `json:"consentMode"`
	Text        map[string]string `json:"text"`
	Categories  []struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		Description  string `json:"description"`
		Required     bool   `json:"required"`
		SaleOrShare  *bool  `json:"saleOrShare"`
		BeforeChoice bool   `json:"beforeChoice"`
	} `json:"categories"`
	Tools []struct {
		ID        string   `json:"id"`
		Name      string   `json:"name"`
		Category  string   `json:"category"`
		Recipient string   `json:"recipient"`
		Sent      string   `json:"sent"`
		Purpose   string   `json:"purpose"`
		Party     string   `json:"party"`
		Policy    string   `json:"policy"`
		GCM       []string `json:"gcm"`
	} `json:"tools"`
}

// textKeys are the keys of "text" the banner reads.
var textKeys = []string{"title", "body", "acceptAll", "rejectAll", "customise", "save", "close", "gpcNote",
	"newSince", "alwaysOn", "load", "remember", "providedBy", "purpose", "sent", "receipt", "settings", "cookiePolicy",
	"beforeChoice", "noticeTitle", "noticeBody", "keep", "refuse"}

func decodeConfig(t *testing.T, raw []byte) config {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	var c config
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return c
}

func TestPageConfig(t *testing.T) {
	m := siteManifest(t)
	for _, lang := range []string{"ja", "en"} {
		for _, gpc := range []bool{false, true} {
			raw, err := consent.PageConfig(m, lang, gpc)
			if err != nil {
				t.Fatal(err)
			}
			c := decodeConfig(t, raw)
			if c.Lang != lang || c.GPC != gpc || !c.ConsentMode {
				t.Errorf("%s: lang=%q gpc=%v consentMode=%v", lang, c.Lang, c.GPC, c.ConsentMode)
			}
			if c.Version != consent.Version(m) || c.Policy != m.ShortHash() {
				t.Errorf("%s: version %q policy %q, want %q %q", lang, c.Version, c.Policy, consent.Version(m), m.ShortHash())
			}
			if c.API != "/api/consent" || c.Choices != "/"+lang+"/privacy/choices" || c.Privacy != "/"+lang+"/privacy" || c.Cookies != "/"+lang+"/cookies" {
				t.Errorf("%s: addresses %q %q %q %q", lang, c.API, c.Choices, c.Privacy, c.Cookies)
			}
			if want := []string{"advertising", "analytics"}; !slices.Equal(c.GPCRefuses, want) {
				t.Errorf("%s: gpcRefuses %q, want %q", lang, c.GPCRefuses, want)
			}
			for _, k := range textKeys {
				if c.Text[k] == "" {
					t.Errorf("%s: text %q is empty", lang, k)
				}
			}
			if len(c.Text) != len(textKeys) {
				t.Errorf("%s: %d texts, want %d", lang, len(c.Text), len(textKeys))
			}
			var ids []string
			for _, cat := range c.Categories {
				ids = append(ids, cat.ID)
				if cat.Name == "" || cat.Description == "" {
					t.Errorf("%s: category %s lacks a name or description", lang, cat.ID)
				}
				if cat.Required != (cat.ID == "necessary") || (cat.SaleOrShare == nil) != cat.Required {
					t.Errorf("%s: category %s: required=%v saleOrShare=%v", lang, cat.ID, cat.Required, cat.SaleOrShare)
				}
				if cat.SaleOrShare != nil && *cat.SaleOrShare != (cat.ID == "advertising") {
					t.Errorf("%s: category %s: saleOrShare=%v", lang, cat.ID, *cat.SaleOrShare)
				}
			}
			if want := []string{"necessary", "preferences", "analytics", "advertising", "embeds"}; !slices.Equal(ids, want) {
				t.Errorf("%s: categories %q, want %q", lang, ids, want)
			}
			if len(c.Tools) != len(m.Tools) {
				t.Errorf("%s: %d tools, want %d", lang, len(c.Tools), len(m.Tools))
			}
		}
	}
}

func TestPageConfigTools(t *testing.T) {
	m := siteManifest(t)
	raw, err := consent.PageConfig(m, "en", false)
	if err != nil {
		t.Fatal(err)
	}
	c := decodeConfig(t, raw)
	tests := []struct {
		id, category, recipient, party, policy string
		gcm                                    []string
	}{
		{"noren", "necessary", "Example City", "first", "", []string{"security_storage"}},
		{"display-settings", "preferences", "Example City", "first", "", []string{"functionality_storage", "personalization_storage"}},
		{"google-analytics", "analytics", "Google LLC", "third", "https://policies.google.com/privacy", []string{"analytics_storage"}},
		{"youtube", "embeds", "Google LLC", "third", "https://policies.google.com/privacy", []string{}},
		{"ad-network", "advertising", "Example Ads K.K.", "third", "", []string{"ad_storage", "ad_user_data", "ad_personalization"}},
	}
	for i, tt := range tests {
		got := c.Tools[i]
		if got.ID != tt.id || got.Category != tt.category || got.Recipient != tt.recipient || got.Party != tt.party ||
			got.Policy != tt.policy || !slices.Equal(got.GCM, tt.gcm) || got.GCM == nil {
			t.Errorf("tool %d = %+v, want %+v", i, got, tt)
		}
		if got.Name == "" || got.Sent == "" || got.Purpose == "" {
			t.Errorf("tool %s lacks a name, sent or purpose: %+v", got.ID, got)
		}
	}
	if !strings.Contains(string(raw), `"gcm":[]`) {
		t.Errorf("a tool without Consent Mode types should have \"gcm\":[], got %s", raw)
	}
}

// TestPageConfigHTMLSafe checks that no manifest text can end the script
// element the configuration is put in, or open a comment there.
func TestPageConfigHTMLSafe(t *testing.T) {
	src := edit(t, siteYAML(t), "consent:\n", `consent:
  banner:
    title: {ja: "</script><script>alert(1)</script>", en: "</SCRIPT>&amp;<!--"}
    text: {ja: "a\u2028b", en: "<!-- & -->"}
`)
	src = edit(t, src, "en: Embedded content}", "en: \"</script >Embeds\"}")
	m := parseManifest(t, "hostile", src)
	for _, lang := range []string{"ja", "en"} {
		raw, err := consent.PageConfig(m, lang, false)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(string(raw), "<>&\u2028\u2029") {
			t.Errorf("%s: the configuration holds <, >, & or a line separator: %s", lang, raw)
		}
		c := decodeConfig(t, raw)
		if !strings.Contains(c.Text["title"], "</") {
			t.Errorf("%s: title %q lost its text", lang, c.Text["title"])
		}
	}
}

func TestPageConfigBannerTexts(t *testing.T) {
	base := siteManifest(t)
	custom := parseManifest(t, "custom", edit(t, siteYAML(t), "consent:\n", `consent:
  banner:
    title: {ja: 当サイトのクッキー, en: Cookies on this site}
    text: {ja: 同意をお願いします。, en: Please choose.}
`))
	tests := []struct {
		name, lang, title, body string
	}{
		{"built-in ja", "ja", "クッキー等の利用について", "本サイトでは"},
		{"built-in en", "en", "Your privacy choices", "This site uses"},
		{"override ja", "ja", "当サイトのクッキー", "同意をお願いします。"},
		{"override en", "en", "Cookies on this site", "Please choose."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base
			if strings.HasPrefix(tt.name, "override") {
				m = custom
			}
			raw, err := consent.PageConfig(m, tt.lang, false)
			if err != nil {
				t.Fatal(err)
			}
			c := decodeConfig(t, raw)
			if c.Text["title"] != tt.title || !strings.HasPrefix(c.Text["body"], tt.body) {
				t.Errorf("title %q body %q, want %q and %q…", c.Text["title"], c.Text["body"], tt.title, tt.body)
			}
			// The built-in text and the link name the cookie policy as
			// every other page does.
			name := m.Policy.CookiesTitle(tt.lang)
			if c.Text["cookiePolicy"] != name || strings.HasPrefix(tt.name, "built-in") && !strings.Contains(c.Text["body"], name) {
				t.Errorf("the banner does not call the cookie policy %q: body %q, link %q", name, c.Text["body"], c.Text["cookiePolicy"])
			}
			if tt.lang == "ja" && c.Text["acceptAll"] != "すべて同意する" {
				t.Errorf("acceptAll = %q", c.Text["acceptAll"])
			}
		})
	}
}

func TestPageConfigLanguage(t *testing.T) {
	if _, err := consent.PageConfig(siteManifest(t), "fr", false); err == nil {
		t.Error("PageConfig accepted an unsupported language")
	}
}

// TestPageConfigCategories checks that the banner offers, and GPC
// refuses, only the categories that a tool or a cookie belongs to, and
// that Consent Mode grants nothing for one that is not offered.
func TestPageConfigCategories(t *testing.T) {
	src := siteYAML(t)
	// ad-network moved out leaves advertising, the sale_or_share
	// category, with nothing in it.
	noAds := edit(t, src, "    category: advertising\n", "    category: analytics\n")
	tests := []struct {
		name, src  string
		categories []string
		gpcRefuses []string
	}{
		{"statistics unused", src,
			[]string{"necessary", "preferences", "analytics", "advertising", "embeds"}, []string{"advertising", "analytics"}},
		{"statistics used", edit(t, src, "consent:", counterTool),
			[]string{"necessary", "preferences", "statistics", "analytics", "advertising", "embeds"}, []string{"advertising", "statistics", "analytics"}},
		{"advertising unused", noAds,
			[]string{"necessary", "preferences", "analytics", "embeds"}, []string{"analytics"}},
		{"no gpc_refuses", edit(t, src, "consent:\n", "consent:\n  gpc_refuses: []\n"),
			[]string{"necessary", "preferences", "analytics", "advertising", "embeds"}, []string{"advertising"}},
		{"gpc_refuses naming an unused category", edit(t, noAds, "consent:\n", "consent:\n  gpc_refuses: [embeds, statistics, advertising]\n"),
			[]string{"necessary", "preferences", "analytics", "embeds"}, []string{"embeds"}},
		{"gpc_refuses adding a category", edit(t, src, "consent:\n", "consent:\n  gpc_refuses: [embeds, analytics, advertising]\n"),
			[]string{"necessary", "preferences", "analytics", "advertising", "embeds"}, []string{"advertising", "embeds", "analytics"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parseManifest(t, tt.name, tt.src)
			raw, err := consent.PageConfig(m, "en", true)
			if err != nil {
				t.Fatal(err)
			}
			c := decodeConfig(t, raw)
			var ids []string
			for _, cat := range c.Categories {
				ids = append(ids, cat.ID)
			}
			if !slices.Equal(ids, tt.categories) {
				t.Errorf("categories %q, want %q", ids, tt.categories)
			}
			if !slices.Equal(c.GPCRefuses, tt.gpcRefuses) {
				t.Errorf("gpcRefuses %q, want %q", c.GPCRefuses, tt.gpcRefuses)
			}
			// consent.js grants a Consent Mode type only through a tool
			// that carries it, so the types of a category not offered,
			// such as ad_storage without advertising, stay denied.
			for _, tool := range c.Tools {
				if len(tool.GCM) > 0 && !slices.Contains(ids, tool.Category) {
					t.Errorf("tool %s grants %q for category %s, which is not offered", tool.ID, tool.GCM, tool.Category)
				}
			}
		})
	}
}

package policy

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/policy/markdown"
)

// cookiePolicyView is what the cookie policy alone reads. It keeps apart
// what leaves for other parties, which the external-transmission table
// lists, from what the operator processes itself, which is no external
// transmission and so is described on its own.
type cookiePolicyView struct {
	// External is every tool that sends information to someone other
	// than the operator: the rows of the external-transmission table.
	External []externalView
	// FirstParty is every tool the operator runs itself.
	FirstParty []firstPartyView
	// Advertising is every advertising tool, whose providers may show
	// ads based on visits to the site elsewhere.
	Advertising []externalView
	// AdvertisingCategories names the refusable categories of the
	// advertising tools.
	AdvertisingCategories string
	// Categories is every cookie category that a tool or a cookie uses.
	Categories []choiceView
	// NoIdentity states that the site's cookies identify no one.
	NoIdentity bool
	// Browsers link to the cookie help of the major browsers, and
	// AdvertisingOptOuts to the industry's opt-outs of advertising based
	// on browsing history.
	Browsers           []helpLink
	AdvertisingOptOuts []helpLink
}

// externalView is a tool that sends information to another party.
type externalView struct {
	toolView
	// Category is the name of the tool's cookie category.
	Category string
}

// firstPartyView is a tool the operator runs itself.
type firstPartyView struct {
	ID, Name, InformationSent, Purpose, Category string
	// Cookies are the tool's cookies and storage keys, as code spans;
	// "" for a tool that stores nothing on the visitor's device.
	Cookies string
}

// choiceView is a cookie category with what decides whether it runs.
type choiceView struct {
	ID, Name, Description string
	Required              bool
	// Stated is set when Description already says that the category
	// cannot be refused, so the policy does not say it twice.
	Stated bool
	// BeforeChoice categories run until the visitor switches them off;
	// the others wait for consent.
	BeforeChoice bool
	// GPC is set when a Global Privacy Control signal refuses the
	// category.
	GPC bool
	// Tools names the tools of the category; ThirdParty is set when one
	// of them sends to another party, whose own cookies the manifest may
	// not know.
	Tools      string
	ThirdParty bool
	Cookies    []cookieView
	// Choices is the address of the privacy-settings page, or "".
	Choices string
}

// helpLink is a link to a page of someone else's help.
type helpLink struct {
	Name, URL string
}

// cookieHelpJSON is the table of the help pages the cookie policy links
// to: each browser maker's page on managing cookies and the opt-out pages
// of advertising industry bodies, with one address per language because
// the makers publish one page per language.
//
//go:embed cookiehelp.json
var cookieHelpJSON []byte

// cookieHelp is cookieHelpJSON decoded.
type cookieHelp struct {
	Browsers           []helpEntry `json:"browsers"`
	AdvertisingOptOuts []helpEntry `json:"advertising_opt_outs"`
}

type helpEntry struct {
	Name manifest.Text `json:"name"`
	URL  manifest.Text `json:"url"`
}

// loadCookieHelp decodes the embedded help table. The table is part of the
// binary and checked by the tests, so failing to decode it is a build
// defect, as in mustDocuments.
func loadCookieHelp() cookieHelp {
	var h cookieHelp
	if err := json.Unmarshal(cookieHelpJSON, &h); err != nil {
		panic(fmt.Errorf("policy: decode cookiehelp.json: %w", err))
	}
	return h
}

func helpLinks(entries []helpEntry, lang string) []helpLink {
	var out []helpLink
	for _, e := range entries {
		out = append(out, helpLink{Name: markdown.Escape(e.Name.In(lang)), URL: markdown.Destination(e.URL.In(lang))})
	}
	return out
}

// addCookiePolicy fills in what the cookie policy alone reads. It runs
// after addTools and addCookies, whose results it reuses.
func (v *view) addCookiePolicy(m *manifest.Manifest, lang string) {
	tr := func(t manifest.Text) string { return markdown.Escape(t.In(lang)) }
	categoryName := func(id string) string {
		if c := m.CookieCategory(id); c != nil {
			return tr(c.Name)
		}
		return markdown.Escape(id)
	}
	help := loadCookieHelp()
	cp := cookiePolicyView{
		NoIdentity:         m.Policy.Statement(manifest.StatementNoIdentityInCookies),
		Browsers:           helpLinks(help.Browsers, lang),
		AdvertisingOptOuts: helpLinks(help.AdvertisingOptOuts, lang),
	}
	var adCategories []string
	for i := range m.Tools {
		t := &m.Tools[i]
		tv := newToolView(m, lang, t)
		if t.Party != "third" {
			cp.FirstParty = append(cp.FirstParty, firstPartyView{
				ID:              t.ID,
				Name:            tv.Name,
				InformationSent: tv.InformationSent,
				Purpose:         tv.Purpose,
				Category:        categoryName(t.Category),
				Cookies:         tv.Cookies,
			})
			continue
		}
		ev := externalView{toolView: tv, Category: categoryName(t.Category)}
		cp.External = append(cp.External, ev)
		if t.Kind == manifest.KindAdvertising {
			cp.Advertising = append(cp.Advertising, ev)
			if c := m.CookieCategory(t.Category); c != nil && !c.Required && !slices.Contains(adCategories, ev.Category) {
				adCategories = append(adCategories, ev.Category)
			}
		}
	}
	cp.AdvertisingCategories = join(lang, adCategories)

	for i := range m.CookieCategories {
		c := &m.CookieCategories[i]
		cv := choiceView{
			ID:           c.ID,
			Name:         tr(c.Name),
			Description:  tr(c.Description),
			Required:     c.Required,
			Stated:       c.Required && builtInDescription(c, lang),
			BeforeChoice: c.BeforeChoice && !c.Required,
			GPC:          refusedByGPC(m, c),
			Choices:      v.Links.Choices,
		}
		var tools []string
		for j := range m.Tools {
			if m.Tools[j].Category == c.ID {
				tools = append(tools, tr(m.Tools[j].Name))
				cv.ThirdParty = cv.ThirdParty || m.Tools[j].Party == "third"
			}
		}
		cv.Tools = join(lang, tools)
		for _, cc := range v.CookieCategories {
			if cc.ID == c.ID {
				cv.Cookies = cc.Cookies
			}
		}
		if len(tools) > 0 || len(cv.Cookies) > 0 {
			cp.Categories = append(cp.Categories, cv)
		}
	}
	v.CookiePolicy = cp
}

// builtInDescription reports whether c is described in lang as the
// built-in category of the same id is: the built-in necessary category's
// description ends by saying that it cannot be switched off.
func builtInDescription(c *manifest.CookieCategory, lang string) bool {
	for _, d := range manifest.DefaultCookieCategories() {
		if d.ID == c.ID {
			return d.Description.In(lang) == c.Description.In(lang)
		}
	}
	return false
}

// refusedByGPC reports whether a Global Privacy Control signal refuses
// category c, as the consent banner decides it: a refusable category that
// is sold or shared, or that the manifest lists in consent.gpc_refuses.
func refusedByGPC(m *manifest.Manifest, c *manifest.CookieCategory) bool {
	return !c.Required && (c.SaleOrShare || slices.Contains(m.Consent.GPCRefuses, c.ID))
}

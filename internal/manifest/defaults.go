package manifest

// DefaultCookieCategories are the cookie categories every manifest has. A
// manifest may rename them or describe them differently by listing an entry
// with the same id, and may add its own.
func DefaultCookieCategories() []CookieCategory {
	return []CookieCategory{
		{
			ID:          "necessary",
			Name:        Text{"ja": "必須", "en": "Strictly necessary"},
			Description: Text{"ja": "サイトの表示、セキュリティ、同意の記録など、サイトが機能するために欠かせないものです。無効にすることはできません。", "en": "Needed for the site to work: showing pages, security, and remembering your privacy choices. They cannot be switched off."},
			Required:    true,
		},
		{
			ID:          "preferences",
			Name:        Text{"ja": "機能", "en": "Preferences"},
			Description: Text{"ja": "表示言語など、利用者が選んだ設定を記憶します。", "en": "Remember settings you chose, such as the display language."},
		},
		{
			ID:          "statistics",
			Name:        Text{"ja": "統計", "en": "Statistics"},
			Description: Text{"ja": "本サイト自身が、クッキーを使わずに閲覧の状況を集計するために使います。情報は第三者に送信されません。", "en": "Used by this site itself to count, without cookies, how its pages are viewed. Nothing is sent to third parties."},
		},
		{
			ID:          "analytics",
			Name:        Text{"ja": "分析", "en": "Analytics"},
			Description: Text{"ja": "サイトの利用状況を把握し、使いやすさを改善するために使います。", "en": "Help us understand how the site is used so we can improve it."},
		},
		{
			ID:          "advertising",
			Name:        Text{"ja": "広告", "en": "Advertising"},
			Description: Text{"ja": "広告の配信や効果測定のために、第三者が閲覧履歴を利用します。", "en": "Let third parties use your browsing history to show and measure advertising."},
			SaleOrShare: true,
		},
	}
}

// applyDefaults fills in what a manifest may leave out. It runs before
// validation, so defaults are validated like written values.
func (m *Manifest) applyDefaults() {
	if m.DefaultLang == "" && len(m.Languages) > 0 {
		m.DefaultLang = m.Languages[0]
	}
	if m.Security.TLSMinVersion == "" {
		m.Security.TLSMinVersion = "1.2"
	}
	if m.Statistics.MinCount == 0 {
		m.Statistics.MinCount = 10
	}
	if m.Consent.Expires.IsZero() {
		m.Consent.Expires = Duration{N: 6, Unit: "mo"}
	}
	if m.Consent.GPCRefuses == nil {
		// Analytics that needs consent is refused by GPC by default too:
		// the signal says "do not track me", whoever the recipient is.
		m.Consent.GPCRefuses = []string{"statistics", "analytics"}
	}
	if m.Operator.EmailDisplay == "" {
		m.Operator.EmailDisplay = EmailPlain
	}
	if m.Requests.Deadline.IsZero() {
		m.Requests.Deadline = DefaultBusinessDeadline
		if m.Operator.PublicBody() {
			m.Requests.Deadline = DefaultPublicDeadline
		}
	}
	if m.Requests.Extension.IsZero() && m.Operator.PublicBody() {
		m.Requests.Extension = DefaultPublicDeadline
	}
	for i := range m.Tools {
		for j := range m.Tools[i].Cookies {
			if m.Tools[i].Cookies[j].Storage == "" {
				m.Tools[i].Cookies[j].Storage = StorageCookie
			}
		}
	}
	m.declaredCategories = map[string]bool{}
	for _, c := range m.CookieCategories {
		m.declaredCategories[c.ID] = true
	}
	m.CookieCategories = mergeCategories(DefaultCookieCategories(), m.CookieCategories)
}

// mergeCategories overlays the manifest's categories on the defaults: an
// entry with a default's id replaces the texts it gives, others are added in
// the manifest's order after the defaults.
func mergeCategories(defaults, given []CookieCategory) []CookieCategory {
	out := defaults
	for _, g := range given {
		i := -1
		for j := range out {
			if out[j].ID == g.ID && g.ID != "" {
				i = j
				break
			}
		}
		if i < 0 {
			out = append(out, g)
			continue
		}
		if len(g.Name) > 0 {
			out[i].Name = g.Name
		}
		if len(g.Description) > 0 {
			out[i].Description = g.Description
		}
		if g.SaleOrShare {
			out[i].SaleOrShare = true
		}
		if g.BeforeChoice {
			out[i].BeforeChoice = true
		}
	}
	return out
}

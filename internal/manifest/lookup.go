package manifest

// Purpose returns the purpose with the given id, or nil.
func (m *Manifest) Purpose(id string) *Purpose {
	for i := range m.Purposes {
		if m.Purposes[i].ID == id {
			return &m.Purposes[i]
		}
	}
	return nil
}

// DataCategory returns the data category with the given id, or nil.
func (m *Manifest) DataCategory(id string) *DataCategory {
	for i := range m.DataCategories {
		if m.DataCategories[i].ID == id {
			return &m.DataCategories[i]
		}
	}
	return nil
}

// CookieCategory returns the cookie category with the given id, or nil.
func (m *Manifest) CookieCategory(id string) *CookieCategory {
	for i := range m.CookieCategories {
		if m.CookieCategories[i].ID == id {
			return &m.CookieCategories[i]
		}
	}
	return nil
}

// Tool returns the tool with the given id, or nil.
func (m *Manifest) Tool(id string) *Tool {
	for i := range m.Tools {
		if m.Tools[i].ID == id {
			return &m.Tools[i]
		}
	}
	return nil
}

// Contractor returns the contractor with the given id, or nil.
func (m *Manifest) Contractor(id string) *Contractor {
	for i := range m.Contractors {
		if m.Contractors[i].ID == id {
			return &m.Contractors[i]
		}
	}
	return nil
}

// CollectionPointName is the name in lang of the collection point with the
// given id, or the id itself when the manifest no longer lists it (a record
// kept from an earlier version).
func (m *Manifest) CollectionPointName(id, lang string) string {
	if cp := m.CollectionPoint(id); cp != nil {
		return cp.Name.In(lang)
	}
	return id
}

// CollectionPoint returns the collection point with the given id, or nil.
func (m *Manifest) CollectionPoint(id string) *CollectionPoint {
	for i := range m.CollectionPoints {
		if m.CollectionPoints[i].ID == id {
			return &m.CollectionPoints[i]
		}
	}
	return nil
}

// ToolsOfKind returns the tools of one kind, in manifest order.
func (m *Manifest) ToolsOfKind(kind string) []*Tool {
	var out []*Tool
	for i := range m.Tools {
		if m.Tools[i].Kind == kind {
			out = append(out, &m.Tools[i])
		}
	}
	return out
}

// ThirdPartyTools returns the tools that send information to a third party.
func (m *Manifest) ThirdPartyTools() []*Tool {
	var out []*Tool
	for i := range m.Tools {
		if m.Tools[i].Party == "third" {
			out = append(out, &m.Tools[i])
		}
	}
	return out
}

// ToolCookie is a cookie together with the tool that sets it.
type ToolCookie struct {
	Tool   *Tool
	Cookie *Cookie
}

// CookiesIn returns every cookie and storage key of a cookie category.
func (m *Manifest) CookiesIn(category string) []ToolCookie {
	var out []ToolCookie
	for i := range m.Tools {
		t := &m.Tools[i]
		for j := range t.Cookies {
			if t.Cookies[j].Category == category {
				out = append(out, ToolCookie{Tool: t, Cookie: &t.Cookies[j]})
			}
		}
	}
	return out
}

// FieldRetention is the retention period of a field: its own, or its collection
// point's.
func (cp *CollectionPoint) FieldRetention(f *Field) Duration {
	if !f.Retention.IsZero() {
		return f.Retention
	}
	return cp.Retention
}

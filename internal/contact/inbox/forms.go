package inbox

import (
	"net/http"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/manifest"
)

// formView describes a form of the manifest for the people who handle its
// submissions.
type formView struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Path      string      `json:"path"`
	Purposes  []string    `json:"purposes"`
	Retention string      `json:"retention"`
	Handlers  []string    `json:"handlers"`
	Fields    []fieldView `json:"fields"`
}

// fieldView describes a field of a form: what it collects, why, and for
// how long.
type fieldView struct {
	Label     string `json:"label"`
	Type      string `json:"type"`
	Category  string `json:"category,omitempty"`
	Purpose   string `json:"purpose,omitempty"`
	Retention string `json:"retention"`
	Required  bool   `json:"required"`
}

// formsFor lists the manifest's forms the account may handle.
func formsFor(m *manifest.Manifest, u account.User, lang string) []formView {
	var out []formView
	for i := range m.CollectionPoints {
		cp := &m.CollectionPoints[i]
		if u.MayHandleForm(cp.ID) {
			out = append(out, describeForm(m, cp, lang))
		}
	}
	return out
}

func describeForm(m *manifest.Manifest, cp *manifest.CollectionPoint, lang string) formView {
	v := formView{ID: cp.ID, Name: cp.Name.In(lang), Path: "/" + lang + cp.Path, Retention: cp.Retention.Human(lang)}
	for _, id := range cp.Purposes {
		if p := m.Purpose(id); p != nil {
			v.Purposes = append(v.Purposes, p.Name.In(lang))
		}
	}
	for _, id := range cp.Handlers {
		if id == manifest.OperatorHandler {
			v.Handlers = append(v.Handlers, m.Operator.Name.In(lang))
		} else if ct := m.Contractor(id); ct != nil {
			v.Handlers = append(v.Handlers, ct.Name.In(lang))
		}
	}
	for i := range cp.Fields {
		f := &cp.Fields[i]
		fv := fieldView{Label: f.Label.In(lang), Type: f.Type, Required: f.Required, Retention: cp.FieldRetention(f).Human(lang)}
		if dc := m.DataCategory(f.Category); dc != nil {
			fv.Category = dc.Name.In(lang)
		}
		if p := m.Purpose(f.Purpose); p != nil {
			fv.Purpose = p.Name.In(lang)
		}
		v.Fields = append(v.Fields, fv)
	}
	return v
}

func (s *section) formsPage(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	s.c.Render(w, r, rq, http.StatusOK, "forms", "forms.title", formsFor(s.c.Manifest(), rq.User(), rq.Lang()))
}

func (s *section) formPage(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	m := s.c.Manifest()
	cp := m.CollectionPoint(r.PathValue("form"))
	if cp == nil {
		s.c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return
	}
	s.c.Render(w, r, rq, http.StatusOK, "form", "forms.title", describeForm(m, cp, rq.Lang()))
}

func (s *section) apiForms(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	forms := formsFor(s.c.Manifest(), rq.User(), rq.Lang())
	if forms == nil {
		forms = []formView{}
	}
	admin.WriteJSON(w, http.StatusOK, map[string]any{"forms": forms})
}

func (s *section) apiForm(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	m := s.c.Manifest()
	cp := m.CollectionPoint(r.PathValue("form"))
	if cp == nil {
		admin.WriteJSONError(w, http.StatusNotFound, "no such form")
		return
	}
	admin.WriteJSON(w, http.StatusOK, describeForm(m, cp, rq.Lang()))
}

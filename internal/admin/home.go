package admin

import (
	"net/http"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/manifest"
)

// homeView is the home page's data: each role sees the part that concerns
// it.
type homeView struct {
	Forms         []formView
	Recent        []auditRow
	Accounts      int
	Locked        int
	Sessions      int
	PolicyVersion string
	AccessEnds    time.Time
	NeedsTOTP     bool // the account has no second factor although it could
}

func (c *Console) home(w http.ResponseWriter, r *http.Request, rq *request) {
	ctx := r.Context()
	now := c.now()
	m := c.opt.Manifest()
	v := homeView{AccessEnds: rq.user.ExpiresAt, NeedsTOTP: !c.hasSecondFactor(r, rq.user)}
	if rq.role.Can(account.ReadPolicy) {
		v.PolicyVersion = m.VersionLabel()
	}
	if rq.role.Can(account.HandleSubmissions) {
		v.Forms = formsFor(m, rq.user, rq.lang)
	}
	if rq.role.Can(account.ManageUsers) {
		users, err := c.accounts.List(ctx)
		if err != nil {
			c.internal(w, r, rq, "list accounts", err)
			return
		}
		v.Accounts = len(users)
		for _, u := range users {
			if u.Locked(now) {
				v.Locked++
			}
		}
		sessions, err := c.accounts.Sessions(ctx, 0, c.opt.SessionIdle, now)
		if err != nil {
			c.internal(w, r, rq, "list sessions", err)
			return
		}
		v.Sessions = len(sessions)
	}
	if rq.role.Can(account.ReadAudit) {
		recent, err := c.trail.List(ctx, audit.Filter{Limit: 8})
		if err != nil {
			c.internal(w, r, rq, "read audit trail", err)
			return
		}
		v.Recent = auditRows(rq.lang, m, recent)
	}
	c.render(w, r, rq, http.StatusOK, "home", "home.title", v)
}

// internal logs an unexpected error and answers 500.
func (c *Console) internal(w http.ResponseWriter, r *http.Request, rq *request, what string, err error) {
	c.log.Error("console: "+what, "path", r.URL.Path, "err", err)
	c.fail(w, r, rq, http.StatusInternalServerError, "error.internal")
}

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

func (c *Console) formsPage(w http.ResponseWriter, r *http.Request, rq *request) {
	c.render(w, r, rq, http.StatusOK, "forms", "forms.title", formsFor(c.opt.Manifest(), rq.user, rq.lang))
}

func (c *Console) formPage(w http.ResponseWriter, r *http.Request, rq *request) {
	m := c.opt.Manifest()
	cp := m.CollectionPoint(r.PathValue("form"))
	if cp == nil {
		c.fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return
	}
	c.render(w, r, rq, http.StatusOK, "form", "forms.title", describeForm(m, cp, rq.lang))
}

// policyView is the policy page's data.
type policyView struct {
	Version    string
	Effective  string
	Hash       string
	Forms      int
	Tools      int
	ThirdParty int
	Lang       string
}

func (c *Console) policyPage(w http.ResponseWriter, r *http.Request, rq *request) {
	m := c.opt.Manifest()
	c.render(w, r, rq, http.StatusOK, "policy", "policy.title", policyView{
		Version: m.VersionLabel(), Effective: m.Policy.Effective.String(), Hash: m.Hash(),
		Forms: len(m.CollectionPoints), Tools: len(m.Tools), ThirdParty: len(m.ThirdPartyTools()), Lang: rq.lang,
	})
}

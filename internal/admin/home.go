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
	Forms         []formLink
	Recent        []auditRow
	Accounts      int
	Locked        int
	Sessions      int
	PolicyVersion string
	AccessEnds    time.Time
	NeedsTOTP     bool // the account has no second factor although it could
}

func (c *Console) home(w http.ResponseWriter, r *http.Request, rq *Request) {
	ctx := r.Context()
	now := c.now()
	m := c.opt.Manifest()
	v := homeView{AccessEnds: rq.user.ExpiresAt, NeedsTOTP: !c.hasSecondFactor(r, rq.user)}
	if rq.role.Can(account.ReadPolicy) {
		v.PolicyVersion = m.VersionLabel()
	}
	if rq.role.Can(account.HandleSubmissions) {
		v.Forms = assignedForms(m, rq.user, string(rq.lang))
	}
	if rq.role.Can(account.ManageUsers) {
		users, err := c.accounts.List(ctx)
		if err != nil {
			c.Internal(w, r, rq, "list accounts", err)
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
			c.Internal(w, r, rq, "list sessions", err)
			return
		}
		v.Sessions = len(sessions)
	}
	if rq.role.Can(account.ReadAudit) {
		recent, err := c.trail.List(ctx, audit.Filter{Limit: 8})
		if err != nil {
			c.Internal(w, r, rq, "read audit trail", err)
			return
		}
		v.Recent = auditRows(string(rq.lang), m, recent)
	}
	c.Render(w, r, rq, http.StatusOK, "home", "home.title", v)
}

// Internal logs an unexpected error and answers 500.
func (c *Console) Internal(w http.ResponseWriter, r *http.Request, rq *Request, what string, err error) {
	c.log.Error("console: "+what, "path", r.URL.Path, "err", err)
	c.Fail(w, r, rq, http.StatusInternalServerError, "error.internal")
}

// formLink is a form the home page links to.
type formLink struct{ ID, Name string }

// assignedForms lists the manifest's forms the account may handle.
func assignedForms(m *manifest.Manifest, u account.User, lang string) []formLink {
	var out []formLink
	for _, cp := range m.CollectionPoints {
		if u.MayHandleForm(cp.ID) {
			out = append(out, formLink{ID: cp.ID, Name: cp.Name.In(lang)})
		}
	}
	return out
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

func (c *Console) policyPage(w http.ResponseWriter, r *http.Request, rq *Request) {
	m := c.opt.Manifest()
	c.Render(w, r, rq, http.StatusOK, "policy", "policy.title", policyView{
		Version: m.VersionLabel(), Effective: m.Policy.Effective.String(), Hash: m.Hash(),
		Forms: len(m.CollectionPoints), Tools: len(m.Tools), ThirdParty: len(m.ThirdPartyTools()), Lang: string(rq.lang),
	})
}

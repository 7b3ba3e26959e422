package admin

import (
	"net/http"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
)

// apiUser is an account as the API shows it: never a secret or a hash.
type apiUser struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name,omitempty"`
	Role        string     `json:"role"`
	Forms       []string   `json:"forms,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	Disabled    bool       `json:"disabled"`
	Locked      bool       `json:"locked"`
	TOTP        bool       `json:"totp"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (c *Console) apiMe(w http.ResponseWriter, r *http.Request, rq *Request) {
	u := rq.user
	WriteJSON(w, http.StatusOK, map[string]any{
		"account": u.Email,
		"role":    rq.role,
		"token":   map[string]any{"id": rq.token.ID, "name": rq.token.Name, "expires_at": optionalTime(rq.token.ExpiresAt)},
	})
}

func (c *Console) apiUsers(w http.ResponseWriter, r *http.Request, rq *Request) {
	users, err := c.accounts.List(r.Context())
	if err != nil {
		c.Internal(w, r, rq, "list accounts", err)
		return
	}
	now := c.now()
	out := make([]apiUser, 0, len(users))
	for _, u := range users {
		out = append(out, apiUser{
			ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Forms: u.Forms,
			ExpiresAt: optionalTime(u.ExpiresAt), Disabled: !u.DisabledAt.IsZero(), Locked: u.Locked(now),
			TOTP: u.HasTOTP(), LastLoginAt: optionalTime(u.LastLoginAt),
		})
	}
	WriteJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (c *Console) apiAudit(w http.ResponseWriter, r *http.Request, rq *Request) {
	f, _, err := readAuditFilter(r, c.Location())
	if err != nil {
		WriteJSONError(w, http.StatusBadRequest, i18n.T(i18n.English, err.Error()))
		return
	}
	f.Limit = 500
	entries, err := c.trail.List(r.Context(), f)
	if err != nil {
		c.Internal(w, r, rq, "read audit trail", err)
		return
	}
	if entries == nil {
		entries = []audit.Entry{}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"entries": entries})
}

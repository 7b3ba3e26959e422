package admin

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
)

// tokensView is the API token page's data.
type tokensView struct {
	Tokens []account.Token
	Roles  []account.Role // the roles this account may issue
	Secret string         // a token just created, shown this once
	Name   string
	Admin  bool // revoke through the owners' route rather than the own-account one
}

func (c *Console) tokensPage(w http.ResponseWriter, r *http.Request, rq *Request) {
	c.showTokens(w, r, rq, http.StatusOK, tokensView{}, nil)
}

func (c *Console) showTokens(w http.ResponseWriter, r *http.Request, rq *Request, status int, v tokensView, errs []string) {
	tokens, err := c.accounts.Tokens(r.Context(), rq.user.ID)
	if err != nil {
		c.Internal(w, r, rq, "list tokens", err)
		return
	}
	v.Tokens = tokens
	for _, role := range account.Roles() {
		if rq.role.MayDelegate(role) {
			v.Roles = append(v.Roles, role)
		}
	}
	p := c.PageFor(r, rq, "tokens.title")
	p.Errors = errs
	p.Body = v
	c.Write(w, status, "tokens", p)
}

func (c *Console) createToken(w http.ResponseWriter, r *http.Request, rq *Request) {
	ctx := r.Context()
	now := c.now()
	name := r.PostFormValue("name")
	role, err := account.ParseRole(r.PostFormValue("role"))
	var expires time.Time
	if err == nil {
		expires, err = parseDays(r.PostFormValue("days"), now)
	}
	var secret string
	var tok account.Token
	if err == nil {
		secret, tok, err = c.accounts.CreateToken(ctx, rq.user, name, role, expires, now)
	}
	if err != nil {
		c.showTokens(w, r, rq, http.StatusUnprocessableEntity, tokensView{Name: name}, []string{err.Error()})
		return
	}
	e := rq.entry("token.create", tokenObject(tok.ID), audit.OK)
	e.Detail = map[string]string{"name": tok.Name, "role": string(tok.Role), "expires": dateOrNever(tok.ExpiresAt)}
	c.Record(ctx, e)
	c.showTokens(w, r, rq, http.StatusOK, tokensView{Secret: secret}, nil)
}

func (c *Console) revokeToken(w http.ResponseWriter, r *http.Request, rq *Request) {
	c.revoke(w, r, rq, rq.user.ID, "/admin/account/tokens")
}

func (c *Console) revokeAnyToken(w http.ResponseWriter, r *http.Request, rq *Request) {
	back := "/admin/users"
	if u := r.PostFormValue("user"); u != "" {
		back = "/admin/users/" + u
	}
	c.revoke(w, r, rq, 0, back)
}

func (c *Console) revoke(w http.ResponseWriter, r *http.Request, rq *Request, owner int64, back string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
		return
	}
	if err := c.accounts.RevokeToken(r.Context(), id, owner, c.now()); err != nil {
		if errors.Is(err, account.ErrNotFound) {
			c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
			return
		}
		c.Internal(w, r, rq, "revoke token", err)
		return
	}
	c.Record(r.Context(), rq.entry("token.revoke", tokenObject(id), audit.OK))
	Redirect(w, r, back, "token_revoked")
}

func tokenObject(id int64) string { return "token:" + itoa(id) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// parseDays reads a lifetime in days from a form ("" or "0" for none).
func parseDays(s string, now time.Time) (time.Time, error) {
	if s == "" || s == "0" {
		return time.Time{}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 3650 {
		return time.Time{}, errBadDays
	}
	return now.AddDate(0, 0, n), nil
}

func dateOrNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.DateOnly)
}

package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
)

var errBadDays = errors.New("the number of days must be a whole number from 0 to 3650")

// usersView is the account list's data.
type usersView struct {
	Users []account.User
	Now   time.Time
}

func (c *Console) usersPage(w http.ResponseWriter, r *http.Request, rq *Request) {
	users, err := c.accounts.List(r.Context())
	if err != nil {
		c.Internal(w, r, rq, "list accounts", err)
		return
	}
	c.Render(w, r, rq, http.StatusOK, "users", "users.title", usersView{Users: users, Now: c.now()})
}

// userForm is the data of the add and edit forms.
type userForm struct {
	User     account.User
	Roles    []account.Role
	Forms    []formChoice
	Expires  string // YYYY-MM-DD
	Password string // a password just set, shown this once
	Sessions []account.Session
	Tokens   []account.Token
	Now      time.Time
	Self     bool
	Current  string // the viewer's own session, marked in the list
	Admin    bool   // token actions go through the owner's routes
	Passkeys int    // how many passkeys the account has
}

type formChoice struct {
	ID, Name string
	Checked  bool
}

func (c *Console) userForm(rq *Request, u account.User) userForm {
	v := userForm{User: u, Roles: account.Roles(), Now: c.now(), Self: u.ID == rq.user.ID && u.ID != 0,
		Current: rq.session.IDHash, Admin: true}
	if !u.ExpiresAt.IsZero() {
		// The form names the last day of access, in the site's zone.
		v.Expires = u.ExpiresAt.In(c.Location()).Add(-time.Second).Format(time.DateOnly)
	}
	m := c.opt.Manifest()
	for _, cp := range m.CollectionPoints {
		checked := false
		for _, f := range u.Forms {
			checked = checked || f == cp.ID
		}
		v.Forms = append(v.Forms, formChoice{ID: cp.ID, Name: cp.Name.In(string(rq.lang)), Checked: checked})
	}
	return v
}

func (c *Console) newUserPage(w http.ResponseWriter, r *http.Request, rq *Request) {
	c.Render(w, r, rq, http.StatusOK, "user_new", "users.new", c.userForm(rq, account.User{Role: account.Analyst}))
}

// profileFromForm reads the add and edit forms; the expiry date is a day
// in loc.
func profileFromForm(r *http.Request, loc *time.Location) (account.Profile, error) {
	p := account.Profile{
		Email: r.PostFormValue("email"),
		Name:  r.PostFormValue("name"),
		Role:  account.Role(r.PostFormValue("role")),
		Forms: r.PostForm["forms"],
	}
	if s := strings.TrimSpace(r.PostFormValue("expires")); s != "" {
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			return p, errors.New("the expiry date must be written YYYY-MM-DD")
		}
		// Access ends at the end of the day named.
		p.ExpiresAt = d.AddDate(0, 0, 1)
	}
	return p, nil
}

func (c *Console) createUser(w http.ResponseWriter, r *http.Request, rq *Request) {
	ctx := r.Context()
	p, err := profileFromForm(r, c.Location())
	password := account.GeneratePassword()
	var u account.User
	if err == nil {
		u, err = c.accounts.Create(ctx, p, password, c.now())
	}
	if err != nil {
		v := c.userForm(rq, account.User{Email: p.Email, Name: p.Name, Role: p.Role, Forms: p.Forms, ExpiresAt: p.ExpiresAt})
		pg := c.PageFor(r, rq, "users.new")
		pg.Errors = splitErrors(err)
		pg.Body = v
		c.Write(w, http.StatusUnprocessableEntity, "user_new", pg)
		return
	}
	e := rq.entry("user.create", UserObject(u.ID), audit.OK)
	e.Detail = map[string]string{"email": u.Email, "role": string(u.Role), "forms": strings.Join(u.Forms, ","), "expires": dateOrNever(u.ExpiresAt)}
	c.Record(ctx, e)
	v := c.userForm(rq, u)
	v.Password = password
	c.Render(w, r, rq, http.StatusOK, "user", "users.edit", v)
}

// splitErrors turns a joined error into its lines, one message each.
func splitErrors(err error) []string {
	return strings.Split(err.Error(), "\n")
}

// target loads the account named by the {id} path value.
func (c *Console) target(w http.ResponseWriter, r *http.Request, rq *Request) (account.User, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		var u account.User
		u, err = c.accounts.ByID(r.Context(), id)
		if err == nil {
			return u, true
		}
	}
	if err != nil && !errors.Is(err, account.ErrNotFound) && !errors.Is(err, strconv.ErrSyntax) && !errors.Is(err, strconv.ErrRange) {
		c.Internal(w, r, rq, "load account", err)
		return account.User{}, false
	}
	c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
	return account.User{}, false
}

func (c *Console) userPage(w http.ResponseWriter, r *http.Request, rq *Request) {
	u, ok := c.target(w, r, rq)
	if !ok {
		return
	}
	c.showUser(w, r, rq, http.StatusOK, u, "", nil)
}

func (c *Console) showUser(w http.ResponseWriter, r *http.Request, rq *Request, status int, u account.User, password string, errs []string) {
	ctx := r.Context()
	v := c.userForm(rq, u)
	v.Password = password
	var err error
	if v.Sessions, err = c.accounts.Sessions(ctx, u.ID, c.opt.SessionIdle, c.now()); err == nil {
		v.Tokens, err = c.accounts.Tokens(ctx, u.ID)
	}
	if err == nil {
		v.Passkeys, err = c.accounts.CountPasskeys(ctx, u.ID)
	}
	if err != nil {
		c.Internal(w, r, rq, "load account details", err)
		return
	}
	p := c.PageFor(r, rq, "users.edit")
	p.Errors = errs
	p.Body = v
	c.Write(w, status, "user", p)
}

func (c *Console) updateUser(w http.ResponseWriter, r *http.Request, rq *Request) {
	ctx := r.Context()
	before, ok := c.target(w, r, rq)
	if !ok {
		return
	}
	p, err := profileFromForm(r, c.Location())
	var after account.User
	if err == nil {
		after, err = c.accounts.Update(ctx, before.ID, p, c.now())
	}
	if err != nil {
		edited := before
		edited.Name, edited.Role, edited.Forms, edited.ExpiresAt = p.Name, p.Role, p.Forms, p.ExpiresAt
		c.showUser(w, r, rq, http.StatusUnprocessableEntity, edited, "", splitErrors(err))
		return
	}
	if before.Role != after.Role {
		e := rq.entry("user.role", UserObject(after.ID), audit.OK)
		e.Detail = map[string]string{"account": after.Email, "from": string(before.Role), "to": string(after.Role)}
		c.Record(ctx, e)
		// A new role means new rights: sessions opened under the old one end.
		if _, err := c.accounts.RevokeSessions(ctx, after.ID, keepIfSelf(rq, after), c.now()); err != nil {
			c.log.Error("revoke sessions after role change", "err", err)
		}
	}
	if strings.Join(before.Forms, ",") != strings.Join(after.Forms, ",") || !before.ExpiresAt.Equal(after.ExpiresAt) || before.Name != after.Name {
		e := rq.entry("user.update", UserObject(after.ID), audit.OK)
		e.Detail = map[string]string{"account": after.Email, "forms": strings.Join(after.Forms, ","), "expires": dateOrNever(after.ExpiresAt)}
		c.Record(ctx, e)
	}
	Redirect(w, r, "/admin/users/"+itoa(after.ID), "saved")
}

// keepIfSelf is the session to keep when revoking an account's sessions:
// the caller's own, when they act on their own account.
func keepIfSelf(rq *Request, u account.User) string {
	if u.ID == rq.user.ID {
		return rq.session.IDHash
	}
	return ""
}

func (c *Console) disableUser(w http.ResponseWriter, r *http.Request, rq *Request) {
	c.setDisabled(w, r, rq, true)
}

func (c *Console) enableUser(w http.ResponseWriter, r *http.Request, rq *Request) {
	c.setDisabled(w, r, rq, false)
}

func (c *Console) setDisabled(w http.ResponseWriter, r *http.Request, rq *Request, disabled bool) {
	ctx := r.Context()
	u, ok := c.target(w, r, rq)
	if !ok {
		return
	}
	if disabled && u.ID == rq.user.ID {
		c.showUser(w, r, rq, http.StatusConflict, u, "", []string{i18n.T(rq.lang, "users.not_self")})
		return
	}
	if err := c.accounts.SetDisabled(ctx, u, disabled, c.now()); err != nil {
		if errors.Is(err, account.ErrLastOwner) {
			c.showUser(w, r, rq, http.StatusConflict, u, "", []string{i18n.T(rq.lang, "users.last_owner")})
			return
		}
		c.Internal(w, r, rq, "disable account", err)
		return
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
		if _, err := c.accounts.RevokeSessions(ctx, u.ID, "", c.now()); err != nil {
			c.log.Error("revoke sessions of disabled account", "err", err)
		}
	}
	e := rq.entry(action, UserObject(u.ID), audit.OK)
	e.Detail = map[string]string{"account": u.Email}
	c.Record(ctx, e)
	Redirect(w, r, "/admin/users/"+itoa(u.ID), "saved")
}

func (c *Console) unlockUser(w http.ResponseWriter, r *http.Request, rq *Request) {
	u, ok := c.target(w, r, rq)
	if !ok {
		return
	}
	if err := c.accounts.Unlock(r.Context(), u.ID); err != nil {
		c.Internal(w, r, rq, "unlock account", err)
		return
	}
	e := rq.entry("user.unlock", UserObject(u.ID), audit.OK)
	e.Detail = map[string]string{"account": u.Email}
	c.Record(r.Context(), e)
	Redirect(w, r, "/admin/users/"+itoa(u.ID), "unlocked")
}

func (c *Console) resetPassword(w http.ResponseWriter, r *http.Request, rq *Request) {
	ctx := r.Context()
	u, ok := c.target(w, r, rq)
	if !ok {
		return
	}
	password := account.GeneratePassword()
	if err := c.accounts.SetPassword(ctx, u, password, c.now()); err != nil {
		c.Internal(w, r, rq, "reset password", err)
		return
	}
	if _, err := c.accounts.RevokeSessions(ctx, u.ID, keepIfSelf(rq, u), c.now()); err != nil {
		c.log.Error("revoke sessions after password reset", "err", err)
	}
	e := rq.entry("user.reset_password", UserObject(u.ID), audit.OK)
	e.Detail = map[string]string{"account": u.Email}
	c.Record(ctx, e)
	u, _ = c.accounts.ByID(ctx, u.ID)
	c.showUser(w, r, rq, http.StatusOK, u, password, nil)
}

func (c *Console) resetSecondFactor(w http.ResponseWriter, r *http.Request, rq *Request) {
	ctx := r.Context()
	u, ok := c.target(w, r, rq)
	if !ok {
		return
	}
	if err := c.resetFactors(r, u); err != nil {
		c.Internal(w, r, rq, "reset second factor", err)
		return
	}
	if _, err := c.accounts.RevokeSessions(ctx, u.ID, keepIfSelf(rq, u), c.now()); err != nil {
		c.log.Error("revoke sessions after second-factor reset", "err", err)
	}
	e := rq.entry("user.reset_second_factor", UserObject(u.ID), audit.OK)
	e.Detail = map[string]string{"account": u.Email}
	c.Record(ctx, e)
	Redirect(w, r, "/admin/users/"+itoa(u.ID), "second_factor_reset")
}

// resetFactors removes every second factor of the account, so it enrols
// anew at its next sign-in.
func (c *Console) resetFactors(r *http.Request, u account.User) error {
	return c.accounts.ResetSecondFactors(r.Context(), u.ID)
}

func (c *Console) revokeUserSessions(w http.ResponseWriter, r *http.Request, rq *Request) {
	u, ok := c.target(w, r, rq)
	if !ok {
		return
	}
	n, err := c.accounts.RevokeSessions(r.Context(), u.ID, keepIfSelf(rq, u), c.now())
	if err != nil {
		c.Internal(w, r, rq, "revoke sessions", err)
		return
	}
	e := rq.entry("session.revoke", UserObject(u.ID), audit.OK)
	e.Detail = map[string]string{"account": u.Email, "sessions": itoa(n)}
	c.Record(r.Context(), e)
	Redirect(w, r, "/admin/users/"+itoa(u.ID), "sessions_revoked")
}

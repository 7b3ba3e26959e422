package admin

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
)

// Wrong passwords, codes and passkeys are counted per account and client
// network (account.Store.RecordFailure): at the threshold that network is
// locked out of the account, while its owner still signs in from anywhere
// else. The network is rq.addr, the masked one the audit trail records.

// lockedOut returns the end of the lock of the client's network out of u,
// zero when there is none. A failure to read it counts as a lock: the
// sign-in is refused rather than let through unchecked.
func (c *Console) lockedOut(ctx context.Context, rq *Request, u account.User) time.Time {
	now := c.now()
	until, err := c.accounts.LockedFrom(ctx, u.ID, rq.addr, now)
	if err != nil {
		c.log.Error("read sign-in lock", "err", err)
		return now.Add(c.opt.LockoutDuration)
	}
	return until
}

// countFailure counts a failure of u from the client's network and, when
// it locks the network out, audits the lock and returns its end.
func (c *Console) countFailure(ctx context.Context, rq *Request, u account.User, after string) time.Time {
	until, err := c.accounts.RecordFailure(ctx, u.ID, rq.addr, c.opt.LockoutThreshold, c.opt.LockoutDuration, c.now())
	if err != nil {
		c.log.Error("sign-in: record failure", "err", err)
		return time.Time{}
	}
	if !until.IsZero() {
		c.Record(ctx, audit.Entry{Actor: "system", Role: "system", Action: "account.locked", Object: UserObject(u.ID),
			Outcome: audit.OK, Address: rq.addr, Detail: map[string]string{"account": u.Email,
				"until": until.UTC().Format("2006-01-02T15:04:05Z"), "after": after, "scope": "network"}})
	}
	return until
}

// reauth is the outcome of asking a signed-in person for their password
// again.
type reauth int

const (
	reauthOK    reauth = iota
	reauthWrong        // the password is wrong: the page says so
	reauthEnded        // too many failures: the session is ended
)

// reauthenticate checks the current password that a change to the
// account asks for. A wrong one is audited as a failed action and counts
// like a failed sign-in, against the account from the client's network
// and against the network: someone holding a session cannot guess the
// password without limit. At the threshold, or when the network is
// locked out already, the session ends.
func (c *Console) reauthenticate(r *http.Request, rq *Request, password, action string) (reauth, error) {
	ctx := r.Context()
	u := rq.user
	e := rq.entry(action, UserObject(u.ID), audit.Failed)
	if c.lockedOut(ctx, rq, u).IsZero() {
		err := c.accounts.CheckPassword(ctx, u, password)
		if err == nil {
			if err := c.accounts.ClearFailures(ctx, u.ID, rq.addr); err != nil {
				c.log.Error("clear failures", "err", err)
			}
			return reauthOK, nil
		}
		if !errors.Is(err, account.ErrWrongPassword) {
			return 0, err
		}
		e.Detail = map[string]string{"reason": "wrong current password"}
		c.Record(ctx, e)
		c.throttleFailure(r, rq)
		if c.countFailure(ctx, rq, u, "wrong current passwords").IsZero() {
			return reauthWrong, nil
		}
	} else {
		e.Outcome = audit.Denied
		e.Detail = map[string]string{"reason": "locked"}
		c.Record(ctx, e)
	}
	if err := c.accounts.EndSession(ctx, rq.session.IDHash, c.now()); err != nil {
		return 0, err
	}
	end := rq.entry("session.revoke", UserObject(u.ID), audit.OK)
	end.Detail = map[string]string{"sessions": "1", "scope": "this session", "reason": "wrong current passwords"}
	c.Record(ctx, end)
	return reauthEnded, nil
}

// sessionEnded sends a browser whose session reauthenticate ended back to
// the sign-in page.
func (c *Console) sessionEnded(w http.ResponseWriter, r *http.Request) {
	clearCookie(w, SessionCookie)
	Redirect(w, r, "/admin/login", "locked")
}

// currentPassword checks the current password a form on the account page
// posted, and when it is not accepted answers: the page again with the
// problem, or the sign-in page once the session is ended.
func (c *Console) currentPassword(w http.ResponseWriter, r *http.Request, rq *Request, action string) bool {
	res, err := c.reauthenticate(r, rq, r.PostFormValue("password"), action)
	switch {
	case err != nil:
		c.Internal(w, r, rq, "check current password", err)
	case res == reauthEnded:
		c.sessionEnded(w, r)
	case res == reauthWrong:
		c.showAccount(w, r, rq, http.StatusUnprocessableEntity, []string{i18n.T(rq.lang, "account.wrong_password")})
	}
	return err == nil && res == reauthOK
}

// Package queue is the console's page of the mail outbox, at /admin/mail:
// how many messages are in each state, the messages waiting to be sent
// and the dead letters with the error of their last attempt. It never
// shows a message's recipients or text. The owner may retry a dead letter
// or discard it; both are audited.
package queue

import (
	"context"
	"errors"
	"net/http"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/mail/outbox"
)

// PagePath is the section's page.
const PagePath = "/admin/mail"

// pageName is the template, web/templates/mail/console-mail.html.
const pageName = "console-mail"

// listLimit bounds how many messages of a state the page lists.
const listLimit = 200

// Options configure the section.
type Options struct {
	// Outbox is the queue; nil shows the page saying mail is off.
	Outbox *outbox.Outbox
}

// Pages is the section.
type Pages struct {
	opt Options
}

// New returns the section; the console serves it once it is among its
// sections.
func New(opt Options) *Pages { return &Pages{opt: opt} }

// ConsoleSection returns the section's routes, page and menu entry.
func (p *Pages) ConsoleSection(c *admin.Console) (admin.Section, error) {
	s := &section{outbox: p.opt.Outbox, c: c}
	manage := func(pattern string, serve func(http.ResponseWriter, *http.Request, *admin.Request)) admin.Handler {
		return admin.Handler{Route: admin.Route{Method: "POST", Pattern: pattern, Access: admin.Signed, Permission: account.ManageMail}, Serve: serve}
	}
	return admin.Section{
		Name:  "mail",
		Pages: []string{"templates/mail/" + pageName + ".html"},
		Nav:   []admin.NavItem{{Href: PagePath, Key: "mail.nav", Permission: account.ReadMail, Order: 69}},
		Routes: []admin.Handler{
			{Route: admin.Route{Method: "GET", Pattern: PagePath, Access: admin.Signed, Permission: account.ReadMail}, Serve: s.page},
			manage(PagePath+"/{id}/retry", s.retry),
			manage(PagePath+"/{id}/discard", s.discard),
		},
	}, nil
}

type section struct {
	outbox *outbox.Outbox // nil when mail is off
	c      *admin.Console
}

// Count is the number of messages in one state.
type Count struct {
	State string
	N     int
}

// view is the page's data.
type view struct {
	Enabled bool
	Error   bool
	Counts  []Count
	Pending []outbox.Entry
	Dead    []outbox.Entry
	// CanManage shows the retry and discard buttons.
	CanManage bool
}

func (s *section) page(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	v := view{Enabled: s.outbox != nil, CanManage: rq.Role().Can(account.ManageMail)}
	if v.Enabled {
		if err := s.read(r, &v); err != nil {
			s.c.Logger().Error("mail console: read the outbox", "err", err)
			v.Error = true
		}
	}
	s.c.Render(w, r, rq, http.StatusOK, pageName, "mail.title", v)
}

func (s *section) read(r *http.Request, v *view) error {
	ctx := r.Context()
	counts, err := s.outbox.Counts(ctx)
	if err != nil {
		return err
	}
	for _, state := range outbox.States {
		v.Counts = append(v.Counts, Count{State: state, N: counts[state]})
	}
	if v.Pending, err = s.outbox.List(ctx, outbox.Pending, listLimit); err != nil {
		return err
	}
	v.Dead, err = s.outbox.List(ctx, outbox.Dead, listLimit)
	return err
}

func (s *section) retry(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	s.change(w, r, rq, "mail.retry", "mail_retried", (*outbox.Outbox).Retry)
}

func (s *section) discard(w http.ResponseWriter, r *http.Request, rq *admin.Request) {
	s.change(w, r, rq, "mail.discard", "mail_discarded", (*outbox.Outbox).Discard)
}

// change applies op to the dead letter named in the path, records it in
// the audit trail under event and goes back to the page with notice.
func (s *section) change(w http.ResponseWriter, r *http.Request, rq *admin.Request, event, notice string, op func(*outbox.Outbox, context.Context, string) error) {
	if s.outbox == nil {
		http.NotFound(w, r)
		return
	}
	id := r.PathValue("id")
	ctx := r.Context()
	err := op(s.outbox, ctx, id)
	if errors.Is(err, outbox.ErrNotFound) {
		admin.Redirect(w, r, PagePath, "mail_not_dead")
		return
	}
	if err != nil {
		s.c.Internal(w, r, rq, "mail outbox", err)
		return
	}
	s.c.Record(ctx, rq.Entry(event, "mail:"+id, audit.OK))
	admin.Redirect(w, r, PagePath, notice)
}

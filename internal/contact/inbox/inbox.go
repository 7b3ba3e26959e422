// Package inbox is the contact forms' section of the console: the inbox of
// submissions at /admin/inbox, where staff open, assign, annotate and
// answer them, and the forms they handle, at /admin/forms and
// /admin/api/forms, as the privacy manifest declares them.
package inbox

import (
	"context"
	"net/http"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/contact"
	"github.com/noren-web/noren/internal/mail"
)

// Mailer sends the replies staff write from the inbox; *mail.Sender is one.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// Options configure an Inbox.
type Options struct {
	// Inbox holds the contact forms' submissions; nil leaves the inbox
	// page saying that submissions are not configured.
	Inbox *contact.Inbox
	// Mailer sends replies to submissions; nil turns replying off, and the
	// pages say so.
	Mailer Mailer
}

// Inbox is the contact forms' section of the console.
type Inbox struct {
	opt Options
}

// New returns the inbox; the console serves it once it is among its
// sections.
func New(opt Options) *Inbox { return &Inbox{opt: opt} }

// The section's templates, in web/templates/contact/console/.
var pages = []string{"inbox", "inbox_submission", "inbox_open", "forms", "form"}

// ConsoleSection returns the inbox's and the forms' routes, pages and menu
// entries.
func (in *Inbox) ConsoleSection(c *admin.Console) (admin.Section, error) {
	s := &section{subs: in.opt.Inbox, mailer: in.opt.Mailer, c: c}
	route := func(method, pattern string, access admin.Access, h func(http.ResponseWriter, *http.Request, *admin.Request)) admin.Handler {
		return admin.Handler{Route: admin.Route{Method: method, Pattern: pattern, Access: access, Permission: account.HandleSubmissions}, Serve: h}
	}
	formScoped := func(h admin.Handler) admin.Handler { h.FormScoped = true; return h }
	files := make([]string, len(pages))
	for i, p := range pages {
		files[i] = "templates/contact/console/" + p + ".html"
	}
	return admin.Section{
		Name:  "inbox",
		Pages: files,
		Nav: []admin.NavItem{
			{Href: "/admin/inbox", Key: "nav.inbox", Permission: account.HandleSubmissions, Order: 30},
			{Href: "/admin/forms", Key: "nav.forms", Permission: account.HandleSubmissions, Order: 50},
		},
		Routes: []admin.Handler{
			route("GET", "/admin/forms", admin.Signed, s.formsPage),
			formScoped(route("GET", "/admin/forms/{form}", admin.Signed, s.formPage)),

			// Inbox routes act on a submission whose form is known only once
			// it is loaded, so their handlers check the form themselves.
			route("GET", "/admin/inbox", admin.Signed, s.inboxPage),
			route("GET", "/admin/inbox/{id}", admin.Signed, s.submissionPage),
			route("POST", "/admin/inbox/{id}/open", admin.Signed, s.openSubmission),
			route("POST", "/admin/inbox/{id}/status", admin.Signed, s.setSubmissionStatus),
			route("POST", "/admin/inbox/{id}/assign", admin.Signed, s.assignSubmission),
			route("POST", "/admin/inbox/{id}/note", admin.Signed, s.noteSubmission),
			route("POST", "/admin/inbox/{id}/reply", admin.Signed, s.replySubmission),

			route("GET", "/admin/api/forms", admin.API, s.apiForms),
			formScoped(route("GET", "/admin/api/forms/{form}", admin.API, s.apiForm)),
		},
	}, nil
}

// section serves the inbox's and the forms' routes through the console.
type section struct {
	subs   *contact.Inbox // nil when submissions are not configured
	mailer Mailer         // nil when mail is not configured
	c      *admin.Console
}

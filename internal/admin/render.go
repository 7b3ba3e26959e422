package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/site"
	"github.com/noren-web/noren/internal/timefmt"
)

// Page is what every console template receives; Body is the Page's own
// data.
type Page struct {
	Lang      string
	Title     string
	User      *account.User
	Role      account.Role
	CSRF      string
	Nonce     string
	Nav       []navLink
	Path      string
	Notice    string
	Errors    []string
	Body      any
	OtherLang string
	// loc is the site's time zone, in which Time and Date write.
	loc *time.Location
}

type navLink struct {
	Href, Label string
	Current     bool
}

// T translates a message key into the page's language; with args the
// message is a format.
func (p Page) T(key string, args ...any) string { return i18n.T(i18n.Lang(p.Lang), key, args...) }

// Time writes a moment for the page in the site's time zone, the zone
// named, or a dash for the zero time.
func (p Page) Time(t time.Time) string { return timefmt.Instant(p.Lang, t, p.loc) }

// Date writes the day of a moment in the site's time zone, or a dash for
// the zero time.
func (p Page) Date(t time.Time) string { return timefmt.Date(p.Lang, t, p.loc) }

// ISO writes a moment as RFC 3339 in UTC, for datetime attributes.
func (p Page) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// RoleName is a role's name in the page's language.
func (p Page) RoleName(r account.Role) string { return i18n.T(i18n.Lang(p.Lang), "role."+string(r)) }

// Can reports whether the viewer's role carries a permission, for showing
// only the links that will work.
func (p Page) Can(perm string) bool { return p.Role.Can(account.Permission(perm)) }

// Option is one choice of a select on a console page.
type Option struct {
	Value, Label string
	Selected     bool
}

// userAction is a button that posts to one of an account's action routes.
type userAction struct {
	ID          int64
	Path, Label string
	CSRF        string
}

var templateFuncs = template.FuncMap{
	"list": func(items ...string) []string { return items },
	"auditTable": func(p Page, rows []auditRow) auditTable {
		return auditTable{Page: p, Rows: rows}
	},
	"action": func(p Page, u account.User, path, key string) userAction {
		return userAction{ID: u.ID, Path: path, Label: p.T(key), CSRF: p.CSRF}
	},
}

// Status describes an account's state at now: disabled, expired, locked
// or active.
func (p Page) Status(u account.User, now time.Time) string {
	switch {
	case !u.DisabledAt.IsZero():
		return p.T("status.disabled")
	case !u.ExpiresAt.IsZero() && !now.Before(u.ExpiresAt):
		return p.T("status.expired")
	case u.Locked(now):
		return p.T("status.locked", p.Time(u.LockedUntil))
	case !u.ExpiresAt.IsZero():
		return p.T("status.active_until", p.Date(u.ExpiresAt.Add(-time.Second)))
	}
	return p.T("status.active")
}

// parsePages parses each console page, the shell's own and the sections'
// extra files, together with the shared layout.
func parsePages(fsys fs.FS, funcs template.FuncMap, extra []string) (map[string]*template.Template, error) {
	layout, err := fs.ReadFile(fsys, "templates/admin/layout.html")
	if err != nil {
		return nil, fmt.Errorf("admin: templates: %w", err)
	}
	partials, err := fs.ReadFile(fsys, "templates/admin/partials.html")
	if err != nil {
		return nil, fmt.Errorf("admin: templates: %w", err)
	}
	files, err := fs.Glob(fsys, "templates/admin/*.html")
	if err != nil {
		return nil, fmt.Errorf("admin: templates: %w", err)
	}
	files = append(files, extra...)
	pages := make(map[string]*template.Template)
	for _, file := range files {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		if _, taken := pages[name]; taken {
			return nil, fmt.Errorf("admin: template %s: a page of that name is already defined", file)
		}
		text, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("admin: templates: %w", err)
		}
		t, err := template.New(name).Funcs(funcs).Parse(string(layout))
		for _, more := range [][]byte{partials, text} {
			if err == nil {
				_, err = t.Parse(string(more))
			}
		}
		if err != nil {
			return nil, fmt.Errorf("admin: template %s: %w", file, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// Render writes a console page. titleKey is the message key of its title.
func (c *Console) Render(w http.ResponseWriter, r *http.Request, rq *Request, status int, name, titleKey string, body any) {
	p := c.PageFor(r, rq, titleKey)
	p.Body = body
	c.Write(w, status, name, p)
}

func (c *Console) PageFor(r *http.Request, rq *Request, titleKey string) Page {
	p := Page{
		Lang:  string(rq.lang),
		Title: i18n.T(rq.lang, titleKey),
		Role:  rq.role,
		CSRF:  rq.csrfToken(),
		Nonce: server.Nonce(r),
		Path:  r.URL.Path,
		loc:   c.Location(),
	}
	p.OtherLang = "en"
	if rq.lang == i18n.English {
		p.OtherLang = "ja"
	}
	if rq.user.ID != 0 && rq.session.Stage == account.StageFull {
		u := rq.user
		p.User = &u
		p.Nav = c.navFor(rq, r.URL.Path)
	}
	if msg := r.URL.Query().Get("notice"); msg != "" && i18n.Default().Has("notice."+msg) {
		p.Notice = i18n.T(rq.lang, "notice."+msg)
	}
	return p
}

func (c *Console) Write(w http.ResponseWriter, status int, name string, p Page) {
	t, ok := c.pages[name]
	if !ok {
		c.log.Error("no console template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		c.log.Error("render console page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// A length in every answer, so that two answers alike in all but a
	// few bytes of their body also carry the same headers.
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// navFor lists the menu entries the viewer's role may open.
func (c *Console) navFor(rq *Request, current string) []navLink {
	var out []navLink
	for _, it := range c.nav {
		if !rq.role.Can(it.Permission) {
			continue
		}
		cur := current == it.Href || (it.Href != "/admin/" && strings.HasPrefix(current, it.Href+"/"))
		out = append(out, navLink{Href: it.Href, Label: i18n.T(rq.lang, it.Key), Current: cur})
	}
	return out
}

// Fail answers with an error page, or a JSON error on the API.
func (c *Console) Fail(w http.ResponseWriter, r *http.Request, rq *Request, status int, key string) {
	if strings.HasPrefix(r.URL.Path, "/admin/api/") {
		WriteJSONError(w, status, i18n.T(i18n.English, key))
		return
	}
	p := c.PageFor(r, rq, "error.title")
	p.Errors = []string{i18n.T(rq.lang, key)}
	p.Body = struct{ Status int }{status}
	c.Write(w, status, "error", p)
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	rq := &Request{lang: c.lang(r, "")}
	w.Header().Set("Cache-Control", "no-store")
	c.Fail(w, r, rq, http.StatusNotFound, "error.not_found")
}

// lang picks the console's language: ?lang= on the sign-in pages, else the
// account's choice, else the browser's.
func (c *Console) lang(r *http.Request, chosen string) i18n.Lang {
	if l := r.URL.Query().Get("lang"); l == "ja" || l == "en" {
		return i18n.Lang(l)
	}
	if chosen == "ja" || chosen == "en" {
		return i18n.Lang(chosen)
	}
	def := "ja"
	if m := c.opt.Manifest(); m != nil && m.DefaultLang != "" {
		def = m.DefaultLang
	}
	return i18n.Lang(site.NegotiateLanguage(r.Header.Get("Accept-Language"), []string{"ja", "en"}, def))
}

// WriteJSON answers with v as indented JSON, as the console's API does.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// WriteJSONError answers with {"error": msg}, as the console's API does.
func WriteJSONError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, map[string]string{"error": msg})
}

// Redirect answers a form post with 303 See Other, optionally with a
// notice for the next page.
func Redirect(w http.ResponseWriter, r *http.Request, target, notice string) {
	if notice != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "notice=" + notice
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

package page

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"

	"github.com/noren-web/noren/internal/i18n"
)

// layoutFile is the shared layout within a template tree.
const layoutFile = "templates/layout.html"

// Chrome is the shared layout of Noren's public pages, parsed once from a
// template tree laid out as web.Templates is; each page's template is a
// clone of it. The layout itself is never executed, which keeps it
// clonable.
type Chrome struct {
	fsys   fs.FS
	layout *template.Template
}

// NewChrome parses the layout of fsys, templates/layout.html. The layout and
// every page reach the message catalogue as {{t .Lang "key"}}.
func NewChrome(fsys fs.FS) (*Chrome, error) {
	layout, err := template.New(path.Base(layoutFile)).Funcs(i18n.Default().Funcs()).ParseFS(fsys, layoutFile)
	if err != nil {
		return nil, fmt.Errorf("page: parse %s: %w", layoutFile, err)
	}
	return &Chrome{fsys: fsys, layout: layout}, nil
}

// Page returns the template of one page: the layout with the page's own
// template, the file name of the chrome's tree, which defines "title" (the
// page's name, for <title>) and "main" (the content of <main>).
func (c *Chrome) Page(name string) (*Template, error) {
	t, err := c.layout.Clone()
	if err != nil {
		return nil, fmt.Errorf("page: clone the layout for %s: %w", name, err)
	}
	if _, err := t.ParseFS(c.fsys, name); err != nil {
		return nil, fmt.Errorf("page: parse %s: %w", name, err)
	}
	return &Template{t: t}, nil
}

// Template is one page in the chrome. It is safe for concurrent use.
type Template struct {
	t *template.Template
}

// Execute writes the page for data to w. data is the page's view: a
// struct that embeds a Layout, with what the page's own template reads.
func (t *Template) Execute(w io.Writer, data any) error {
	return t.t.ExecuteTemplate(w, "layout", data)
}

package site

import (
	"context"
	"fmt"
	"mime"
	"time"

	"github.com/noren-web/noren/internal/page"
)

// Layout pages in a folder are checked at most once a second; an upstream
// is asked again after a minute.
const (
	folderLayoutRefresh   = time.Second
	upstreamLayoutRefresh = time.Minute
)

// LayoutPage reads the site's page at urlPath for page.SiteLayout, which
// dresses Noren's own pages in it: it follows an upstream's redirects to
// its own pages and decodes the page to UTF-8.
func (o *Origin) LayoutPage(ctx context.Context, urlPath, known string) (page.LayoutPage, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*originTimeout)
	defer cancel()
	p, err := o.page(ctx, urlPath, known, true)
	if err != nil || p.notModified {
		return page.LayoutPage{Version: p.version, NotModified: p.notModified}, err
	}
	ct := p.contentType
	if o.fsys != nil {
		// A file's type comes from its name, with UTF-8 assumed: only the
		// page itself declares its charset.
		if mt, _, perr := mime.ParseMediaType(ct); perr == nil {
			ct = mt
		}
	}
	text, err := layoutText(ct, p.body)
	if err != nil {
		return page.LayoutPage{}, err
	}
	return page.LayoutPage{Body: text, Version: p.version}, nil
}

// LayoutRefresh is how long page.SiteLayout uses a layout page read
// before it looks at the page again.
func (o *Origin) LayoutRefresh() time.Duration {
	if o.fsys != nil {
		return folderLayoutRefresh
	}
	return upstreamLayoutRefresh
}

// layoutText returns a layout page body in UTF-8, the charset of Noren's
// pages, decoding it from the charset its Content-Type, byte order mark
// or <meta> declares (Shift_JIS, EUC-JP, ISO-2022-JP…), as browsers do.
func layoutText(contentType string, body []byte) ([]byte, error) {
	if contentType != "" {
		if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != "text/html" {
			return nil, fmt.Errorf("not an HTML page (%s)", contentType)
		}
	}
	cs := detectCharset(contentType, body)
	switch cs.mode {
	case charsetUTF8:
		return body, nil
	case charsetUnsupported:
		return nil, fmt.Errorf("character set %s: the layout page cannot be read", cs.name)
	}
	text, err := cs.enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, fmt.Errorf("decode the layout page from %s: %w", cs.name, err)
	}
	return text, nil
}

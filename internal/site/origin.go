package site

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// maxOriginPage bounds how much of a page Noren reads from the site for
// itself: a layout page or a root page whose language it looks up.
const maxOriginPage = 2 << 20

// originTimeout bounds each request Noren makes to an upstream for itself.
const originTimeout = 5 * time.Second

// Origin reads pages of the operator's site from where Noren serves them:
// the site's folder or its upstream. Noren reads a few pages for itself,
// to find where the site keeps each language's home page (Homes) and to
// dress its own pages in the site's layout (page.SiteLayout, through LayoutPage).
type Origin struct {
	fsys     fs.FS
	upstream *url.URL
	client   *http.Client
}

// FolderOrigin returns the Origin of a site served from fsys.
func FolderOrigin(fsys fs.FS) *Origin {
	return &Origin{fsys: fsys}
}

// UpstreamOrigin returns the Origin of a site served by proxying upstream,
// reached with opt's dial and TLS timeouts. Each request it makes is
// bounded to five seconds.
func UpstreamOrigin(upstream *url.URL, opt ProxyOptions) (*Origin, error) {
	if upstream == nil || upstream.Scheme != "http" && upstream.Scheme != "https" || upstream.Host == "" {
		return nil, fmt.Errorf("site: upstream %v is not an http or https URL", upstream)
	}
	dial, tlsTimeout := opt.DialTimeout, opt.TLSHandshakeTimeout
	if dial <= 0 {
		dial = 10 * time.Second
	}
	if tlsTimeout <= 0 {
		tlsTimeout = 10 * time.Second
	}
	u := *upstream
	return &Origin{
		upstream: &u,
		client: &http.Client{
			Timeout: originTimeout,
			Transport: &http.Transport{
				DialContext:         (&net.Dialer{Timeout: dial}).DialContext,
				TLSHandshakeTimeout: tlsTimeout,
				MaxIdleConnsPerHost: 2,
				IdleConnTimeout:     30 * time.Second,
			},
			// A redirect is an answer in itself: where it leads decides
			// whether the page asked for exists.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// originPage is a page read from the site.
type originPage struct {
	body        []byte
	contentType string
	// version identifies this copy: a file's size and modification time,
	// or the upstream's ETag or Last-Modified.
	version string
	// notModified reports that the page is still the version asked about;
	// body is then empty.
	notModified bool
}

// errNoPage is returned for a page the site does not have.
var errNoPage = errors.New("no such page")

// redirectError is an upstream's redirect where a page was asked for.
type redirectError struct {
	status int
	to     string // the upstream path it leads to, "" when elsewhere
}

func (e redirectError) Error() string { return "redirected: " + http.StatusText(e.status) }

// page reads the HTML page at urlPath. With known set to the version of a
// copy held, it may answer notModified instead of the page. An upstream's
// redirects to its own pages are followed when follow is set, else they
// are a redirectError.
func (o *Origin) page(ctx context.Context, urlPath, known string, follow bool) (originPage, error) {
	if o.fsys != nil {
		return o.filePage(urlPath, known)
	}
	for range maxOriginRedirects {
		p, err := o.upstreamPage(ctx, urlPath, known)
		var re redirectError
		if !follow || !errors.As(err, &re) || re.to == "" {
			return p, err
		}
		urlPath = re.to
	}
	return originPage{}, fmt.Errorf("site: fetch %s: too many redirects", urlPath)
}

// maxOriginRedirects bounds the redirects followed to reach a page.
const maxOriginRedirects = 4

// exists reports whether the site answers urlPath, a home page such as
// /en/, with a page.
func (o *Origin) exists(ctx context.Context, urlPath string) (bool, error) {
	if o.fsys != nil {
		_, _, ok := o.pageFile(urlPath)
		return ok, nil
	}
	resp, err := o.ask(ctx, http.MethodHead, urlPath, "")
	if err == nil && (resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented) {
		resp.Body.Close()
		resp, err = o.ask(ctx, http.MethodGet, urlPath, "")
	}
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return true, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		// /en -> /en/ or /en/ -> /en/index.html: the page is there.
		// A redirect elsewhere, such as to the root, says it is not.
		to := o.localPath(resp)
		return to != "" && strings.HasPrefix(to, strings.TrimSuffix(urlPath, "/")+"/"), nil
	case resp.StatusCode >= 500:
		return false, fmt.Errorf("site: upstream answered %s for %s", resp.Status, urlPath)
	}
	return false, nil
}

// pageFile maps a URL path to the file a static site serves for it, the
// way fileServer does.
func (o *Origin) pageFile(urlPath string) (string, fs.FileInfo, bool) {
	name, ok := fileName(urlPath)
	if !ok {
		return "", nil, false
	}
	var candidates []string
	switch {
	case name == ".":
		candidates = []string{"index.html"}
	case strings.HasSuffix(urlPath, "/"):
		candidates = []string{name + "/index.html"}
	default:
		candidates = []string{name, name + ".html", name + "/index.html"}
	}
	for _, c := range candidates {
		if info, err := fs.Stat(o.fsys, c); err == nil && info.Mode().IsRegular() {
			return c, info, true
		}
	}
	return "", nil, false
}

func (o *Origin) filePage(urlPath, known string) (originPage, error) {
	name, info, ok := o.pageFile(urlPath)
	if !ok {
		return originPage{}, fmt.Errorf("site: read %s: %w", urlPath, errNoPage)
	}
	version := strconv.FormatInt(info.Size(), 10) + "-" + strconv.FormatInt(info.ModTime().UnixNano(), 10)
	if known != "" && version == known {
		return originPage{version: version, notModified: true}, nil
	}
	if info.Size() > maxOriginPage {
		return originPage{}, fmt.Errorf("site: read %s: larger than %d bytes", name, maxOriginPage)
	}
	body, err := fs.ReadFile(o.fsys, name)
	if err != nil {
		return originPage{}, fmt.Errorf("site: read %s: %w", name, err)
	}
	return originPage{body: body, contentType: contentType(name), version: version}, nil
}

func (o *Origin) upstreamPage(ctx context.Context, urlPath, known string) (originPage, error) {
	resp, err := o.ask(ctx, http.MethodGet, urlPath, known)
	if err != nil {
		return originPage{}, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && known != "":
		return originPage{version: known, notModified: true}, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return originPage{}, redirectError{status: resp.StatusCode, to: o.localPath(resp)}
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return originPage{}, fmt.Errorf("site: fetch %s: %w", urlPath, errNoPage)
	case resp.StatusCode != http.StatusOK:
		return originPage{}, fmt.Errorf("site: fetch %s: upstream answered %s", urlPath, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOriginPage+1))
	if err != nil {
		return originPage{}, fmt.Errorf("site: fetch %s: %w", urlPath, err)
	}
	if len(body) > maxOriginPage {
		return originPage{}, fmt.Errorf("site: fetch %s: larger than %d bytes", urlPath, maxOriginPage)
	}
	version := resp.Header.Get("ETag")
	if version == "" {
		version = resp.Header.Get("Last-Modified")
	}
	return originPage{body: body, contentType: resp.Header.Get("Content-Type"), version: version}, nil
}

// ask sends one request for urlPath to the upstream. known, when set, is
// the ETag or Last-Modified of the copy held.
func (o *Origin) ask(ctx context.Context, method, urlPath, known string) (*http.Response, error) {
	target := *o.upstream
	target.Path = o.upstreamPath(urlPath)
	target.RawPath = ""
	req, err := http.NewRequestWithContext(ctx, method, target.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("site: fetch %s: %w", urlPath, err)
	}
	req.Header.Set("Accept", "text/html")
	req.Header.Set("User-Agent", "Noren")
	switch {
	case strings.HasPrefix(known, `"`) || strings.HasPrefix(known, `W/"`):
		req.Header.Set("If-None-Match", known)
	case known != "":
		req.Header.Set("If-Modified-Since", known)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("site: fetch %s from %s: %w", urlPath, o.upstream.Host, err)
	}
	return resp, nil
}

// localPath returns the path, relative to the upstream's base path, that a
// redirect leads to, or "" when it leads off the upstream.
func (o *Origin) localPath(resp *http.Response) string {
	loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	base := strings.TrimSuffix(o.upstream.Path, "/")
	if err != nil || loc.Host != o.upstream.Host || !strings.HasPrefix(loc.Path, base+"/") {
		return ""
	}
	return strings.TrimPrefix(loc.Path, base)
}

// upstreamPath is the path of urlPath below the upstream's base path.
func (o *Origin) upstreamPath(urlPath string) string {
	base := strings.TrimSuffix(o.upstream.Path, "/")
	p := path.Clean("/" + urlPath)
	if strings.HasSuffix(urlPath, "/") && p != "/" {
		p += "/"
	}
	return base + p
}

package crawl

import (
	"net/url"
	"path"
	"strings"

	"github.com/noren-web/noren/internal/robots"
)

// scope is the part of the web the crawl may read: the upstream's scheme,
// host and port exactly, under the upstream URL's path.
type scope struct {
	scheme string
	host   string // lower case, without the scheme's default port
	// prefix is the upstream URL's path without its final slash; the site
	// root "/" is prefix+"/" on the upstream, as the proxy joins them.
	prefix string
}

func newScope(base *url.URL) scope {
	return scope{
		scheme: strings.ToLower(base.Scheme),
		host:   canonicalHost(base.Scheme, base.Host),
		prefix: strings.TrimSuffix(base.Path, "/"),
	}
}

// canonicalHost lower-cases a host and drops the scheme's default port,
// so that http://example.jp:80/ and http://example.jp/ are one origin
// while another port is another.
func canonicalHost(scheme, host string) string {
	host = strings.ToLower(host)
	switch strings.ToLower(scheme) {
	case "http":
		host = strings.TrimSuffix(host, ":80")
	case "https":
		host = strings.TrimSuffix(host, ":443")
	}
	return host
}

// contains reports whether u is on the upstream's origin and under its
// path.
func (s scope) contains(u *url.URL) bool {
	if strings.ToLower(u.Scheme) != s.scheme || canonicalHost(u.Scheme, u.Host) != s.host || u.User != nil {
		return false
	}
	return s.prefix == "" || u.Path == s.prefix || strings.HasPrefix(u.Path, s.prefix+"/")
}

// key is the one spelling of a URL in scope that the crawl dedupes on.
func (s scope) key(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	k := s.scheme + "://" + s.host + p
	if u.RawQuery != "" {
		k += "?" + u.RawQuery
	}
	return k
}

// sitePath is a URL's path and query as the site's visitors see them,
// relative to the site root rather than the upstream's path.
func (s scope) sitePath(u *url.URL) string {
	p := strings.TrimPrefix(u.Path, s.prefix)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}

// skippedExt are extensions of files that are never documents, which the
// crawl does not fetch at all.
var skippedExt = map[string]bool{
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".avif": true, ".svg": true,
	".ico": true, ".bmp": true, ".tif": true, ".tiff": true, ".heic": true,
	".css": true, ".js": true, ".mjs": true, ".map": true, ".json": true, ".xml": true, ".rss": true, ".atom": true,
	".zip": true, ".gz": true, ".tgz": true, ".bz2": true, ".xz": true, ".7z": true, ".rar": true, ".tar": true, ".lzh": true,
	".mp3": true, ".mp4": true, ".m4a": true, ".m4v": true, ".mov": true, ".avi": true, ".webm": true, ".ogg": true, ".wav": true,
	".woff": true, ".woff2": true, ".ttf": true, ".otf": true, ".eot": true,
	".exe": true, ".dmg": true, ".msi": true, ".apk": true, ".iso": true, ".bin": true,
}

// notDocument reports whether a URL path names a file that cannot be a
// page or a PDF by its extension.
func notDocument(p string) bool {
	return skippedExt[strings.ToLower(path.Ext(p))]
}

// excluded reports whether a site path matches one of the operator's
// patterns, in which "*" stands for any characters and the pattern must
// match the whole path (with its query).
func excluded(patterns []string, sitePath string) bool {
	for _, p := range patterns {
		if p != "" && robots.Match(p+"$", sitePath) {
			return true
		}
	}
	return false
}

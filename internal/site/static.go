package site

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/noren-web/noren/internal/entitytag"
)

// maxCachedFile is the largest static file compressed once and kept in
// memory; larger ones are compressed as they stream.
const maxCachedFile = 2 << 20

// NewStatic returns a handler that serves the site in fsys, such as DirFS
// of a Hugo output folder or fs.Sub of the embedded demo site. (os.DirFS
// would follow symbolic links out of the folder.)
//
// Paths map to files the way static hosts do: /en/ serves en/index.html,
// /en/news redirects to /en/news/ when that is a folder with an index.html,
// and /en/about also finds en/about.html. Names starting with a dot are
// never served, except the /.well-known/ folder. The site root redirects
// by Accept-Language to a language folder that has an index.html (see
// Options.RedirectRoot), or serves the root index.html. Missing pages get
// the site's /{lang}/404.html or /404.html, or Noren's own page, always
// with status 404, whose links lead to home pages the site has.
//
// HTML pages get opt.Injection and notes with the size of linked PDFs.
// A page is rewritten once per version of its file, injection fingerprint
// and language layout, and kept in memory (within opt.CacheBytes, pages of
// up to 2 MiB); each response puts its own CSP nonce into the kept page
// and is sent in gzip, compressed once, to clients that accept it.
// Other files have a strong ETag from their content, Last-Modified when
// fsys knows modification times, and support conditional and Range
// requests; compressible ones are sent with brotli or gzip, from a
// precompressed X.br or X.gz beside the file when there is one, else from
// a copy compressed once and cached. PDFs are sent as attachments.
func NewStatic(fsys fs.FS, opt Options) (http.Handler, error) {
	opt, err := opt.check()
	if err != nil {
		return nil, err
	}
	return newStatic(fsys, opt, newPageCache(opt.CacheBytes))
}

// newStatic is NewStatic with checked options and the cache of rewritten
// pages, nil for none.
func newStatic(fsys fs.FS, opt Options, rewritten *pageCache) (http.Handler, error) {
	homes := opt.Homes
	if homes == nil {
		homes = NewHomes(FolderOrigin(fsys), opt.Languages, opt.DefaultLanguage)
	}
	pages, err := newErrorPages(opt.Languages, opt.DefaultLanguage, homes.Home)
	if err != nil {
		return nil, err
	}
	in := &Injector{opt: opt}
	s := &fileServer{
		fsys:      fsys,
		cache:     newFileCache(opt.CacheBytes),
		rewritten: rewritten,
		maxCached: min(maxCachedFile, opt.CacheBytes/4),
		pages:     pages,
		in:        in,
		homes:     homes,
		langs:     opt.Languages,
		logger:    opt.Logger,
	}
	root := rootHandler(homes, opt.Languages, opt.DefaultLanguage, opt.RedirectRoot, in.wrap(s, s.fileSize))
	return Compress(root), nil
}

// fileServer serves the files of a site. HTML pages go out rewritten from
// the page cache, or as they are stored for the Injector wrapped around it
// to rewrite as they stream.
type fileServer struct {
	fsys      fs.FS
	cache     *fileCache
	rewritten *pageCache // nil: every page is rewritten as it streams
	maxCached int64
	pages     *errorPages
	in        *Injector // the one wrapped around the fileServer
	homes     *Homes
	langs     []string
	logger    *slog.Logger
}

func (s *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	upath := r.URL.Path
	if !strings.HasPrefix(upath, "/") {
		upath = "/" + upath
	}
	name, ok := fileName(upath)
	switch {
	case !ok:
		s.notFound(w, r)
	case name == ".":
		// rootHandler has sent whoever should go to a language folder.
		if info, ok := s.regular("index.html"); ok {
			s.serveFile(w, r, "index.html", info)
		} else {
			s.notFound(w, r)
		}
	case strings.HasSuffix(upath, "/"):
		index := name + "/index.html"
		if info, ok := s.regular(index); ok {
			s.serveFile(w, r, index, info)
		} else {
			s.notFound(w, r)
		}
	default:
		s.serveName(w, r, name)
	}
}

// serveName serves a path without a trailing slash: the file of that name,
// a redirect to the folder of that name, or the file with .html added.
func (s *fileServer) serveName(w http.ResponseWriter, r *http.Request, name string) {
	if info, err := fs.Stat(s.fsys, name); err == nil {
		switch {
		case info.Mode().IsRegular() && path.Base(name) == "index.html":
			localRedirect(w, r, "./")
			return
		case info.Mode().IsRegular():
			s.serveFile(w, r, name, info)
			return
		case info.IsDir():
			if _, ok := s.regular(name + "/index.html"); ok {
				localRedirect(w, r, path.Base(name)+"/")
				return
			}
		}
	}
	if info, ok := s.regular(name + ".html"); ok {
		s.serveFile(w, r, name+".html", info)
		return
	}
	s.notFound(w, r)
}

// fileName maps a URL path to a name in the site's file system, or reports
// false for paths that may not be served: hidden names and anything
// fs.ValidPath rejects. Cleaning a rooted path removes every "..", so no
// path leaves the site. The root is ".".
func fileName(urlPath string) (string, bool) {
	if strings.ContainsAny(urlPath, "\\\x00") {
		return "", false
	}
	name := strings.TrimPrefix(path.Clean("/"+urlPath), "/")
	if name == "" {
		return ".", true
	}
	for i, seg := range strings.Split(name, "/") {
		if strings.HasPrefix(seg, ".") && (i > 0 || seg != ".well-known") {
			return "", false
		}
	}
	return name, fs.ValidPath(name)
}

// regular returns the FileInfo of name if it is a regular file.
func (s *fileServer) regular(name string) (fs.FileInfo, bool) {
	info, err := fs.Stat(s.fsys, name)
	if err != nil || !info.Mode().IsRegular() {
		return nil, false
	}
	return info, true
}

// fileSize returns the size of the file at a URL path, for the notes after
// links to PDFs.
func (s *fileServer) fileSize(urlPath string) (int64, bool) {
	name, ok := fileName(urlPath)
	if !ok || name == "." {
		return 0, false
	}
	info, ok := s.regular(name)
	if !ok {
		return 0, false
	}
	return info.Size(), true
}

// localRedirect redirects to a path relative to the request's, which stays
// right when the site is mounted below a path prefix, keeping the query.
func localRedirect(w http.ResponseWriter, r *http.Request, relPath string) {
	target := (&url.URL{Path: relPath, RawQuery: r.URL.RawQuery}).String()
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusMovedPermanently)
}

func (s *fileServer) serveFile(w http.ResponseWriter, r *http.Request, name string, info fs.FileInfo) {
	ct := contentType(name)
	if isHTML(ct) {
		s.serveHTML(w, r, name, info)
		return
	}
	e, err := s.cache.entry(s.fsys, name, info, false)
	if err != nil {
		s.serverError(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	if mediaType(ct) == "application/pdf" {
		h.Set("Content-Disposition", contentDisposition(path.Base(name)))
	}
	if compressible(ct) {
		addVary(h, "Accept-Encoding")
		// A range of compressed bytes is of little use to anyone, so
		// range requests get the file as it is.
		coding, _ := acceptedEncodings(r.Header.Get("Accept-Encoding"))
		if coding != "" && info.Size() >= minCompressSize && r.Header.Get("Range") == "" {
			if s.servePrecompressed(w, r, name, coding) || s.serveCompressed(w, r, e, coding) {
				return
			}
		}
	}
	h.Set("ETag", `"`+e.hash+`"`)
	s.serveContent(w, r, name, info)
}

// servePrecompressed serves name's sibling compressed with coding (style.css.br
// for style.css) if the site has one.
func (s *fileServer) servePrecompressed(w http.ResponseWriter, r *http.Request, name, coding string) bool {
	sibling := name + ".gz"
	if coding == encodingBrotli {
		sibling = name + ".br"
	}
	info, ok := s.regular(sibling)
	if !ok {
		return false
	}
	e, err := s.cache.entry(s.fsys, sibling, info, false)
	if err != nil {
		s.logger.Warn("site: read precompressed file", "name", sibling, "error", err)
		return false
	}
	w.Header().Set("Content-Encoding", coding)
	w.Header().Set("ETag", `"`+e.hash+`"`)
	s.serveContent(w, r, sibling, info)
	return true
}

// serveCompressed serves a small file compressed from the cache.
func (s *fileServer) serveCompressed(w http.ResponseWriter, r *http.Request, e *fileEntry, coding string) bool {
	if e.size > s.maxCached {
		return false
	}
	data, err := s.cache.variant(e, coding, func() ([]byte, error) { return compressFile(s.fsys, e.name, coding) })
	if err != nil {
		s.logger.Warn("site: compress static file", "name", e.name, "error", err)
		return false
	}
	if data == nil {
		return false
	}
	// Each coding is its own representation with its own strong ETag.
	w.Header().Set("Content-Encoding", coding)
	w.Header().Set("ETag", `"`+e.hash+"-"+coding+`"`)
	http.ServeContent(w, r, "", e.mod, bytes.NewReader(data))
	return true
}

// serveContent serves a file with http.ServeContent, which answers
// conditional and range requests from the headers set before.
func (s *fileServer) serveContent(w http.ResponseWriter, r *http.Request, name string, info fs.FileInfo) {
	f, err := s.fsys.Open(name)
	if err != nil {
		s.serverError(w, err)
		return
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(f)
		if err != nil {
			s.serverError(w, err)
			return
		}
		rs = bytes.NewReader(data)
	}
	http.ServeContent(w, r, "", info.ModTime(), rs)
}

// serveHTML sends a page rewritten from the page cache, or as it is
// stored for the Injector to rewrite. Its ETag covers the sizes of the
// PDFs it links to, which the rewrite writes into the page.
// There is no Last-Modified and no Range: the page sent is not the file.
// Its Content-Type names the charset the page declares (see detectCharset).
func (s *fileServer) serveHTML(w http.ResponseWriter, r *http.Request, name string, info fs.FileInfo) {
	e, err := s.cache.entry(s.fsys, name, info, true)
	if err != nil {
		s.serverError(w, err)
		return
	}
	etag := s.pageETag(e)
	h := w.Header()
	h.Set("ETag", etag)
	addVary(h, "Accept-Encoding")
	if inm := r.Header.Get("If-None-Match"); inm != "" && entitytag.WeakMatch(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", htmlContentType(e.charset))
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	if s.serveCached(w, r, e, etag) {
		return
	}
	f, err := s.fsys.Open(name)
	if err != nil {
		s.serverError(w, err)
		return
	}
	defer f.Close()
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, f); err != nil {
		s.logger.Debug("site: send page", "name", name, "error", err)
	}
}

// pageETag is the ETag of an HTML file as the site serves it: its content
// and the current sizes of the PDFs it links to.
func (s *fileServer) pageETag(e *fileEntry) string {
	if len(e.pdfLinks) == 0 {
		return `"` + e.hash + `"`
	}
	h := sha256.New()
	io.WriteString(h, e.hash)
	for _, p := range e.pdfLinks {
		size, ok := s.fileSize(p)
		if !ok {
			size = -1
		}
		io.WriteString(h, "\x00"+p+"\x00"+strconv.FormatInt(size, 10))
	}
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

// notFound serves the site's 404 page for the request's language, its
// general 404 page, or Noren's own.
func (s *fileServer) notFound(w http.ResponseWriter, r *http.Request) {
	var candidates []string
	if lang := pathLanguage(r.URL.Path, s.langs); lang != "" {
		candidates = append(candidates, lang+"/404.html")
	}
	candidates = append(candidates, "404.html")
	for _, name := range candidates {
		if _, ok := s.regular(name); !ok {
			continue
		}
		f, err := s.fsys.Open(name)
		if err != nil {
			continue
		}
		defer f.Close()
		head, page := readHead(f, sniffLen)
		h := w.Header()
		h.Set("Content-Type", htmlContentType(detectCharset("", head).name))
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotFound)
		if r.Method != http.MethodHead {
			_, _ = io.Copy(w, page)
		}
		return
	}
	s.pages.serve(w, r, http.StatusNotFound)
}

func (s *fileServer) serverError(w http.ResponseWriter, err error) {
	s.logger.Error("site: serve static file", "error", err)
	http.Error(w, "500 internal server error", http.StatusInternalServerError)
}

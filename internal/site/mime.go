package site

import (
	"mime"
	"path"
	"strings"
)

// contentType returns the Content-Type for a file name. The common web types
// are fixed here rather than read from the system's mime tables, whose
// contents differ between machines; text types always carry a UTF-8 charset.
func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	var t string
	switch ext {
	case ".html", ".htm":
		t = "text/html"
	case ".css":
		t = "text/css"
	case ".js", ".mjs":
		t = "text/javascript"
	case ".json", ".map":
		t = "application/json"
	case ".webmanifest":
		t = "application/manifest+json"
	case ".xml":
		t = "application/xml"
	case ".rss":
		t = "application/rss+xml"
	case ".atom":
		t = "application/atom+xml"
	case ".txt":
		t = "text/plain"
	case ".md":
		t = "text/markdown"
	case ".csv":
		t = "text/csv"
	case ".vtt":
		t = "text/vtt"
	case ".ics":
		t = "text/calendar"
	case ".svg":
		t = "image/svg+xml"
	case ".png":
		t = "image/png"
	case ".jpg", ".jpeg":
		t = "image/jpeg"
	case ".gif":
		t = "image/gif"
	case ".webp":
		t = "image/webp"
	case ".avif":
		t = "image/avif"
	case ".ico":
		t = "image/vnd.microsoft.icon"
	case ".woff":
		t = "font/woff"
	case ".woff2":
		t = "font/woff2"
	case ".ttf":
		t = "font/ttf"
	case ".otf":
		t = "font/otf"
	case ".pdf":
		t = "application/pdf"
	case ".zip":
		t = "application/zip"
	case ".gz":
		t = "application/gzip"
	case ".br":
		t = "application/x-brotli"
	case ".wasm":
		t = "application/wasm"
	case ".mp4":
		t = "video/mp4"
	case ".webm":
		t = "video/webm"
	case ".mp3":
		t = "audio/mpeg"
	case ".ogg":
		t = "audio/ogg"
	default:
		t = mime.TypeByExtension(ext)
		if t == "" {
			return "application/octet-stream"
		}
		if strings.Contains(t, ";") {
			return t
		}
	}
	if needsCharset(t) {
		return t + "; charset=utf-8"
	}
	return t
}

// needsCharset reports whether a media type is text that browsers decode
// with a charset parameter.
func needsCharset(t string) bool {
	if strings.HasPrefix(t, "text/") {
		return true
	}
	switch t {
	case "application/json", "application/manifest+json", "application/xml",
		"application/rss+xml", "application/atom+xml", "image/svg+xml":
		return true
	}
	return false
}

// mediaType returns the lower-cased media type of a Content-Type value,
// without parameters.
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// compressible reports whether a response of this Content-Type shrinks
// under gzip or brotli. Images other than SVG, fonts in WOFF formats,
// archives, PDFs and media are compressed already.
func compressible(ct string) bool {
	t := mediaType(ct)
	switch {
	case t == "":
		return false
	case strings.HasPrefix(t, "text/"):
		return true
	case strings.HasSuffix(t, "+json"), strings.HasSuffix(t, "+xml"):
		return true
	}
	switch t {
	case "application/json", "application/javascript", "application/xml",
		"application/wasm", "font/ttf", "font/otf", "image/vnd.microsoft.icon",
		"image/x-icon", "image/bmp":
		return true
	}
	return false
}

// isHTML reports whether a Content-Type is an HTML document.
func isHTML(ct string) bool {
	return mediaType(ct) == "text/html"
}

// contentDisposition returns an attachment disposition for a file name. An
// ASCII-only filename parameter is always present for old clients; names
// outside ASCII add the RFC 5987 filename* form that current browsers
// prefer (RFC 6266 section 4.3).
func contentDisposition(name string) string {
	var plain strings.Builder
	ascii := true
	for _, r := range name {
		switch {
		case r == '"' || r == '\\':
			plain.WriteByte('_')
		case r < 0x20 || r == 0x7f:
			plain.WriteByte('_')
		case r >= 0x80:
			ascii = false
			plain.WriteByte('_')
		default:
			plain.WriteRune(r)
		}
	}
	v := `attachment; filename="` + plain.String() + `"`
	if !ascii {
		v += "; filename*=UTF-8''" + encodeRFC5987(name)
	}
	return v
}

// encodeRFC5987 percent-encodes s as an RFC 5987 ext-value, leaving only
// attr-char bytes as they are.
func encodeRFC5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAttrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

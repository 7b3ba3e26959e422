package site

import "testing"

func TestContentType(t *testing.T) {
	tests := map[string]string{
		"index.html":         "text/html; charset=utf-8",
		"a/B.HTM":            "text/html; charset=utf-8",
		"style.css":          "text/css; charset=utf-8",
		"app.js":             "text/javascript; charset=utf-8",
		"mod.mjs":            "text/javascript; charset=utf-8",
		"data.json":          "application/json; charset=utf-8",
		"site.webmanifest":   "application/manifest+json; charset=utf-8",
		"sitemap.xml":        "application/xml; charset=utf-8",
		"robots.txt":         "text/plain; charset=utf-8",
		"logo.svg":           "image/svg+xml; charset=utf-8",
		"photo.avif":         "image/avif",
		"photo.webp":         "image/webp",
		"photo.JPG":          "image/jpeg",
		"font.woff2":         "font/woff2",
		"report.pdf":         "application/pdf",
		"archive.zip":        "application/zip",
		"no-extension":       "application/octet-stream",
		"weird.unknown-type": "application/octet-stream",
	}
	for name, want := range tests {
		if got := contentType(name); got != want {
			t.Errorf("contentType(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestCompressible(t *testing.T) {
	tests := map[string]bool{
		"text/html; charset=utf-8":  true,
		"text/css":                  true,
		"application/json":          true,
		"application/manifest+json": true,
		"application/rss+xml":       true,
		"image/svg+xml":             true,
		"font/ttf":                  true,
		"image/png":                 false,
		"image/avif":                false,
		"font/woff2":                false,
		"application/pdf":           false,
		"application/zip":           false,
		"video/mp4":                 false,
		"application/octet-stream":  false,
		"":                          false,
	}
	for ct, want := range tests {
		if got := compressible(ct); got != want {
			t.Errorf("compressible(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	tests := map[string]string{
		"report.pdf":      `attachment; filename="report.pdf"`,
		"annual 2024.pdf": `attachment; filename="annual 2024.pdf"`,
		`quote"back\.pdf`: `attachment; filename="quote_back_.pdf"`,
		"年次報告書2024.pdf":   `attachment; filename="_____2024.pdf"; filename*=UTF-8''%E5%B9%B4%E6%AC%A1%E5%A0%B1%E5%91%8A%E6%9B%B82024.pdf`,
		"a b;c%.pdf":      `attachment; filename="a b;c%.pdf"`,
		"résumé (1).pdf":  `attachment; filename="r_sum_ (1).pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.pdf`,
	}
	for name, want := range tests {
		if got := contentDisposition(name); got != want {
			t.Errorf("contentDisposition(%q) =\n %s\nwant\n %s", name, got, want)
		}
	}
}

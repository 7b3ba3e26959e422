// Package corpus generates a bilingual municipal website of any size, the
// same for the same seed, for the search benchmarks and tests: pages in
// Japanese and English in sections such as news, support and events, with
// the layout (header, navigation, main content, footer) of a real site.
package corpus

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"
	"time"
)

// Sections are the first path segments of the generated pages.
var Sections = []string{"news", "support", "guide", "events", "files"}

// Generate writes a site of pages HTML pages into dir, half under /ja/ and
// half under /en/, and a sitemap.xml listing them. The same seed gives the
// same site byte for byte.
func Generate(dir string, pages int, seed int64) error {
	if pages < 0 {
		return fmt.Errorf("generate %s: %d pages", dir, pages)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("generate %s: %w", dir, err)
	}
	write := func(name string, data []byte) error {
		full := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("generate %s: %w", full, err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			return fmt.Errorf("generate %s: %w", full, err)
		}
		return nil
	}
	for i := range pages {
		p := pageMeta(seed, i)
		if err := write(p.file(), render(seed, i, pages)); err != nil {
			return err
		}
	}
	return write("sitemap.xml", sitemap(seed, pages))
}

// FS returns the site Generate would write, in memory.
func FS(pages int, seed int64) fs.FS {
	m := make(fstest.MapFS, pages+1)
	// Files are dated so that a source reading modification times sees a
	// stable site.
	mod := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for i := range pages {
		p := pageMeta(seed, i)
		m[p.file()] = &fstest.MapFile{Data: render(seed, i, pages), Mode: 0o644, ModTime: mod}
	}
	m["sitemap.xml"] = &fstest.MapFile{Data: sitemap(seed, pages), Mode: 0o644, ModTime: mod}
	return m
}

// Path is the URL path of the site's i-th page ("/ja/news/00012/").
func Path(seed int64, i int) string { return pageMeta(seed, i).path }

// sitemap lists every page, so that a crawler finds them all.
func sitemap(seed int64, pages int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for i := range pages {
		p := pageMeta(seed, i)
		fmt.Fprintf(&b, "<url><loc>%s</loc><lastmod>%s</lastmod></url>\n", p.path, p.date.Format(time.DateOnly))
	}
	b.WriteString("</urlset>\n")
	return []byte(b.String())
}

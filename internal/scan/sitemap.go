package scan

import (
	"encoding/xml"
	"io"
	"strings"
)

// maxSitemapSize is how much of a sitemap is read; the protocol limits a
// sitemap file to 50 MB, far more than a bounded scan needs.
const maxSitemapSize = 10 << 20

// parseSitemap reads a sitemap or sitemap index (sitemaps.org) and returns
// the page URLs it lists and the sitemaps it points to. Anything it cannot
// read ends the list early.
func parseSitemap(r io.Reader) (pages, sitemaps []string) {
	dec := xml.NewDecoder(io.LimitReader(r, maxSitemapSize))
	dec.Strict = false
	var stack []string
	for {
		tok, err := dec.Token()
		if err != nil {
			return pages, sitemaps
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) < 2 || stack[len(stack)-1] != "loc" {
				continue
			}
			loc := strings.TrimSpace(string(t))
			switch stack[len(stack)-2] {
			case "url":
				pages = append(pages, loc)
			case "sitemap":
				sitemaps = append(sitemaps, loc)
			}
		}
	}
}

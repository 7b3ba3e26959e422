package scan

import (
	"bytes"
	"net/url"
	"testing"
)

func FuzzParsePage(f *testing.F) {
	f.Add([]byte(`<img src="https://a.example.com/x.png">`), "text/html")
	base, _ := url.Parse("https://www.example.jp/a/")
	f.Fuzz(func(t *testing.T, data []byte, contentType string) {
		p, err := ParsePage(bytes.NewReader(data), contentType, base, nil)
		if err != nil {
			return
		}
		for _, r := range p.Resources {
			if r.Host == "" || r.Host == "www.example.jp" {
				t.Errorf("resource with host %q: %+v", r.Host, r)
			}
		}
	})
}

func FuzzParseSitemap(f *testing.F) {
	f.Add([]byte(`<urlset><url><loc>https://www.example.jp/</loc></url></urlset>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		parseSitemap(bytes.NewReader(data))
	})
}

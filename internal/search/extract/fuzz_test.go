package extract

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// checkPage fails when a page breaks the bounds extraction promises.
func checkPage(t *testing.T, p Page) {
	t.Helper()
	if len(p.Body) > maxBody {
		t.Errorf("body of %d bytes", len(p.Body))
	}
	if len(p.Headings) > maxHeadings {
		t.Errorf("%d headings", len(p.Headings))
	}
	for _, s := range append([]string{p.Title, p.Body, p.Lang}, p.Headings...) {
		if !utf8.ValidString(s) {
			t.Errorf("invalid UTF-8: %q", s)
		}
	}
	if len(p.Title) > maxHeadingLen {
		t.Errorf("title of %d bytes", len(p.Title))
	}
}

func FuzzHTML(f *testing.F) {
	f.Add([]byte(`<main><p>創業<b>支援</b></p></main>`), "text/html; charset=utf-8")
	f.Fuzz(func(t *testing.T, page []byte, contentType string) {
		p, err := HTML(bytes.NewReader(page), contentType)
		// Only a token too long to read is refused, as the page's end
		// is then unknown.
		if err != nil && !errors.Is(err, html.ErrBufferExceeded) {
			t.Fatalf("HTML of a byte slice: %v", err)
		}
		checkPage(t, p)
	})
}

func FuzzPDF(f *testing.F) {
	f.Add(japanesePDF())
	f.Fuzz(func(t *testing.T, file []byte) {
		p, err := PDF(bytes.NewReader(file), int64(len(file)))
		if err != nil {
			return
		}
		checkPage(t, p)
	})
}

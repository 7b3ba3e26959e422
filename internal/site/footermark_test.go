package site

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFooterGoesIntoMarkedElement(t *testing.T) {
	const footer = `<nav id="noren-footer"></nav>`
	tests := []struct {
		name, page, want string
	}{
		{
			"before </body> without a mark",
			`<html><body><footer><p>site</p></footer></body></html>`,
			`<html><body><footer><p>site</p></footer>` + footer + `</body></html>`,
		},
		{
			"into the marked element",
			`<body><footer><div data-noren-footer></div><p>site</p></footer></body>`,
			`<body><footer><div data-noren-footer>` + footer + `</div><p>site</p></footer></body>`,
		},
		{
			"only the first mark",
			`<body><div data-noren-footer=""></div><div data-noren-footer></div></body>`,
			`<body><div data-noren-footer="">` + footer + `</div><div data-noren-footer></div></body>`,
		},
		{
			"not inside a template",
			`<body><template><div data-noren-footer></div></template></body>`,
			`<body><template><div data-noren-footer></div></template>` + footer + `</body>`,
		},
		{
			"not into raw text",
			`<body><textarea data-noren-footer></textarea></body>`,
			`<body><textarea data-noren-footer></textarea>` + footer + `</body>`,
		},
		{
			"a look-alike attribute is no mark",
			`<body><div data-noren-footer-x title="data-noren-footer"></div></body>`,
			`<body><div data-noren-footer-x title="data-noren-footer"></div>` + footer + `</body>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &rewriteConfig{
				language: func(string) string { return "ja" },
				footer:   func(string) string { return footer },
				request:  httptest.NewRequest("GET", "/", nil),
			}
			var out strings.Builder
			if err := rewriteHTML(&out, strings.NewReader(tt.page), cfg); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got  %s\nwant %s", out.String(), tt.want)
			}
		})
	}
}

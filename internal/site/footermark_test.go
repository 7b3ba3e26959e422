package site

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/csp"
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
			"after the marked element's own content",
			`<body><footer data-noren-footer><p>site</p><a href="/">home</a></footer></body>`,
			`<body><footer data-noren-footer><p>site</p><a href="/">home</a>` + footer + `</footer></body>`,
		},
		{
			"past nested elements of the same name",
			`<body><div data-noren-footer><div><div>a</div></div><DIV>b</Div><br><img src=x.png></div><p>after</p></body>`,
			`<body><div data-noren-footer><div><div>a</div></div><DIV>b</Div><br><img src=x.png>` + footer + `</div><p>after</p></body>`,
		},
		{
			"a self-closing tag of the same name still opens an element",
			`<body><div data-noren-footer><div/>a</div></div></body>`,
			`<body><div data-noren-footer><div/>a</div>` + footer + `</div></body>`,
		},
		{
			"same-name elements in a template are not counted",
			`<body><div data-noren-footer><template><div></template>a</div></body>`,
			`<body><div data-noren-footer><template><div></template>a` + footer + `</div></body>`,
		},
		{
			"same-name text in raw text is not counted",
			`<body><div data-noren-footer><script>let s = "<div>"</script></div></body>`,
			`<body><div data-noren-footer><script>let s = "<div>"</script>` + footer + `</div></body>`,
		},
		{
			"the mark in any case",
			`<BODY><DIV DATA-NOREN-FOOTER>x</DIV></BODY>`,
			`<BODY><DIV DATA-NOREN-FOOTER>x` + footer + `</DIV></BODY>`,
		},
		{
			"the mark in mixed case after other attributes",
			`<body><div class="a-b c-d" Data-Noren-Footer=yes>x</div></body>`,
			`<body><div class="a-b c-d" Data-Noren-Footer=yes>x` + footer + `</div></body>`,
		},
		{
			"a void element marks the place itself",
			`<body><hr data-noren-footer><p>site</p></body>`,
			`<body><hr data-noren-footer>` + footer + `<p>site</p></body>`,
		},
		{
			"before </body> when the end tag never comes",
			`<body><div data-noren-footer><div>a</div></body></html>`,
			`<body><div data-noren-footer><div>a</div>` + footer + `</body></html>`,
		},
		{
			"at the end when neither comes",
			`<body><div data-noren-footer><p>a`,
			`<body><div data-noren-footer><p>a` + footer,
		},
		{
			"only the first mark",
			`<body><div data-noren-footer=""></div><div data-noren-footer></div></body>`,
			`<body><div data-noren-footer="">` + footer + `</div><div data-noren-footer></div></body>`,
		},
		{
			"a mark inside the marked element is not another",
			`<body><div data-noren-footer><div data-noren-footer>a</div>b</div></body>`,
			`<body><div data-noren-footer><div data-noren-footer>a</div>b` + footer + `</div></body>`,
		},
		{
			"not into the head",
			`<html><head data-noren-footer><title>t</title></head><body>x</body></html>`,
			`<html><head data-noren-footer><title>t</title></head><body>x` + footer + `</body></html>`,
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

// TestFooterMarkWithHashedAttributes checks that a marked tag whose
// attributes are hashed for the policy is still seen as marked: hashing
// reads the attributes from the tokenizer, after which the mark could no
// longer be read.
func TestFooterMarkWithHashedAttributes(t *testing.T) {
	const footer = `<nav id="noren-footer"></nav>`
	tests := []struct {
		name, page, want string
	}{
		{
			"lower case",
			`<body><div data-noren-footer style="color:red">x</div></body>`,
			`<body><div data-noren-footer style="color:red">x` + footer + `</div></body>`,
		},
		{
			"upper case",
			`<body><DIV DATA-NOREN-FOOTER onclick="go()">x</DIV></body>`,
			`<body><DIV DATA-NOREN-FOOTER onclick="go()">x` + footer + `</DIV></body>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &rewriteConfig{
				language: func(string) string { return "ja" },
				footer:   func(string) string { return footer },
				request:  httptest.NewRequest("GET", "/", nil),
				nonce:    "n0nce",
				fit:      true,
				hashes:   &csp.Hashes{},
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

func TestHasFooterMark(t *testing.T) {
	tests := []struct {
		raw  string
		want bool
	}{
		{`<div data-noren-footer>`, true},
		{`<div DATA-Noren-FOOTER="">`, true},
		{`<div class="x-y" data-noren-footer>`, true},
		{`<div data-noren-foote>`, false},
		{`<div data-noren>`, false},
		{`<div class="a-b-c">`, false},
		{`<div>`, false},
		{`-noren-footer`, false},
		{`<div data-noren-footer`, true},
	}
	for _, tt := range tests {
		if got := hasFooterMark([]byte(tt.raw)); got != tt.want {
			t.Errorf("hasFooterMark(%q) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}

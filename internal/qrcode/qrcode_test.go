package qrcode

import (
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const otpauth = "otpauth://totp/Noren:owner%40example.jp?algorithm=SHA1&digits=6&issuer=Noren&period=30&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

func TestSVGIsWellFormed(t *testing.T) {
	svg, err := SVG(otpauth, 200, `QR code for "Noren" <setup>`)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"svg"`
		ViewBox string   `xml:"viewBox,attr"`
		Role    string   `xml:"role,attr"`
		Label   string   `xml:"aria-label,attr"`
		Width   string   `xml:"width,attr"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, svg)
	}
	m, _ := matrix(otpauth)
	n := len(m) + 2*quietZone
	if want := strings.Join([]string{"0", "0", itoa(n), itoa(n)}, " "); doc.ViewBox != want {
		t.Errorf("viewBox %q, want %q", doc.ViewBox, want)
	}
	if doc.Role != "img" || doc.Label != `QR code for "Noren" <setup>` || doc.Width != "200" {
		t.Errorf("attributes: %+v", doc)
	}
	if len(svg) > 12000 {
		t.Errorf("SVG of %d bytes; the run-length path should keep it under 12000", len(svg))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestFinderPatterns checks the three 7×7 finder patterns sit in the
// corners, the sign of a correctly laid-out code, and that the version
// fits the text.
func TestFinderPatterns(t *testing.T) {
	m, err := matrix(otpauth)
	if err != nil {
		t.Fatal(err)
	}
	size := len(m)
	if (size-17)%4 != 0 || size < 21 {
		t.Fatalf("size %d is not a QR version size", size)
	}
	finder := func(x0, y0 int) {
		for y := 0; y < 7; y++ {
			for x := 0; x < 7; x++ {
				ring := x == 0 || x == 6 || y == 0 || y == 6
				core := x >= 2 && x <= 4 && y >= 2 && y <= 4
				if want := ring || core; m[y0+y][x0+x] != want {
					t.Fatalf("finder at (%d,%d): module (%d,%d) is %v", x0, y0, x, y, m[y0+y][x0+x])
				}
			}
		}
	}
	finder(0, 0)
	finder(size-7, 0)
	finder(0, size-7)
}

func TestTooLong(t *testing.T) {
	if _, err := SVG(strings.Repeat("x", 5000), 200, "too long"); err == nil {
		t.Error("5000 bytes encoded; QR codes hold at most 2331 bytes at level M")
	}
}

func TestGolden(t *testing.T) {
	svg, err := SVG(otpauth, 220, "QR code")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "otpauth.svg")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(svg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if svg != string(want) {
		t.Errorf("SVG differs from %s; run go test -update if the change is intended", path)
	}
}

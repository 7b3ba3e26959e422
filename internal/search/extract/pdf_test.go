package extract

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func demoPDF(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "web", "demo", "site", "files", "startup-support-guide-2026.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// buildPDF writes a PDF file whose objects 1, 2, … are objs, with a
// cross-reference table and a trailer holding /Root 1 0 R and extra.
func buildPDF(objs []string, extra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, extra, xref)
	return b.Bytes()
}

// buildXrefStreamPDF writes a PDF file with a cross-reference stream: objs
// are objects 1, 2, …; packed are the objects after them, stored in an
// object stream whose dictionary holds extra.
func buildXrefStreamPDF(objs, packed []string, extra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	type entry struct{ kind, f2, f3 int }
	entries := []entry{{0, 0, 65535}}
	for i, o := range objs {
		entries = append(entries, entry{1, b.Len(), 0})
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	stmID := len(objs) + 1
	var head, body strings.Builder
	for i, o := range packed {
		fmt.Fprintf(&head, "%d %d ", stmID+1+i, body.Len())
		body.WriteString(o + "\n")
		entries = append(entries, entry{}) // set below, after the stream's own entry
	}
	entries = entries[:len(entries)-len(packed)]
	entries = append(entries, entry{1, b.Len(), 0})
	for i := range packed {
		entries = append(entries, entry{2, stmID, i})
	}
	data := head.String() + body.String()
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d %s >>\nstream\n%s\nendstream\nendobj\n",
		stmID, len(packed), head.Len(), len(data), extra, data)
	xrefID := len(entries)
	entries = append(entries, entry{1, b.Len(), 0})
	var x bytes.Buffer
	for _, e := range entries {
		x.Write([]byte{byte(e.kind), byte(e.f2 >> 24), byte(e.f2 >> 16), byte(e.f2 >> 8), byte(e.f2), byte(e.f3 >> 8), byte(e.f3)})
	}
	xref := b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n", xrefID, len(entries), x.Len())
	b.Write(x.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// packedPDF has its page tree and page in an object stream.
func packedPDF(extra string) []byte {
	return buildXrefStreamPDF([]string{
		"<< /Type /Catalog /Pages 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		stream("BT /F1 12 Tf 72 700 Td (Packed page) Tj ET"),
	}, []string{
		"<< /Type /Pages /Kids [6 0 R] /Count 1 >>",
		"<< /Type /Page /Resources << /Font << /F1 2 0 R >> >> /Contents 3 0 R >>",
	}, extra)
}

func stream(s string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s)
}

// japanesePDF has a composite font read through its ToUnicode map, Japanese
// text split into runs and across a line end, and English words set apart
// by kerning alone.
func japanesePDF() []byte {
	content := strings.Join([]string{
		"BT /F1 12 Tf 72 700 Td <00010002> Tj ET",
		"BT /F1 12 Tf 96 700 Td <00030004> Tj ET",
		"BT /F1 12 Tf 72 685 Td <00050002> Tj ET",
		"BT /F3 12 Tf 72 672 Td <30BD30A630AE30E730A6> Tj ET",
		"BT /F2 12 Tf 72 660 Td [(Seed)-300(gra)-20(nts)] TJ ET",
	}, "\n")
	cmap := strings.Join([]string{
		"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
		"1 begincodespacerange <0000> <FFFF> endcodespacerange",
		"2 beginbfchar <0001> <5275> <0002> <696D> endbfchar",
		"1 beginbfrange <0003> <0004> [<652F> <63F4>] endbfrange",
		"1 beginbfrange <0005> <0005> <4E8B> endbfrange",
		"endcmap CMapName currentdict /CMap defineresource pop end end",
	}, "\n")
	return buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R /Lang (ja-JP) >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 4 0 R /F2 8 0 R /F3 9 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type0 /BaseFont /Mincho /Encoding /Identity-H /DescendantFonts [7 0 R] /ToUnicode 6 0 R >>",
		stream(content),
		stream(cmap),
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Mincho /DW 1000 >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /Font /Subtype /Type0 /BaseFont /Gothic /Encoding /UniJIS-UCS2-H /DescendantFonts [7 0 R] >>",
	}, "")
}

func TestPDF(t *testing.T) {
	demo := demoPDF(t)
	tests := []struct {
		name     string
		in       []byte
		title    string
		lang     string
		date     time.Time
		contains []string
	}{
		{
			name:  "demo",
			in:    demo,
			title: "Startup Support Guide 2026",
			lang:  "en",
			date:  time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC),
			contains: []string{
				"Startup Support Guide 2026",
				"front door for anyone starting a business in the city.",
				"1. Book a free consultation",
			},
		},
		{
			name: "information dictionary",
			in: buildPDF([]string{
				"<< /Type /Catalog /Pages 2 0 R /Lang (en-GB) >>",
				"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
				"<< /Type /Page /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
				"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 34 /Widths [278 278 355] >>",
				stream("BT /F1 12 Tf 72 700 Td (Seed grants) Tj 0 -14 Td [(Apply)-250(by)] TJ 14 TL T* (June) ' 0 0 (now) \" ET"),
				"<< /Title <FEFF5275696D652F63F4> /CreationDate (D:20260102030405+09'00') >>",
			}, "/Info 6 0 R"),
			title:    "創業支援",
			lang:     "en",
			date:     time.Date(2026, 1, 1, 18, 4, 5, 0, time.UTC),
			contains: []string{"Seed grants Apply by June now"},
		},
		{
			name:     "object stream",
			in:       packedPDF(""),
			title:    "Packed page",
			contains: []string{"Packed page"},
		},
		{
			name:     "Japanese",
			in:       japanesePDF(),
			title:    "創業支援",
			lang:     "ja",
			contains: []string{"創業支援事業ソウギョウ Seed grants"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PDF(bytes.NewReader(tt.in), int64(len(tt.in)))
			if err != nil {
				t.Fatal(err)
			}
			if p.Title != tt.title || p.Lang != tt.lang || !p.Date.Equal(tt.date) {
				t.Errorf("title %q, lang %q, date %v; want %q, %q, %v", p.Title, p.Lang, p.Date, tt.title, tt.lang, tt.date)
			}
			for _, s := range tt.contains {
				if !strings.Contains(p.Body, s) {
					t.Errorf("body lacks %q:\n%s", s, p.Body)
				}
			}
		})
	}
}

func TestPDFBroken(t *testing.T) {
	demo := demoPDF(t)
	xref := bytes.LastIndex(demo, []byte("\nxref\n")) + 1
	selfPrev := bytes.Replace(demo, []byte("/Size 14"), fmt.Appendf(nil, "/Size 14 /Prev %d", xref), 1)
	selfKids := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R 2 0 R] /Count 2 >>",
	}, "")
	badStream := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Contents 4 0 R >>",
		"<< /Length 99999 /Filter /FlateDecode >>\nstream\nxx\nendstream",
	}, "")
	deep := buildPDF([]string{"<< /Type /Catalog /Pages 2 0 R /X " + strings.Repeat("[", 100_000) + " >>"}, "")
	unterminated := buildXrefStreamPDF([]string{"<< /Type /Catalog /Pages 3 0 R >>"}, []string{"[ (never closed"}, "")
	tests := []struct {
		name string
		in   []byte
		size int64  // -1 for the length of in
		want string // in the error; "" for an error or no text
	}{
		{"empty", nil, 0, "empty file"},
		{"huge cross-reference table", bytes.Replace(demo, []byte("xref\n0 14"), []byte("xref\n900000000 14"), 1), -1, "declares objects"},
		{"huge cross-reference stream", bytes.Replace(packedPDF(""), []byte("/Type /XRef /Size 8"), []byte("/Type /XRef /Size 9999999999"), 1), -1, "declares 9999999999 objects"},
		{"wide cross-reference fields", bytes.Replace(packedPDF(""), []byte("/W [1 4 2]"), []byte("/W [1 4 9999999999]"), 1), -1, "fields of"},
		{"huge object stream", bytes.Replace(packedPDF(""), []byte("/N 2"), []byte("/N 99999999999"), 1), -1, "object stream declares"},
		{"unterminated object stream", unterminated, -1, "ends inside"},
		{"deep nesting", deep, -1, "nest deeper"},
		{"garbage", []byte("this is not a PDF file at all"), 29, "not a PDF"},
		{"truncated", demo[:len(demo)/2], int64(len(demo) / 2), "not a PDF"},
		{"size beyond the data", demo, int64(len(demo)) + 1000, ""},
		{"no pages", buildPDF([]string{"<< /Type /Catalog >>"}, ""), -1, ""},
		{"cross-reference loop", selfPrev, -1, "loop"},
		{"page tree loop", selfKids, -1, ""},
		{"broken stream", badStream, -1, "zlib"},
		{"xref pointing nowhere", bytes.Replace(demo, []byte("startxref\n16113"), []byte("startxref\n99999"), 1), -1, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size := tt.size
			if size < 0 {
				size = int64(len(tt.in))
			}
			p, err := PDF(bytes.NewReader(tt.in), size)
			switch {
			case tt.want == "" && err == nil && p.Body != "":
				t.Errorf("PDF() = %+v, want an error or no text", p)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("PDF() error = %v, want one about %q", err, tt.want)
			}
		})
	}
}

func TestParsePDFDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"D:20260323090000+09'00'", time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC), true},
		{"D:20260323090000+09'00", time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC), true},
		{"D:20260323090000Z", time.Date(2026, 3, 23, 9, 0, 0, 0, time.UTC), true},
		{"D:20260323090000-05'30'", time.Date(2026, 3, 23, 14, 30, 0, 0, time.UTC), true},
		{"20260323", time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC), true},
		{"D:2026", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"D:20261301", time.Time{}, false},
		{"D:20260231", time.Time{}, false},
		{"D:26", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parsePDFDate(tt.in)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parsePDFDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func BenchmarkPDF(b *testing.B) {
	demo := demoPDF(b)
	b.SetBytes(int64(len(demo)))
	for b.Loop() {
		if _, err := PDF(bytes.NewReader(demo), int64(len(demo))); err != nil {
			b.Fatal(err)
		}
	}
}

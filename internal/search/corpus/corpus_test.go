package corpus

import (
	"bytes"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := Generate(a, 40, 7); err != nil {
		t.Fatal(err)
	}
	if err := Generate(b, 40, 7); err != nil {
		t.Fatal(err)
	}
	if da, db := digest(t, os.DirFS(a)), digest(t, os.DirFS(b)); da != db {
		t.Errorf("two sites of the same seed differ: %x, %x", da, db)
	}
	if da, dm := digest(t, os.DirFS(a)), digest(t, FS(40, 7)); da != dm {
		t.Errorf("Generate and FS differ: %x, %x", da, dm)
	}
	if da, dc := digest(t, os.DirFS(a)), digest(t, FS(40, 8)); da == dc {
		t.Error("another seed gives the same site")
	}
}

// digest hashes every file's name and content, in fs.WalkDir's order.
func digest(t *testing.T, fsys fs.FS) [32]byte {
	t.Helper()
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		h.Write([]byte(name + "\x00"))
		h.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

func TestPagesAreWellFormed(t *testing.T) {
	const pages = 60
	fsys := FS(pages, 1)
	langs := map[string]int{}
	for i := range pages {
		path := Path(1, i)
		data, err := fs.ReadFile(fsys, strings.TrimPrefix(path, "/")+"index.html")
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		p := inspect(t, data)
		langs[p.lang]++
		checks := []struct {
			name string
			ok   bool
		}{
			{"valid UTF-8", utf8.Valid(data)},
			{"one of each element", p.count["html"] == 1 && p.count["main"] == 1 && p.count["header"] == 1 &&
				p.count["footer"] == 1 && p.count["title"] == 1 && p.count["h1"] == 1},
			{"headings", p.count["h2"] >= 1},
			{"every element closed", len(p.open) == 0},
			{"language in the path", strings.HasPrefix(path, "/"+p.lang+"/")},
			{"a date", !p.date.IsZero()},
			{"2–6 KB of main text", p.mainText >= 2000 && p.mainText <= 7000},
			{"no markup in the text", !strings.ContainsAny(p.text, "<{}|")},
		}
		for _, c := range checks {
			if !c.ok {
				t.Errorf("%s: not %s", path, c.name)
			}
		}
		if p.lang == "ja" && strings.Contains(p.text, "。 ") {
			t.Errorf("%s: Japanese sentences separated by spaces", path)
		}
	}
	if langs["ja"] != pages/2 || langs["en"] != pages/2 {
		t.Errorf("languages %v, want half each", langs)
	}
	sitemap, err := fs.ReadFile(fsys, "sitemap.xml")
	if err != nil || bytes.Count(sitemap, []byte("<loc>")) != pages {
		t.Errorf("sitemap.xml lists %d pages (%v), want %d", bytes.Count(sitemap, []byte("<loc>")), err, pages)
	}
}

// parsed is what TestPagesAreWellFormed checks of a page.
type parsed struct {
	lang     string
	date     time.Time
	count    map[string]int
	open     []string
	mainText int
	text     string
}

// voidElements have no end tag.
var voidElements = map[string]bool{"meta": true, "link": true, "br": true, "img": true, "wbr": true}

// inspect tokenizes a page, counting elements and checking that each is
// closed in order.
func inspect(t *testing.T, data []byte) parsed {
	t.Helper()
	p := parsed{count: map[string]int{}}
	z := html.NewTokenizer(bytes.NewReader(data))
	var text strings.Builder
	inMain := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			p.text = text.String()
			return p
		case html.StartTagToken:
			tok := z.Token()
			p.count[tok.Data]++
			if !voidElements[tok.Data] {
				p.open = append(p.open, tok.Data)
			}
			inMain = inMain || tok.Data == "main"
			for _, a := range tok.Attr {
				switch {
				case tok.Data == "html" && a.Key == "lang":
					p.lang = a.Val
				case tok.Data == "time" && a.Key == "datetime":
					d, err := time.Parse(time.DateOnly, a.Val)
					if err != nil {
						t.Errorf("time %q: %v", a.Val, err)
					}
					p.date = d
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if n := len(p.open); n == 0 || p.open[n-1] != string(name) {
				t.Fatalf("</%s> closes %v", name, p.open)
			}
			p.open = p.open[:len(p.open)-1]
			if string(name) == "main" {
				inMain = false
			}
		case html.TextToken:
			if inMain {
				s := strings.TrimSpace(string(z.Text()))
				p.mainText += len(s)
				text.WriteString(s)
			}
		}
	}
}

func TestGenerateRefusesNegativeCount(t *testing.T) {
	if err := Generate(filepath.Join(t.TempDir(), "site"), -1, 1); err == nil {
		t.Error("Generate accepted -1 pages")
	}
}

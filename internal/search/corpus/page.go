package corpus

import (
	"fmt"
	"html"
	"math/rand/v2"
	"strings"
	"time"
)

// meta is what other pages need to know of a page to link to it.
type meta struct {
	index   int
	lang    string
	section string
	path    string
	date    time.Time
	title   string
}

// file is the page's file in the site folder.
func (m meta) file() string { return strings.TrimPrefix(m.path, "/") + "index.html" }

// firstDay is the earliest publication date; pages spread over the
// following four and a half years.
var firstDay = time.Date(2022, 4, 1, 0, 0, 0, 0, time.UTC)

// pageMeta draws a page's language, section, date and title from a stream
// of its own, so that a page's links need not generate the pages they
// point to.
func pageMeta(seed int64, i int) meta {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(2*i)))
	m := meta{index: i, lang: "ja"}
	if i%2 == 1 {
		m.lang = "en"
	}
	m.section = Sections[r.IntN(len(Sections))]
	m.date = firstDay.AddDate(0, 0, r.IntN(1640))
	f := filler{r: r, lang: m.lang, date: m.date}
	if m.lang == "ja" {
		m.path = fmt.Sprintf("/ja/%s/%05d/", m.section, i)
		m.title = f.fill(pick(r, []string{
			"{topic}のご案内",
			"令和{era}年度 {topic}の申請受付を開始しました",
			"{topic}{event}を開催します",
			"【{md}更新】{topic}について",
			"{org}の{topic}に関するお知らせ",
			"{topic}と{topic}について",
		}))
	} else {
		m.title = f.fill(pick(r, []string{
			"{Topic}: how to apply",
			"Applications open for the {year} {topic}",
			"{Topic} {event} on {date}",
			"Updated: {topic}",
			"{Topic} and {topic}",
		}))
		m.path = fmt.Sprintf("/en/%s/%s-%05d/", m.section, slug(m.title), i)
	}
	return m
}

// render writes the i-th page of a site of n pages.
func render(seed int64, i, n int) []byte {
	m := pageMeta(seed, i)
	r := rand.New(rand.NewPCG(uint64(seed), uint64(2*i+1)))
	f := filler{r: r, lang: m.lang, date: m.date, used: map[string]int{}, features: drawFeatures(r)}
	target := 2000 + r.IntN(4000) // bytes of text in the main content
	var body strings.Builder
	text := len(m.title)
	if lead := f.featureSentences(); len(lead) > 0 {
		sep := " "
		if m.lang == "ja" {
			sep = ""
		}
		p := strings.Join(lead, sep)
		fmt.Fprintf(&body, "<p class=\"lead\">%s</p>\n", html.EscapeString(p))
		text += len(p)
	}
	for text < target {
		heading := f.heading()
		fmt.Fprintf(&body, "<h2>%s</h2>\n", html.EscapeString(heading))
		text += len(heading)
		for range 1 + r.IntN(3) {
			p := f.paragraph(2 + r.IntN(4))
			fmt.Fprintf(&body, "<p>%s</p>\n", html.EscapeString(p))
			text += len(p)
		}
		if m.section == "files" && r.IntN(2) == 0 {
			text += f.table(&body)
		}
	}
	var related []meta
	for _, k := range []int{i - 2, i + 2, i + 4*r.IntN(n/4+1)} {
		if k >= 0 && k < n && k != i && k%2 == i%2 {
			related = append(related, pageMeta(seed, k))
		}
	}
	var b strings.Builder
	if m.lang == "ja" {
		writeJA(&b, m, body.String(), related)
	} else {
		writeEN(&b, m, body.String(), related)
	}
	return []byte(b.String())
}

// writeJA lays a Japanese page out as the city's site does.
func writeJA(b *strings.Builder, m meta, body string, related []meta) {
	fmt.Fprintf(b, `<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s｜みなとベイ市</title>
<meta name="description" content="%s（みなとベイ市%s）">
<link rel="stylesheet" href="/assets/site.css">
</head>
<body>
<a class="skip-link" href="#main">本文へ移動</a>
<header class="site-header">
<p class="site-name"><a href="/ja/">みなとベイ市</a></p>
<nav aria-label="メインメニュー">
<ul>
`, html.EscapeString(m.title), html.EscapeString(m.title), jaSections[m.section])
	for _, s := range Sections {
		fmt.Fprintf(b, "<li><a href=\"/ja/%s/\">%s</a></li>\n", s, jaSections[s])
	}
	fmt.Fprintf(b, `</ul>
</nav>
</header>
<main id="main">
<nav class="breadcrumbs" aria-label="現在位置"><a href="/ja/">ホーム</a> &gt; <a href="/ja/%s/">%s</a></nav>
<article>
<h1>%s</h1>
<p class="published">公開日：<time datetime="%s">%s</time></p>
%s</article>
`, m.section, jaSections[m.section], html.EscapeString(m.title), m.date.Format(time.DateOnly), jaDate(m.date), body)
	if len(related) > 0 {
		b.WriteString("<nav class=\"related\" aria-label=\"関連ページ\">\n<ul>\n")
		for _, o := range related {
			fmt.Fprintf(b, "<li><a href=\"%s\">%s</a></li>\n", o.path, html.EscapeString(o.title))
		}
		b.WriteString("</ul>\n</nav>\n")
	}
	b.WriteString(`</main>
<footer class="site-footer">
<p>みなとベイ市役所　〒000-0000 みなとベイ市中央区港町1丁目1番1号　電話 03-0000-0000（代表）</p>
<p>開庁時間 平日8時30分から17時15分まで</p>
<p><small>© みなとベイ市</small></p>
</footer>
</body>
</html>
`)
}

// writeEN lays an English page out as the city's site does.
func writeEN(b *strings.Builder, m meta, body string, related []meta) {
	fmt.Fprintf(b, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s | Minato Bay City</title>
<meta name="description" content="%s (Minato Bay City, %s)">
<link rel="stylesheet" href="/assets/site.css">
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
<p class="site-name"><a href="/en/">Minato Bay City</a></p>
<nav aria-label="Main menu">
<ul>
`, html.EscapeString(m.title), html.EscapeString(m.title), enSections[m.section])
	for _, s := range Sections {
		fmt.Fprintf(b, "<li><a href=\"/en/%s/\">%s</a></li>\n", s, enSections[s])
	}
	fmt.Fprintf(b, `</ul>
</nav>
</header>
<main id="main">
<nav class="breadcrumbs" aria-label="You are here"><a href="/en/">Home</a> &gt; <a href="/en/%s/">%s</a></nav>
<article>
<h1>%s</h1>
<p class="published">Published <time datetime="%s">%s</time></p>
%s</article>
`, m.section, enSections[m.section], html.EscapeString(m.title), m.date.Format(time.DateOnly), enDate(m.date), body)
	if len(related) > 0 {
		b.WriteString("<nav class=\"related\" aria-label=\"Related pages\">\n<ul>\n")
		for _, o := range related {
			fmt.Fprintf(b, "<li><a href=\"%s\">%s</a></li>\n", o.path, html.EscapeString(o.title))
		}
		b.WriteString("</ul>\n</nav>\n")
	}
	b.WriteString(`</main>
<footer class="site-footer">
<p>Minato Bay City Hall, 1-1-1 Minatomachi, Chuo Ward. Telephone 03-0000-0000.</p>
<p>Open weekdays from 8:30 to 17:15.</p>
<p><small>© Minato Bay City</small></p>
</footer>
</body>
</html>
`)
}

// slug makes a URL segment of an English title.
func slug(title string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(title) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// jaDate writes a date as Japanese pages do, sometimes in the Japanese era.
func jaDate(t time.Time) string {
	if t.Day()%3 == 0 {
		return fmt.Sprintf("令和%d年%d月%d日", t.Year()-2018, t.Month(), t.Day())
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// enDate writes a date as English pages do.
func enDate(t time.Time) string {
	return fmt.Sprintf("%d %s %d", t.Day(), enMonths[t.Month()-1], t.Year())
}

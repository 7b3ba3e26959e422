package visit

import (
	"net/http"
	"testing"
)

// TestRunWordBanner presses a banner that no selector knows, by the words
// of its buttons, inside a frame of the page.
func TestRunWordBanner(t *testing.T) {
	mux := http.NewServeMux()
	srv := serveOn(t, "127.0.0.1:0", mux)
	mux.HandleFunc("/{$}", htmlPage(`<p>Top</p><iframe src="/cmp.html" title="cmp" style="width:600px;height:200px;margin-top:400px"></iframe>`))
	mux.HandleFunc("/cmp.html", htmlPage(`<p>当サイトはクッキー等を利用します。</p>
<button type="button">設定</button>
<button type="button" onclick="document.cookie='cmp=no; path=/'">すべて拒否</button>
<button type="button" onclick="document.cookie='cmp=yes; path=/'">すべて同意する</button>`))
	mux.HandleFunc("/other.html", htmlPage(`other`))

	opt := testOptions(t, []string{srv.URL + "/", srv.URL + "/other.html"})
	opt.States = []State{AcceptAll, RejectAll}
	res := runVisit(t, opt)
	want := map[State]string{AcceptAll: "すべて同意する", RejectAll: "すべて拒否"}
	for _, sr := range res.States {
		if !sr.Reached || sr.Choice != ChoiceBanner || sr.Button != want[sr.State] {
			t.Errorf("%s: reached %v, choice %q, button %q (note %q); want the banner's %q", sr.State, sr.Reached, sr.Choice, sr.Button, sr.Note, want[sr.State])
			continue
		}
		c, ok := cookieOf(pageOf(t, sr, srv.URL+"/other.html"), "cmp")
		if !ok || c.SetBy != srv.URL+"/cmp.html" {
			t.Errorf("%s: cmp cookie %+v (found %v), want written by the frame", sr.State, c, ok)
		}
	}
}

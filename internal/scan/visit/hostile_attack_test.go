package visit

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRunHostileStorage visits a page that fills its web storage with
// thousands of long keys and overrides the functions a scanner's script
// would list them with, to hide the one it cares about: the visit still
// lists that key, reads the storage of a page writing thousands of keys
// within the page's time, keeps at most maxStorage keys of at most maxKey
// bytes, and says the list is cut.
func TestRunHostileStorage(t *testing.T) {
	mux := http.NewServeMux()
	srv := serveOn(t, "127.0.0.1:0", mux)
	mux.HandleFunc("/hide.html", htmlPage(`<script>
localStorage.setItem("hidden_tracker", "1");
const keys = Object.keys;
Object.keys = function (o) { return keys(o).filter(k => k !== "hidden_tracker"); };
Array.prototype.map = function () { return []; };
</script>`))
	mux.HandleFunc("/flood.html", htmlPage(`<script>
const long = "k".repeat(2000);
for (let i = 0; i < 5000; i++) { try { localStorage.setItem(long + i, ""); } catch (e) { break; } }
for (let i = 0; i < 5000; i++) { sessionStorage.setItem("s" + i, ""); }
</script>`))
	opt := testOptions(t, []string{srv.URL + "/hide.html", srv.URL + "/flood.html"})
	opt.States = []State{NoChoice}
	opt.Concurrency = 1
	start := time.Now()
	res := runVisit(t, opt)
	t.Logf("visit took %v", time.Since(start))
	for _, pg := range res.States[0].Pages {
		t.Logf("%s: %d keys, error %q", pg.URL, len(pg.Storage), pg.Error)
	}
	p := pageOf(t, res.States[0], srv.URL+"/hide.html")
	if !slices.ContainsFunc(p.Storage, func(k StorageKey) bool { return k.Key == "hidden_tracker" }) {
		t.Errorf("the key the page hid from its own scripts is not listed (%d keys listed)", len(p.Storage))
	}
	p = pageOf(t, res.States[0], srv.URL+"/flood.html")
	// Handing the browser's notes of every write over kept the page
	// from loading in its time, and its storage from being read at all.
	if len(p.Storage) == 0 || strings.Contains(p.Error, "settle") {
		t.Errorf("the page that writes thousands of keys: %d keys listed, error %q", len(p.Storage), p.Error)
	}
	if len(p.Storage) > maxStorage {
		t.Errorf("%d storage keys kept, want at most %d", len(p.Storage), maxStorage)
	}
	for _, k := range p.Storage {
		if len(k.Key) > maxKey {
			t.Fatalf("a storage key of %d bytes kept, want at most %d", len(k.Key), maxKey)
		}
	}
	if p.Error == "" {
		t.Errorf("the page's error does not say its storage keys were cut")
	}
}

// TestRunHostileCookies visits a page that sets as many cookies as the
// browser keeps, each with a name of thousands of bytes, which every page
// of the state then lists again: the visit keeps each name, domain and
// path short.
func TestRunHostileCookies(t *testing.T) {
	mux := http.NewServeMux()
	srv := serveOn(t, "127.0.0.1:0", mux)
	mux.HandleFunc("/cookies.html", htmlPage(`<script>
for (let i = 0; i < 200; i++) { document.cookie = "c" + i + "x".repeat(3000) + "=1; path=/" + "p".repeat(1000); }
</script>`))
	opt := testOptions(t, []string{srv.URL + "/cookies.html"})
	opt.States = []State{NoChoice}
	opt.Concurrency = 1
	res := runVisit(t, opt)
	p := pageOf(t, res.States[0], srv.URL+"/cookies.html")
	if len(p.Cookies) == 0 {
		t.Fatalf("no cookie listed: %q", p.Error)
	}
	for _, c := range p.Cookies {
		if len(c.Name) > maxKey || len(c.Path) > maxURL || len(c.Domain) > maxKey {
			t.Fatalf("a cookie kept with a name of %d bytes, a path of %d", len(c.Name), len(c.Path))
		}
		if c.SetBy != srv.URL+"/cookies.html" {
			t.Fatalf("cookie %.20s… set by %q, want the page", c.Name, c.SetBy)
		}
	}
}

// TestRunHostileFrames visits a page that opens thousands of frames: the
// visit keeps at most maxFrames of them and says the list is cut.
func TestRunHostileFrames(t *testing.T) {
	mux := http.NewServeMux()
	srv := serveOn(t, "127.0.0.1:0", mux)
	mux.HandleFunc("/frames.html", htmlPage(`<script>
for (let i = 0; i < 700; i++) { const f = document.createElement("iframe"); f.src = "about:blank#" + i; document.body.appendChild(f); }
</script>`))
	opt := testOptions(t, []string{srv.URL + "/frames.html"})
	opt.States = []State{NoChoice}
	opt.Concurrency = 1
	opt.PageTimeout = 40 * time.Second
	start := time.Now()
	res := runVisit(t, opt)
	p := pageOf(t, res.States[0], srv.URL+"/frames.html")
	t.Logf("visit took %v: %d frames, %d storage keys, error %q", time.Since(start), len(p.Frames), len(p.Storage), p.Error)
	if len(p.Frames) > maxFrames {
		t.Errorf("%d frames kept, want at most %d", len(p.Frames), maxFrames)
	}
	if p.Error == "" {
		t.Error("the page's error does not say its frames were cut")
	}
}

package visit

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/browsertest"
)

// The site: a banner like Noren's whose "accept" writes a cookie and
// reloads, so that the page then loads the third party's script; an
// inline script that writes a first-party cookie, a localStorage key and
// an IndexedDB database before any choice; a server Set-Cookie; a
// page with the third party's frame; an image from a host that resolves
// to nothing.
const (
	siteJS = `
const choice = (document.cookie.match(/(?:^|; )choice=([^;]*)/) || [])[1];
const load = () => { const s = document.createElement("script"); s.src = "THIRD/tp.js"; document.head.append(s); };
if (choice === "accept") load();
if (navigator.globalPrivacyControl === true) localStorage.setItem("gpc_seen", "1");
const banner = document.querySelector(".noren-banner");
if (banner && !choice) {
  banner.hidden = false;
  const [yes, no] = banner.querySelectorAll(".noren-btns button");
  yes.addEventListener("click", () => { document.cookie = "choice=accept; path=/; max-age=3600"; location.reload(); });
  no.addEventListener("click", () => { document.cookie = "choice=reject; path=/; max-age=3600"; banner.hidden = true; });
}
`
	thirdJS = `
document.cookie = "tp_js=1; path=/; max-age=600";
sessionStorage.setItem("tp_session", "1");
fetch("THIRD/collect", {mode: "no-cors"});
`
	bannerHTML = `<div class="noren-banner" hidden><p>Cookies</p><div class="noren-btns"><button type="button">Accept all</button><button type="button">Reject all</button></div></div>`
	inlineJS   = `<script>document.cookie = "fp_inline=1; path=/; max-age=86400"; localStorage.setItem("fp_key", "1"); indexedDB.open("fp_db");</script>`
)

type testSite struct {
	site, third *hits
	siteURL     string
	thirdURL    string
}

func newTestSite(t *testing.T, banner bool) *testSite {
	ts := &testSite{site: newHits(), third: newHits()}
	tp := http.NewServeMux()
	thirdSrv := serveOn(t, "127.0.0.2:0", ts.third.wrap(tp))
	ts.thirdURL = thirdSrv.URL
	tp.HandleFunc("/tp.js", script(thirdJS, ts.thirdURL))
	tp.HandleFunc("/collect", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	tp.HandleFunc("/frame.html", htmlPage(`<script>localStorage.setItem("tp_frame", "1");</script>framed`))

	mux := http.NewServeMux()
	siteSrv := serveOn(t, "127.0.0.1:0", ts.site.wrap(mux))
	ts.siteURL = siteSrv.URL
	b := ""
	if banner {
		b = bannerHTML
	}
	mux.HandleFunc("/site.js", script(siteJS, ts.thirdURL))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "srv", Value: "1", Path: "/", MaxAge: 86400, HttpOnly: true})
		htmlPage(b+inlineJS+`<img src="http://nowhere.invalid/pixel.gif" alt=""><script src="/site.js"></script>`)(w, r)
	})
	mux.HandleFunc("/embed.html", htmlPage(b+`<iframe src="`+ts.thirdURL+`/frame.html" title="third"></iframe><script src="/site.js"></script>`))
	mux.HandleFunc("/alert.html", htmlPage(`<script>alert("hello"); confirm("sure?");</script><script src="/site.js"></script>`))
	mux.HandleFunc("/plain.html", htmlPage(`plain<script src="/site.js"></script>`))
	return ts
}

func (ts *testSite) pages() []string {
	return []string{ts.siteURL + "/", ts.siteURL + "/embed.html", ts.siteURL + "/alert.html", ts.siteURL + "/plain.html"}
}

// testOptions are the options of a test's visit: everything but the two
// servers resolves to nothing.
func testOptions(t *testing.T, pages []string) Options {
	return Options{
		Pages:             pages,
		Browser:           browsertest.Path(t),
		HostResolverRules: "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2",
		Settle:            200 * time.Millisecond,
		PageTimeout:       15 * time.Second,
	}
}

func runVisit(t *testing.T, opt Options) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, opt)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func pageOf(t *testing.T, sr StateResult, url string) Page {
	t.Helper()
	for _, p := range sr.Pages {
		if p.URL == url {
			return p
		}
	}
	t.Fatalf("state %s: no page %s", sr.State, url)
	return Page{}
}

func cookieOf(p Page, name string) (Cookie, bool) {
	i := slices.IndexFunc(p.Cookies, func(c Cookie) bool { return c.Name == name })
	if i < 0 {
		return Cookie{}, false
	}
	return p.Cookies[i], true
}

func storageOf(p Page, kind, key string) (StorageKey, bool) {
	i := slices.IndexFunc(p.Storage, func(k StorageKey) bool { return k.Kind == kind && k.Key == key })
	if i < 0 {
		return StorageKey{}, false
	}
	return p.Storage[i], true
}

func requestsTo(p Page, path string) []Request {
	var out []Request
	for _, r := range p.Requests {
		if strings.Contains(r.URL, path) {
			out = append(out, r)
		}
	}
	return out
}

func TestRun(t *testing.T) {
	ts := newTestSite(t, true)
	opt := testOptions(t, ts.pages())
	var calls, last, total int
	opt.Progress = func(done, all int) { calls++; last, total = done, all }
	res := runVisit(t, opt)
	if calls != 16 || last != 16 || total != 16 {
		t.Errorf("progress: %d calls, last %d of %d; want 16 calls, 16 of 16", calls, last, total)
	}
	if res.Browser == "" || res.Start != ts.siteURL+"/" || res.Finished.Before(res.Started) {
		t.Errorf("result: browser %q, start %q, %v to %v", res.Browser, res.Start, res.Started, res.Finished)
	}
	if got := len(res.States); got != 4 {
		t.Fatalf("%d states, want 4", got)
	}
	home, embed, alert := ts.siteURL+"/", ts.siteURL+"/embed.html", ts.siteURL+"/alert.html"
	script := ts.thirdURL + "/tp.js"

	for _, sr := range res.States {
		t.Run(string(sr.State), func(t *testing.T) {
			if !sr.Reached || len(sr.Pages) != 4 {
				t.Fatalf("reached %v with %d pages (note %q)", sr.Reached, len(sr.Pages), sr.Note)
			}
			for _, p := range sr.Pages {
				if p.Status != http.StatusOK || p.Error != "" {
					t.Errorf("%s: status %d, error %q", p.URL, p.Status, p.Error)
				}
			}
			p := pageOf(t, sr, home)
			// Before any choice, in every state: the inline script's
			// cookie and key, and the server's cookie.
			if c, ok := cookieOf(p, "fp_inline"); !ok || c.SetByKind != "script" || c.SetBy != home || c.ThirdParty || c.Expires.IsZero() {
				t.Errorf("fp_inline: %+v (found %v), want set by the script of %s, first party, expiring", c, ok, home)
			}
			if c, ok := cookieOf(p, "srv"); !ok || c.SetByKind != "response" || c.SetBy != home || !c.HTTPOnly {
				t.Errorf("srv: %+v (found %v), want set by the response of %s, HttpOnly", c, ok, home)
			}
			if k, ok := storageOf(p, LocalStorage, "fp_key"); !ok || k.SetBy != home || k.Origin != ts.siteURL {
				t.Errorf("fp_key: %+v (found %v), want in %s set by %s", k, ok, ts.siteURL, home)
			}
			if k, ok := storageOf(p, IndexedDB, "fp_db"); !ok || k.SetBy != home || k.Origin != ts.siteURL {
				t.Errorf("fp_db: %+v (found %v), want in %s set by %s", k, ok, ts.siteURL, home)
			}
			// The host that resolves to nothing was still asked.
			if r := requestsTo(p, "nowhere.invalid"); len(r) != 1 || !r[0].Failed || r[0].Host != "nowhere.invalid" || r[0].Type != "Image" || r[0].InitiatorKind != "parser" || r[0].Initiator != home {
				t.Errorf("requests to nowhere.invalid: %+v, want one failed image from the markup of %s", r, home)
			}
			// The third party's frame, its request and its storage.
			e := pageOf(t, sr, embed)
			if len(e.Frames) != 1 || e.Frames[0].URL != ts.thirdURL+"/frame.html" || e.Frames[0].Host != "127.0.0.2" || e.Frames[0].Parent != embed {
				t.Errorf("frames of %s: %+v", embed, e.Frames)
			}
			if r := requestsTo(e, "/frame.html"); len(r) != 1 || r[0].Type != "Document" || r[0].Initiator != embed {
				t.Errorf("frame request: %+v", r)
			}
			if k, ok := storageOf(e, LocalStorage, "tp_frame"); !ok || k.Origin != ts.thirdURL || k.SetBy != ts.thirdURL+"/frame.html" {
				t.Errorf("tp_frame: %+v (found %v)", k, ok)
			}
			// Dialogs do not stop the visit.
			if a := pageOf(t, sr, alert); a.Status != http.StatusOK {
				t.Errorf("alert page: %+v", a)
			}

			loaded := len(requestsTo(p, "/tp.js")) > 0
			_, gpcKey := storageOf(p, LocalStorage, "gpc_seen")
			switch sr.State {
			case AcceptAll:
				if sr.Choice != ChoiceBanner || sr.Button != "Accept all" {
					t.Errorf("choice %q with %q", sr.Choice, sr.Button)
				}
				r := requestsTo(p, "/tp.js")
				if len(r) != 1 || r[0].Type != "Script" || r[0].InitiatorKind != "script" || r[0].Initiator != ts.siteURL+"/site.js" {
					t.Errorf("tp.js requests: %+v, want one from %s/site.js", r, ts.siteURL)
				}
				if r := requestsTo(p, "/collect"); len(r) != 1 || r[0].Initiator != script {
					t.Errorf("collect requests: %+v, want one from %s", r, script)
				}
				if c, ok := cookieOf(p, "tp_js"); !ok || c.SetBy != script || c.SetByKind != "script" || c.ThirdParty {
					t.Errorf("tp_js: %+v (found %v), want written by %s", c, ok, script)
				}
				if k, ok := storageOf(p, SessionStorage, "tp_session"); !ok || k.SetBy != script {
					t.Errorf("tp_session: %+v (found %v)", k, ok)
				}
				if c, ok := cookieOf(p, "choice"); !ok || c.SetBy != ts.siteURL+"/site.js" {
					t.Errorf("choice: %+v (found %v)", c, ok)
				}
			case RejectAll:
				if sr.Choice != ChoiceBanner || sr.Button != "Reject all" {
					t.Errorf("choice %q with %q", sr.Choice, sr.Button)
				}
				if loaded {
					t.Errorf("the third party's script loaded after Reject all")
				}
			default:
				if sr.Choice != ChoiceNone || sr.Button != "" || loaded {
					t.Errorf("choice %q, button %q, third party loaded %v", sr.Choice, sr.Button, loaded)
				}
			}
			if gpcKey != (sr.State == GPC) {
				t.Errorf("navigator.globalPrivacyControl seen: %v", gpcKey)
			}
		})
	}
	// "/" is opened once by each state, once more by the two that press
	// its banner, and once more by the reload after "Accept all"; only
	// the GPC state's request says Sec-GPC.
	if all, gpc := ts.site.counts("/"); all != 7 || gpc != 1 {
		t.Errorf("the site got %d requests for / of which %d with Sec-GPC; want 7 and 1", all, gpc)
	}
	if all, gpc := ts.third.counts("/frame.html"); all != 4 || gpc != 1 {
		t.Errorf("the third party got %d requests for its frame of which %d with Sec-GPC; want 4 and 1", all, gpc)
	}
}

func TestRunWithoutBanner(t *testing.T) {
	ts := newTestSite(t, false)
	pages := []string{ts.siteURL + "/", ts.siteURL + "/plain.html"}
	tests := []struct {
		name    string
		cookie  func(State) string
		reached bool
	}{
		{"nothing to press", nil, false},
		{"Noren's cookie instead", func(s State) string { return "test-" + string(s) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := testOptions(t, pages)
			opt.States = []State{AcceptAll, RejectAll}
			opt.NorenCookie = tt.cookie
			done := 0
			opt.Progress = func(d, total int) { done = d }
			res := runVisit(t, opt)
			if done != 4 {
				t.Errorf("progress ended at %d, want 4", done)
			}
			for _, sr := range res.States {
				if sr.Reached != tt.reached || sr.Note == "" {
					t.Errorf("%s: reached %v, note %q", sr.State, sr.Reached, sr.Note)
				}
				if !tt.reached {
					if len(sr.Pages) != 0 || sr.Choice != ChoiceNone {
						t.Errorf("%s: %d pages, choice %q", sr.State, len(sr.Pages), sr.Choice)
					}
					continue
				}
				if sr.Choice != ChoiceNorenCookie || len(sr.Pages) != 2 {
					t.Fatalf("%s: choice %q, %d pages", sr.State, sr.Choice, len(sr.Pages))
				}
				c, ok := cookieOf(sr.Pages[1], norenCookieName)
				if !ok || c.Domain != "127.0.0.1" || c.Path != "/" || c.ThirdParty {
					t.Errorf("%s: %s %+v (found %v)", sr.State, norenCookieName, c, ok)
				}
			}
		})
	}
}

package verdict

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan/cookiedb"
	"github.com/noren-web/noren/internal/scan/visit"
	"github.com/noren-web/noren/internal/testenv"
)

// t0 is when the test scans read their cookies.
var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

const siteURL = "https://www.example.org"

// testManifest parses testdata/site.yaml, with extra appended under its
// tools: list.
func testManifest(tb testing.TB, extra string) *manifest.Manifest {
	tb.Helper()
	m, err := manifest.Parse("site.yaml", append(siteYAML(tb), extra...))
	if err != nil {
		tb.Fatalf("parse manifest: %v\n%s", err, extra)
	}
	return m
}

// siteYAML reads testdata/site.yaml.
func siteYAML(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "site.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

const testDBCSV = "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n" +
	"1,Google Analytics,Analytics,_ga,,ID used to identify users,2 years,Google,https://business.safety.google/privacy/,0\n" +
	"2,Google Analytics,Analytics,_ga_,,ID used to identify users,2 years,Google,https://business.safety.google/privacy/,1\n" +
	"3,Google Analytics,Analytics,_gid,,ID used to identify users for 24 hours,24 hours,Google,https://business.safety.google/privacy/,0\n" +
	"4,Hotjar,Analytics,_hjSessionUser_,,Hotjar user ID,1 year,Hotjar,https://www.hotjar.com/privacy/,1\n" +
	"5,Hotjar,Analytics,_hjTLDTest,,Tests the top-level domain,session,Hotjar,https://www.hotjar.com/privacy/,0\n" +
	"6,Example Ads,Marketing,ad_state,,Ad state,Local Storage,Example Ads Inc.,not a url,0\n"

// testDB loads testDBCSV.
func testDB(tb testing.TB) *cookiedb.DB {
	tb.Helper()
	db, err := cookiedb.Load(strings.NewReader(testDBCSV), "test.csv")
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

// realDB opens the Open Cookie Database beside the module, or skips.
func realDB(tb testing.TB) *cookiedb.DB {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		up := filepath.Dir(dir)
		if up == dir {
			tb.Fatal("no go.mod above the test")
		}
		dir = up
	}
	path := filepath.Join(dir, "..", "shared", "data", "open-cookie-database", "open-cookie-database.csv")
	if _, err := os.Stat(path); err != nil {
		if testenv.On("NOREN_REQUIRE_COOKIE_DB") {
			tb.Fatalf("the Open Cookie Database is required: %v", err)
		}
		tb.Skipf("no Open Cookie Database: %v", err)
	}
	db, err := cookiedb.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

// cookie is a first-party cookie read at t0, living for life (0 for a
// session cookie).
func cookie(name string, life time.Duration) visit.Cookie {
	c := visit.Cookie{Name: name, Domain: "www.example.org", Path: "/", Seen: t0}
	if life > 0 {
		c.Expires = t0.Add(life)
	}
	return c
}

// thirdCookie is a cookie of another domain.
func thirdCookie(name, domain string, life time.Duration) visit.Cookie {
	c := cookie(name, life)
	c.Domain, c.ThirdParty = domain, true
	return c
}

// request is a script request to url.
func request(u string) visit.Request {
	return visit.Request{URL: u, Host: urlHost(u), Type: "Script", Initiator: siteURL + "/", InitiatorKind: "parser"}
}

// local is a localStorage key of the site.
func local(k string) visit.StorageKey {
	return visit.StorageKey{Kind: visit.LocalStorage, Origin: siteURL, Key: k}
}

// pageOf is a page of the site at path.
func pageOf(path string, items ...any) visit.Page {
	p := visit.Page{URL: siteURL + path, Status: 200}
	for _, it := range items {
		switch v := it.(type) {
		case visit.Cookie:
			p.Cookies = append(p.Cookies, v)
		case visit.StorageKey:
			p.Storage = append(p.Storage, v)
		case visit.Request:
			p.Requests = append(p.Requests, v)
		default:
			panic("pageOf: unknown item")
		}
	}
	return p
}

// scan is a result whose four states are reached and each visit one page.
type scan map[visit.State][]any

// result builds the visit.Result of s, every state reached.
func (s scan) result() *visit.Result {
	res := &visit.Result{Start: siteURL + "/", Started: t0, Finished: t0.Add(time.Minute)}
	for _, st := range visit.States() {
		res.States = append(res.States, visit.StateResult{
			State: st, Reached: true, Pages: []visit.Page{pageOf("/", s[st]...)},
		})
	}
	return res
}

// cleanScan sees every tool of testdata/site.yaml, each where it may run.
func cleanScan() scan {
	consentCookie := cookie("noren_consent", 182*24*time.Hour)
	return scan{
		visit.NoChoice: {cookie("_gid", 24*time.Hour), thirdCookie("chat_lb", "chat.example.com", time.Hour)},
		visit.AcceptAll: {
			consentCookie,
			cookie("_ga", 400*24*time.Hour), cookie("_ga_ABC123", 400*24*time.Hour),
			cookie("prefs", 30*24*time.Hour),
			local("chat_state"),
			request("https://www.googletagmanager.com/gtag/js?id=G-1"),
			request("https://region1.google-analytics.com/g/collect"),
			request("https://chat.example.com/widget.js"),
			request("https://ads.example.net/ad.js"),
		},
		visit.RejectAll: {consentCookie},
		visit.GPC:       {},
	}
}

// with returns a copy of s with items added to state st.
func (s scan) with(st visit.State, items ...any) scan {
	out := scan{}
	for k, v := range s {
		out[k] = append([]any(nil), v...)
	}
	out[st] = append(out[st], items...)
	return out
}

// without returns a copy of s without the items of st for which drop is
// true.
func (s scan) without(st visit.State, drop func(any) bool) scan {
	out := s.with(st)
	var keep []any
	for _, it := range out[st] {
		if !drop(it) {
			keep = append(keep, it)
		}
	}
	out[st] = keep
	return out
}

package admin

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// signedInAs returns a browser of u with the console in lang.
func (h *harness) signedInAs(u account.User, lang string) *browser {
	h.t.Helper()
	if err := h.accounts.SetLang(context.Background(), u.ID, lang); err != nil {
		h.t.Fatal(err)
	}
	u.Lang = lang
	return h.signedIn(u)
}

// wantIn fails unless the page at path, as b sees it, contains every want.
func wantIn(t *testing.T, b *browser, path string, want ...string) string {
	t.Helper()
	resp := b.get(path)
	if resp.status != http.StatusOK {
		t.Fatalf("%s: status %d", path, resp.status)
	}
	for _, w := range want {
		if !strings.Contains(resp.body, w) {
			t.Errorf("%s does not show %q", path, w)
		}
	}
	return resp.body
}

// TestConsoleTimesInSiteZone checks that the audit trail, the inbox and the
// consent statistics write their times and count their days in the site's
// time zone (JST in the harness) and name the zone, as the analytics does,
// whatever zone the server runs in. The moments are chosen so that the day
// in Japan differs from the day in UTC.
func TestConsoleTimesInSiteZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		owner := h.addUser("owner@example.jp", account.Owner)
		// 15:30 UTC on 28 November is 00:30 on 29 November in Japan.
		at := time.Date(2026, 11, 28, 15, 30, 0, 0, time.UTC)
		if _, err := h.trail.Append(ctx, audit.Entry{At: at, Actor: "system", Role: "system", Action: "vault.retention", Object: "vault", Outcome: audit.OK}); err != nil {
			t.Fatal(err)
		}
		sub := h.addSubmission("consultation-form", consultation()) // at 09:00 UTC, 18:00 in Japan
		if err := h.records.Add(ctx, consent.Record{Receipt: "ZoneZoneZoneZoneZone01", Given: at, PolicyHash: strings.Repeat("ab", 32),
			Version: "0123456789ab", Categories: map[string]bool{"analytics": true}, Tools: map[string]bool{}, Method: consent.MethodBanner,
			Kind: consent.KindAcceptAll, Lang: "ja"}); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			lang, path string
			want       []string
		}{
			{"en", "/admin/audit", []string{`datetime="2026-11-28T15:30:00Z">2026-11-29 00:30 JST</time>`, "Times are in JST"}},
			{"ja", "/admin/audit", []string{`datetime="2026-11-28T15:30:00Z">2026年11月29日 00:30（日本時間）</time>`, "日時は日本時間で表示しています"}},
			{"en", "/admin/", []string{">2026-11-29 00:30 JST</time>"}},
			{"en", "/admin/inbox", []string{"2026-11-29 18:00 JST"}},
			{"ja", "/admin/inbox", []string{"2026年11月29日 18:00（日本時間）"}},
			{"ja", "/admin/inbox/" + sub.ID, []string{"2026年11月29日 18:00（日本時間）"}},
			{"en", "/admin/consent", []string{"Days begin at midnight, JST.", `<th scope="row">2026-11-28</th><td>0</td>`, `<th scope="row">2026-11-29</th><td>1</td>`}},
			{"ja", "/admin/consent", []string{"日付は日本時間で区切っています。"}},
		}
		for _, tc := range tests {
			t.Run(tc.lang+tc.path, func(t *testing.T) {
				wantIn(t, h.signedInAs(owner, tc.lang), tc.path, tc.want...)
			})
		}
		for _, never := range []string{" UTC", "（UTC）"} {
			for _, path := range []string{"/admin/audit", "/admin/inbox", "/admin/consent"} {
				if body := h.signedInAs(owner, "en").get(path).body; strings.Contains(body, never) {
					t.Errorf("%s still shows %q", path, never)
				}
			}
		}
	})
}

var expiresValue = regexp.MustCompile(`id="expires" name="expires" type="date" value="([^"]*)"`)

// TestContractorExpiryStaysPut saves a contractor's last day of access in
// the account form and opens the form again, twice: the form shows the day
// saved each time, a day of the site's calendar, instead of the day after
// it, which saving again would push a day further.
func TestContractorExpiryStaysPut(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	owner := h.addUser("owner@example.jp", account.Owner)
	target := h.addUser("contractor@example.jp", account.Contractor)
	b := h.signedIn(owner)
	path := "/admin/users/" + strconv.FormatInt(target.ID, 10)
	for i := range 2 {
		resp := b.post(path, url.Values{"name": {"Contractor"}, "role": {"contractor"}, "forms": {"consultation-form"}, "expires": {"2027-01-31"}})
		if resp.status != http.StatusSeeOther {
			t.Fatalf("save %d: status %d:\n%s", i+1, resp.status, resp.body)
		}
		m := expiresValue.FindStringSubmatch(b.get(path).body)
		if m == nil || m[1] != "2027-01-31" {
			t.Fatalf("after save %d the form shows the last day %v, want 2027-01-31", i+1, m)
		}
	}
	u, err := h.accounts.ByID(context.Background(), target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2027, 2, 1, 0, 0, 0, 0, testZone); !u.ExpiresAt.Equal(want) {
		t.Errorf("access ends %v, want the end of 31 January in Japan, %v", u.ExpiresAt, want)
	}
}

package admin_test

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
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// inLang returns a browser of u with the console in lang.
func inLang(h *admintest.Harness, u account.User, lang string) *admintest.Browser {
	h.T.Helper()
	if err := h.Accounts.SetLang(context.Background(), u.ID, lang); err != nil {
		h.T.Fatal(err)
	}
	u.Lang = lang
	return h.SignedIn(u)
}

// wantIn fails unless the page at path, as b sees it, contains every want.
func wantIn(t *testing.T, b *admintest.Browser, path string, want ...string) string {
	t.Helper()
	resp := b.Get(path)
	if resp.Status != http.StatusOK {
		t.Fatalf("%s: status %d", path, resp.Status)
	}
	for _, w := range want {
		if !strings.Contains(resp.Body, w) {
			t.Errorf("%s does not show %q", path, w)
		}
	}
	return resp.Body
}

// TestConsoleTimesInSiteZone checks that the audit trail and the home
// page write their times in the site's time zone (JST in the harness) and
// name the zone, whatever zone the server runs in. The moment is chosen so
// that the day in Japan differs from the day in UTC.
func TestConsoleTimesInSiteZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		owner := h.AddUser("owner@example.jp", account.Owner)
		// 15:30 UTC on 28 November is 00:30 on 29 November in Japan.
		at := time.Date(2026, 11, 28, 15, 30, 0, 0, time.UTC)
		if _, err := h.Trail.Append(ctx, audit.Entry{At: at, Actor: "system", Role: "system", Action: "vault.retention", Object: "vault", Outcome: audit.OK}); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			lang, path string
			want       []string
		}{
			{"en", "/admin/audit", []string{`datetime="2026-11-28T15:30:00Z">2026-11-29 00:30 JST</time>`, "Times are in JST"}},
			{"ja", "/admin/audit", []string{`datetime="2026-11-28T15:30:00Z">2026年11月29日 00:30（日本時間）</time>`, "日時は日本時間で表示しています"}},
			{"en", "/admin/", []string{">2026-11-29 00:30 JST</time>"}},
		}
		for _, tc := range tests {
			t.Run(tc.lang+tc.path, func(t *testing.T) {
				wantIn(t, inLang(h, owner, tc.lang), tc.path, tc.want...)
			})
		}
		for _, never := range []string{" UTC", "（UTC）"} {
			for _, path := range []string{"/admin/audit", "/admin/"} {
				if body := inLang(h, owner, "en").Get(path).Body; strings.Contains(body, never) {
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
	owner := h.AddUser("owner@example.jp", account.Owner)
	target := h.AddUser("contractor@example.jp", account.Contractor)
	b := h.SignedIn(owner)
	path := "/admin/users/" + strconv.FormatInt(target.ID, 10)
	for i := range 2 {
		resp := b.Post(path, url.Values{"name": {"Contractor"}, "role": {"contractor"}, "forms": {"consultation-form"}, "expires": {"2027-01-31"}})
		if resp.Status != http.StatusSeeOther {
			t.Fatalf("save %d: status %d:\n%s", i+1, resp.Status, resp.Body)
		}
		m := expiresValue.FindStringSubmatch(b.Get(path).Body)
		if m == nil || m[1] != "2027-01-31" {
			t.Fatalf("after save %d the form shows the last day %v, want 2027-01-31", i+1, m)
		}
	}
	u, err := h.Accounts.ByID(context.Background(), target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2027, 2, 1, 0, 0, 0, 0, admintest.Zone); !u.ExpiresAt.Equal(want) {
		t.Errorf("access ends %v, want the end of 31 January in Japan, %v", u.ExpiresAt, want)
	}
}

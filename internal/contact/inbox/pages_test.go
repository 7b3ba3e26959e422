package inbox

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestPagesAreAccessible opens every page of the console with the section
// in every language and checks what a screen reader and a keyboard user
// depend on.
func TestPagesAreAccessible(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t), nil)
	sub := h.addSubmission(admintest.Form, consultation())
	admintest.CheckPages(t, h.Harness, admintest.Targets{"/admin/inbox/{id}": sub.ID})
}

// TestInboxPagesAreAccessible checks the inbox pages that no GET reaches,
// or only with data: the list with a submission, the submission, the
// opened submission with mail on and off, and a refused opening, in both
// languages.
func TestInboxPagesAreAccessible(t *testing.T) {
	_, sender := startMail(t)
	for _, mailer := range []Mailer{sender, nil} {
		h := newHarness(t, storetest.SQLite(t), mailer)
		on := mailer != nil
		owner := h.AddUser("owner@example.jp", account.Owner)
		sub := h.addSubmission("consultation-form", consultation())
		if _, err := h.inbox.AddNote(t.Context(), sub.ID, owner.Email, "A note."); err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"en", "ja"} {
			if err := h.Accounts.SetLang(t.Context(), owner.ID, lang); err != nil {
				t.Fatal(err)
			}
			b := h.SignedIn(owner)
			pages := map[string]admintest.Response{
				"list":          b.Get("/admin/inbox"),
				"filtered list": b.Get("/admin/inbox?form=consultation-form&status=new"),
				"submission":    b.Get("/admin/inbox/" + sub.ID),
				"opened":        b.Post("/admin/inbox/"+sub.ID+"/open", url.Values{"purpose": {"consultation"}}),
				"no purpose":    b.Post("/admin/inbox/"+sub.ID+"/open", url.Values{"purpose": {""}}),
			}
			for name, resp := range pages {
				if resp.Status != http.StatusOK && resp.Status != http.StatusUnprocessableEntity {
					t.Errorf("%s %s (mail %v): status %d", lang, name, on, resp.Status)
					continue
				}
				for _, problem := range admintest.PageProblems(resp.Body, lang) {
					t.Errorf("%s %s (mail %v): %s", lang, name, on, problem)
				}
			}
		}
	}
}

// TestTimesInSiteZone checks that the inbox writes its times in the
// site's time zone (JST in the harness), the zone named, whatever zone the
// server runs in.
func TestTimesInSiteZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, nil)
		owner := h.AddUser("owner@example.jp", account.Owner)
		sub := h.addSubmission("consultation-form", consultation()) // at 09:00 UTC, 18:00 in Japan
		tests := []struct {
			lang, path string
			want       string
		}{
			{"en", "/admin/inbox", "2026-11-29 18:00 JST"},
			{"ja", "/admin/inbox", "2026年11月29日 18:00（日本時間）"},
			{"ja", "/admin/inbox/" + sub.ID, "2026年11月29日 18:00（日本時間）"},
		}
		for _, tc := range tests {
			t.Run(tc.lang+tc.path, func(t *testing.T) {
				if err := h.Accounts.SetLang(context.Background(), owner.ID, tc.lang); err != nil {
					t.Fatal(err)
				}
				resp := h.SignedIn(owner).Get(tc.path)
				if resp.Status != http.StatusOK || !strings.Contains(resp.Body, tc.want) {
					t.Errorf("status %d; the page does not show %q", resp.Status, tc.want)
				}
			})
		}
		for _, lang := range []string{"en", "ja"} {
			if err := h.Accounts.SetLang(context.Background(), owner.ID, lang); err != nil {
				t.Fatal(err)
			}
			if body := h.SignedIn(owner).Get("/admin/inbox").Body; strings.Contains(body, " UTC") || strings.Contains(body, "（UTC）") {
				t.Errorf("the inbox in %s still shows UTC", lang)
			}
		}
	})
}

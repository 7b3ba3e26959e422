package admin_test

import (
	"context"
	"html"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

var (
	loginAction = regexp.MustCompile(`<form method="post" action="([^"]*)" class="stack narrow">`)
	htmlLang    = regexp.MustCompile(`<html lang="([a-z]+)">`)
	langField   = regexp.MustCompile(`<input type="hidden" name="lang" value="([^"]*)">`)
)

// signInRefusal signs in with a wrong password from a fresh browser that asks
// for browserLang and opens the sign-in page at path, posting the form as
// the page has it, and returns the answer with what differs by nature
// (the form token, the address typed, the date) written out.
func signInRefusal(h *admintest.Harness, path, browserLang, email string) (admintest.Response, string) {
	h.T.Helper()
	b := h.Browser()
	req, _ := http.NewRequest("GET", h.Server.URL+path, nil)
	req.Header.Set("Accept-Language", browserLang)
	page := b.Do(req)
	m := loginAction.FindStringSubmatch(page.Body)
	if page.Status != http.StatusOK || m == nil {
		h.T.Fatalf("sign-in page %s: status %d, no sign-in form:\n%s", path, page.Status, page.Body)
	}
	// The form is posted as a browser would, with its hidden fields.
	form := url.Values{"csrf": {admintest.Field(page.Body, "csrf")}, "email": {email}, "password": {"not the password"}}
	if l := langField.FindStringSubmatch(page.Body); l != nil {
		form.Set("lang", l[1])
	}
	req, _ = http.NewRequest("POST", h.Server.URL+html.UnescapeString(m[1]), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", browserLang)
	resp := b.Do(req)
	body := strings.ReplaceAll(resp.Body, admintest.Field(page.Body, "csrf"), "CSRF")
	body = strings.ReplaceAll(body, email, "EMAIL")
	return resp, body
}

// TestSignInRefusalTellsNoAccount signs in with a wrong password as an
// account whose console language is the other one, and as an address with
// no account: both answers are in the language the person chose on the
// sign-in page, or their browser's, and identical in status, headers and
// body.
func TestSignInRefusalTellsNoAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		// Addresses of one length, so that the pages weigh the same.
		english := h.AddUser("owner-en@example.jp", account.Owner)
		japanese := h.AddUser("owner-ja@example.jp", account.Analyst)
		if err := h.Accounts.SetLang(ctx, english.ID, "en"); err != nil {
			t.Fatal(err)
		}
		if err := h.Accounts.SetLang(ctx, japanese.ID, "ja"); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, path, browser string
			account             account.User
			want                string
		}{
			{"Japanese chosen, English browser, English account", "/admin/login?lang=ja", "en", english, "ja"},
			{"English chosen, Japanese browser, Japanese account", "/admin/login?lang=en", "ja", japanese, "en"},
			{"Japanese browser, English account", "/admin/login", "ja", english, "ja"},
			{"English browser, Japanese account", "/admin/login", "en", japanese, "en"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				known, knownBody := signInRefusal(h, tc.path, tc.browser, tc.account.Email)
				unknown, unknownBody := signInRefusal(h, tc.path, tc.browser, "nobody-1@example.jp")
				if known.Status != http.StatusUnauthorized || unknown.Status != known.Status {
					t.Errorf("status %d for the account, %d for no account; want 401 for both", known.Status, unknown.Status)
				}
				if m := htmlLang.FindStringSubmatch(knownBody); m == nil || m[1] != tc.want {
					t.Errorf("the refusal is in %v, want %s", m, tc.want)
				}
				if !strings.Contains(knownBody, i18n.T(i18n.Lang(tc.want), "login.wrong")) {
					t.Errorf("the refusal does not say %q", i18n.T(i18n.Lang(tc.want), "login.wrong"))
				}
				if knownBody != unknownBody {
					t.Errorf("the answers differ:\n--- account ---\n%s\n--- no account ---\n%s", knownBody, unknownBody)
				}
				a, b := known.Header.Clone(), unknown.Header.Clone()
				a.Del("Date")
				b.Del("Date")
				if !maps.EqualFunc(a, b, slices.Equal) {
					t.Errorf("the headers differ:\naccount    %v\nno account %v", a, b)
				}
			})
		}
	})
}

package dsr_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
)

// TestLinks: expired, replayed and tampered links get pages that say so,
// lead back to the form, and verify nothing.
func TestLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		hs := newHarness(t, db)
		hs.submit("en", dsr.Disclosure, "a@example.jp", "")
		_, link := hs.link(1)
		u, _ := url.Parse(link)
		token := u.Query().Get("t")

		// Tampered links: each byte of the signature matters.
		flipped := []byte(token)
		flipped[len(flipped)-3] ^= 1
		for name, bad := range map[string]string{
			"missing":   "",
			"truncated": token[:len(token)-1],
			"flipped":   string(flipped),
			"garbage":   "not-a-token",
			"random":    strings.Repeat("A", 22) + "." + strings.Repeat("B", 43),
		} {
			path := u.Path + "?" + url.Values{"t": {bad}}.Encode()
			resp := hs.get(path)
			if resp.status != http.StatusBadRequest {
				t.Errorf("%s: GET %d, want 400", name, resp.status)
			}
			mustContain(t, name, resp.body, "This link is not valid", `href="/en/privacy/requests"`)
			if resp := hs.post(u.Path, url.Values{"t": {bad}}.Encode(), ""); resp.status != http.StatusBadRequest {
				t.Errorf("%s: POST %d, want 400", name, resp.status)
			}
		}
		if got := hs.only(); got.Status != dsr.PendingVerification {
			t.Fatalf("after tampered links: %s", got.Status)
		}

		// Used: the second confirmation, and opening the link again.
		if resp := hs.confirm(link); resp.status != http.StatusOK {
			t.Fatalf("confirm: %d", resp.status)
		}
		for _, resp := range []response{hs.get(link), hs.post(u.Path, url.Values{"t": {token}}.Encode(), "")} {
			if resp.status != http.StatusGone {
				t.Errorf("replayed link: %d, want 410", resp.status)
			}
			mustContain(t, "replayed link", resp.body, "This link has already been used", `href="/en/privacy/requests"`)
		}

		// Expired: one second past the link's lifetime.
		hs.submit("ja", dsr.Cessation, "b@example.jp", cessationReason)
		// The first request's link and receipt came before.
		_, link2 := hs.link(3)
		u2, _ := url.Parse(link2)
		hs.clock.Advance(dsr.DefaultLinkTTL + time.Second)
		for _, resp := range []response{hs.get(link2), hs.post(u2.Path, url.Values{"t": {u2.Query().Get("t")}}.Encode(), "")} {
			if resp.status != http.StatusGone {
				t.Errorf("expired link: %d, want 410", resp.status)
			}
			mustContain(t, "expired link", resp.body, "このリンクは有効期限が切れています", `href="/ja/privacy/requests"`)
		}
	})
}

// TestExpireUnverified closes requests nobody confirmed and shreds the
// address they hold.
func TestExpireUnverified(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		hs.submit("en", dsr.Cessation, "never@example.jp", cessationReason)
		_, link := hs.link(1)
		if n, err := hs.h.ExpireUnverified(ctx); err != nil || n != 0 {
			t.Fatalf("ExpireUnverified before the link expired = %d, %v", n, err)
		}
		hs.clock.Advance(dsr.DefaultLinkTTL)
		if n, err := hs.h.ExpireUnverified(ctx); err != nil || n != 1 {
			t.Fatalf("ExpireUnverified = %d, %v; want 1", n, err)
		}
		req := hs.only()
		if req.Status != dsr.Expired {
			t.Errorf("status %s, want expired", req.Status)
		}
		if _, err := hs.h.Subject(ctx, req.ID); !errors.Is(err, vault.ErrShredded) {
			t.Errorf("Subject of an expired request: %v, want ErrShredded", err)
		}
		if resp := hs.get(link); resp.status != http.StatusGone {
			t.Errorf("link of an expired request: %d, want 410", resp.status)
		}
	})
}

// TestConsole covers the console's checks: status changes, filters and
// the overdue flag.
func TestConsole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		if _, err := hs.h.Get(ctx, "nosuchrequest"); !errors.Is(err, dsr.ErrNotFound) {
			t.Errorf("Get unknown: %v", err)
		}
		hs.submit("en", dsr.Cessation, "c@example.jp", cessationReason)
		pending := hs.only()
		if err := hs.h.SetStatus(ctx, pending.ID, dsr.InProgress, ""); !errors.Is(err, dsr.ErrState) {
			t.Errorf("SetStatus of an unverified request: %v, want ErrState", err)
		}
		_, link := hs.link(1)
		hs.confirm(link)
		for _, bad := range []dsr.Status{dsr.Verified, dsr.Expired, dsr.PendingVerification, "bogus"} {
			if err := hs.h.SetStatus(ctx, pending.ID, bad, ""); err == nil {
				t.Errorf("SetStatus to %q succeeded", bad)
			}
		}
		if err := hs.h.SetStatus(ctx, pending.ID, dsr.InProgress, strings.Repeat("x", 501)); err == nil {
			t.Error("a note of 501 characters was taken")
		}
		if err := hs.h.SetStatus(ctx, pending.ID, dsr.InProgress, "checking"); err != nil {
			t.Fatal(err)
		}
		if list, err := hs.h.List(ctx, dsr.Filter{Overdue: true}); err != nil || len(list) != 0 {
			t.Errorf("overdue before the deadline: %v, %v", list, err)
		}
		// The demo's 30 days run to the end of the 30th day in Tokyo.
		hs.clock.Advance(31 * 24 * time.Hour)
		list, err := hs.h.List(ctx, dsr.Filter{Overdue: true, Status: dsr.InProgress})
		if err != nil || len(list) != 1 || !list[0].Overdue || list[0].Note != "checking" {
			t.Fatalf("overdue after the deadline: %+v, %v", list, err)
		}
		if list, err := hs.h.List(ctx, dsr.Filter{Status: dsr.Done}); err != nil || len(list) != 0 {
			t.Errorf("done: %v, %v", list, err)
		}
		if _, err := hs.h.List(ctx, dsr.Filter{Limit: 1001}); err == nil {
			t.Error("a limit of 1001 was taken")
		}
		if err := hs.h.RecordIdentity(ctx, pending.ID, dsr.ByPost, "", "staff@example.jp"); err != nil {
			t.Fatal(err)
		}
		if n, err := hs.h.Delete(ctx, pending.ID); err != nil || n != 0 {
			t.Errorf("Delete with nothing found = %d, %v", n, err)
		}
		if got := hs.only(); got.Status != dsr.Done || got.Overdue {
			t.Errorf("after Delete: %+v", got)
		}
	})
}

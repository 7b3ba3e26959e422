package account_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

func TestCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		expires := t0.Add(90 * 24 * time.Hour)
		u, err := s.Create(ctx, account.Profile{
			Email:     "  Hanako.Sato@Example.JP ",
			Name:      " 佐藤 花子 ",
			Role:      account.Contractor,
			Forms:     []string{" recruit ", "contact", "", "recruit"},
			ExpiresAt: expires,
		}, password, t0)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if u.ID <= 0 {
			t.Errorf("ID = %d", u.ID)
		}
		if u.Email != "hanako.sato@example.jp" {
			t.Errorf("Email = %q, want it trimmed and in lower case", u.Email)
		}
		if u.Name != "佐藤 花子" {
			t.Errorf("Name = %q, want it trimmed", u.Name)
		}
		if u.Role != account.Contractor {
			t.Errorf("Role = %q", u.Role)
		}
		if want := []string{"contact", "recruit"}; !slices.Equal(u.Forms, want) {
			t.Errorf("Forms = %q, want %q (trimmed, deduplicated, sorted)", u.Forms, want)
		}
		if !u.ExpiresAt.Equal(expires) || !u.CreatedAt.Equal(t0) || !u.PasswordChangedAt.Equal(t0) {
			t.Errorf("ExpiresAt %v, CreatedAt %v, PasswordChangedAt %v; want %v, %v, %v", u.ExpiresAt, u.CreatedAt, u.PasswordChangedAt, expires, t0, t0)
		}
		if u.Lang != "" || u.TOTPSecret != "" || u.TOTPLastStep != 0 || u.FailedLogins != 0 ||
			!u.LockedUntil.IsZero() || !u.DisabledAt.IsZero() || !u.LastLoginAt.IsZero() || u.HasTOTP() {
			t.Errorf("a new account is not blank: %+v", u)
		}
		if err := s.CheckPassword(ctx, u, password); err != nil {
			t.Errorf("CheckPassword: %v", err)
		}

		got := mustByID(t, s, u.ID)
		if got.Email != u.Email || !slices.Equal(got.Forms, u.Forms) || !got.ExpiresAt.Equal(expires) || got.PasswordHash != u.PasswordHash {
			t.Errorf("ByID = %+v, want %+v", got, u)
		}
		if got.ExpiresAt.Location() != time.UTC || got.CreatedAt.Location() != time.UTC {
			t.Errorf("times read back in %v and %v, want UTC", got.ExpiresAt.Location(), got.CreatedAt.Location())
		}

		owner := mustCreate(t, s, "owner@example.jp", account.Owner)
		if owner.Forms != nil || !owner.ExpiresAt.IsZero() {
			t.Errorf("owner has Forms %q and ExpiresAt %v, want none", owner.Forms, owner.ExpiresAt)
		}
	})
}

func TestCreateDuplicate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		mustCreate(t, s, "hanako@example.jp", account.Owner)
		_, err := s.Create(t.Context(), profile(" HANAKO@example.jp", account.Analyst), password, t0)
		if !errors.Is(err, account.ErrExists) {
			t.Fatalf("second Create with the same address in other case = %v, want ErrExists", err)
		}
		if !strings.Contains(err.Error(), "hanako@example.jp") {
			t.Errorf("error %q does not name the address", err)
		}
		if n := countRows(t, db, "admin_users"); n != 1 {
			t.Errorf("%d accounts stored, want 1", n)
		}
	})
}

func TestCreateRefused(t *testing.T) {
	past := t0.Add(-time.Hour)
	future := t0.Add(24 * time.Hour)
	cases := []struct {
		name     string
		profile  account.Profile
		password string
		wantErr  []string // substrings, all required
	}{
		{"contractor without expiry",
			account.Profile{Email: "c@example.jp", Role: account.Contractor, Forms: []string{"contact"}},
			password, []string{"contractor needs an expiry date"}},
		{"contractor without forms",
			account.Profile{Email: "c@example.jp", Role: account.Contractor, ExpiresAt: future},
			password, []string{"contractor needs at least one form"}},
		{"contractor without forms or expiry",
			account.Profile{Email: "c@example.jp", Role: account.Contractor, Forms: []string{" ", ""}},
			password, []string{"needs at least one form", "needs an expiry date"}},
		{"handler without forms",
			account.Profile{Email: "h@example.jp", Role: account.Handler},
			password, []string{"handler needs at least one form"}},
		{"analyst with forms",
			account.Profile{Email: "a@example.jp", Role: account.Analyst, Forms: []string{"contact"}},
			password, []string{"only handlers and contractors are assigned forms"}},
		{"owner with forms",
			account.Profile{Email: "o@example.jp", Role: account.Owner, Forms: []string{"contact"}},
			password, []string{"only handlers and contractors are assigned forms"}},
		{"past expiry",
			account.Profile{Email: "h@example.jp", Role: account.Handler, Forms: []string{"contact"}, ExpiresAt: past},
			password, []string{"is in the past"}},
		{"expiry now",
			account.Profile{Email: "c@example.jp", Role: account.Contractor, Forms: []string{"contact"}, ExpiresAt: t0},
			password, []string{"is in the past"}},
		{"unknown role",
			account.Profile{Email: "x@example.jp", Role: "admin"},
			password, []string{"unknown role"}},
		{"no role",
			account.Profile{Email: "x@example.jp"},
			password, []string{"unknown role"}},
		{"no e-mail",
			account.Profile{Email: "  ", Role: account.Owner},
			password, []string{"e-mail address is required"}},
		{"bad e-mail",
			account.Profile{Email: "hanako at example.jp", Role: account.Owner},
			password, []string{"is not an e-mail address"}},
		{"e-mail with a display name",
			account.Profile{Email: "Hanako <hanako@example.jp>", Role: account.Owner},
			password, []string{"is not an e-mail address"}},
		{"short password",
			account.Profile{Email: "o@example.jp", Role: account.Owner},
			"plum", []string{"at least 12"}},
		{"password with the e-mail name",
			account.Profile{Email: "hanako@example.jp", Role: account.Owner},
			"i am hanako of example", []string{"e-mail name"}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		for _, tc := range cases {
			_, err := s.Create(t.Context(), tc.profile, tc.password, t0)
			if err == nil {
				t.Errorf("%s: Create succeeded", tc.name)
				continue
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s: Create error %q does not contain %q", tc.name, err, want)
				}
			}
		}
		if n := countRows(t, db, "admin_users"); n != 0 {
			t.Errorf("%d refused accounts were stored", n)
		}
	})
}

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"hanako@example.jp", "hanako@example.jp", true},
		{" Hanako.Sato@EXAMPLE.jp\t", "hanako.sato@example.jp", true},
		{"a+tag@sub.example.jp", "a+tag@sub.example.jp", true},
		{"", "", false},
		{"hanako", "", false},
		{"@example.jp", "", false},
		{"Hanako <hanako@example.jp>", "", false},
		{"<hanako@example.jp>", "", false},
		{"a@b@example.jp", "", false},
	} {
		got, err := account.NormalizeEmail(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestByEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		for _, email := range []string{"hanako@example.jp", "HANAKO@Example.JP", "  hanako@example.jp\n"} {
			got, err := s.ByEmail(ctx, email)
			if err != nil || got.ID != u.ID {
				t.Errorf("ByEmail(%q) = %d, %v; want %d", email, got.ID, err, u.ID)
			}
		}
		if _, err := s.ByEmail(ctx, "taro@example.jp"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("ByEmail(unknown) = %v, want ErrNotFound", err)
		}
		if _, err := s.ByID(ctx, u.ID+100); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("ByID(unknown) = %v, want ErrNotFound", err)
		}
	})
}

func TestList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		list, err := s.List(t.Context())
		if err != nil || len(list) != 0 {
			t.Fatalf("List of none = %v, %v", list, err)
		}
		for _, c := range []struct {
			email string
			role  account.Role
		}{
			{"aa@example.jp", account.Auditor},
			{"zz@example.jp", account.Owner},
			{"hh@example.jp", account.Handler},
			{"an@example.jp", account.Analyst},
			{"cc@example.jp", account.Contractor},
			{"bb@example.jp", account.Owner},
			{"ab@example.jp", account.Handler},
		} {
			mustCreate(t, s, c.email, c.role)
		}
		list, err = s.List(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range list {
			got = append(got, string(u.Role)+" "+u.Email)
		}
		want := []string{
			"owner bb@example.jp",
			"owner zz@example.jp",
			"analyst an@example.jp",
			"handler ab@example.jp",
			"handler hh@example.jp",
			"contractor cc@example.jp",
			"auditor aa@example.jp",
		}
		if !slices.Equal(got, want) {
			t.Errorf("List order:\n got %q\nwant %q", got, want)
		}
	})
}

func TestUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		mustCreate(t, s, "owner@example.jp", account.Owner)
		h := mustCreate(t, s, "hanako@example.jp", account.Handler)

		expires := t0.Add(7 * 24 * time.Hour)
		got, err := s.Update(ctx, h.ID, account.Profile{
			Email:     "someone-else@example.jp", // ignored: the address is not changed here
			Name:      " Hanako Sato ",
			Role:      account.Contractor,
			Forms:     []string{"recruit", "contact"},
			ExpiresAt: expires,
		}, t0)
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		if got.Email != "hanako@example.jp" || got.Name != "Hanako Sato" || got.Role != account.Contractor ||
			!slices.Equal(got.Forms, []string{"contact", "recruit"}) || !got.ExpiresAt.Equal(expires) {
			t.Errorf("Update returned %+v", got)
		}
		if got.PasswordHash != h.PasswordHash || !got.CreatedAt.Equal(h.CreatedAt) {
			t.Error("Update changed the password or creation time")
		}
		if again := mustByID(t, s, h.ID); again.Role != account.Contractor || !slices.Equal(again.Forms, got.Forms) {
			t.Errorf("ByID after Update = %+v", again)
		}

		// Back to an analyst: forms and expiry go.
		got, err = s.Update(ctx, h.ID, account.Profile{Name: "Hanako", Role: account.Analyst}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if got.Forms != nil || !got.ExpiresAt.IsZero() {
			t.Errorf("analyst after Update has Forms %q and ExpiresAt %v", got.Forms, got.ExpiresAt)
		}

		// An invalid profile changes nothing.
		if _, err := s.Update(ctx, h.ID, account.Profile{Name: "X", Role: account.Handler}, t0); err == nil {
			t.Error("Update to a handler without forms succeeded")
		}
		if again := mustByID(t, s, h.ID); again.Role != account.Analyst || again.Name != "Hanako" {
			t.Errorf("a refused Update changed the account: %+v", again)
		}

		if _, err := s.Update(ctx, h.ID+100, account.Profile{Role: account.Analyst}, t0); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("Update(unknown) = %v, want ErrNotFound", err)
		}
	})
}

func TestLastOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		a := mustCreate(t, s, "a@example.jp", account.Owner)
		mustCreate(t, s, "analyst@example.jp", account.Analyst)

		if _, err := s.Update(ctx, a.ID, account.Profile{Role: account.Analyst}, t0); !errors.Is(err, account.ErrLastOwner) {
			t.Errorf("demoting the only owner = %v, want ErrLastOwner", err)
		}
		if err := s.SetDisabled(ctx, a, true, t0); !errors.Is(err, account.ErrLastOwner) {
			t.Errorf("disabling the only owner = %v, want ErrLastOwner", err)
		}
		if got := mustByID(t, s, a.ID); got.Role != account.Owner || !got.DisabledAt.IsZero() {
			t.Fatalf("a refused change altered the only owner: %+v", got)
		}
		// Keeping the owner role is always fine.
		if _, err := s.Update(ctx, a.ID, account.Profile{Name: "A", Role: account.Owner}, t0); err != nil {
			t.Errorf("renaming the only owner: %v", err)
		}

		b := mustCreate(t, s, "b@example.jp", account.Owner)
		if _, err := s.Update(ctx, a.ID, account.Profile{Role: account.Analyst}, t0); err != nil {
			t.Fatalf("demoting one of two owners: %v", err)
		}
		if err := s.SetDisabled(ctx, b, true, t0); !errors.Is(err, account.ErrLastOwner) {
			t.Errorf("disabling the owner left = %v, want ErrLastOwner", err)
		}

		// A disabled owner does not count as one, and may itself be
		// demoted freely.
		c := mustCreate(t, s, "c@example.jp", account.Owner)
		if err := s.SetDisabled(ctx, c, true, t0); err != nil {
			t.Fatalf("disabling one of two owners: %v", err)
		}
		c = mustByID(t, s, c.ID)
		if _, err := s.Update(ctx, b.ID, account.Profile{Role: account.Auditor}, t0); !errors.Is(err, account.ErrLastOwner) {
			t.Errorf("demoting the only active owner beside a disabled one = %v, want ErrLastOwner", err)
		}
		if _, err := s.Update(ctx, c.ID, account.Profile{Role: account.Auditor}, t0); err != nil {
			t.Errorf("demoting a disabled owner: %v", err)
		}
	})
}

func TestSetDisabled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		mustCreate(t, s, "owner@example.jp", account.Owner)
		u := mustCreate(t, s, "hanako@example.jp", account.Handler)
		if err := s.SetDisabled(ctx, u, true, t0); err != nil {
			t.Fatal(err)
		}
		u = mustByID(t, s, u.ID)
		if !u.DisabledAt.Equal(t0) || !errors.Is(u.Usable(t0), account.ErrDisabled) {
			t.Errorf("after disabling: DisabledAt %v, Usable %v", u.DisabledAt, u.Usable(t0))
		}
		if err := s.SetDisabled(ctx, u, false, t0); err != nil {
			t.Fatal(err)
		}
		u = mustByID(t, s, u.ID)
		if !u.DisabledAt.IsZero() || u.Usable(t0) != nil {
			t.Errorf("after enabling: DisabledAt %v, Usable %v", u.DisabledAt, u.Usable(t0))
		}
		if err := s.SetDisabled(ctx, account.User{ID: u.ID + 100}, true, t0); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("SetDisabled(unknown) = %v, want ErrNotFound", err)
		}
	})
}

func TestSetLang(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		if err := s.SetLang(t.Context(), u.ID, "ja"); err != nil {
			t.Fatal(err)
		}
		if got := mustByID(t, s, u.ID).Lang; got != "ja" {
			t.Errorf("Lang = %q, want ja", got)
		}
		if err := s.SetLang(t.Context(), u.ID+100, "en"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("SetLang(unknown) = %v, want ErrNotFound", err)
		}
	})
}

func TestUsable(t *testing.T) {
	for _, tc := range []struct {
		name string
		user account.User
		want error
	}{
		{"plain", account.User{Role: account.Owner}, nil},
		{"disabled", account.User{Role: account.Owner, DisabledAt: t0.Add(-time.Hour)}, account.ErrDisabled},
		{"disabled later", account.User{Role: account.Owner, DisabledAt: t0.Add(time.Hour)}, account.ErrDisabled},
		{"contractor before expiry", account.User{Role: account.Contractor, ExpiresAt: t0.Add(time.Second)}, nil},
		{"contractor at expiry", account.User{Role: account.Contractor, ExpiresAt: t0}, account.ErrExpired},
		{"contractor after expiry", account.User{Role: account.Contractor, ExpiresAt: t0.Add(-time.Second)}, account.ErrExpired},
		{"disabled and expired", account.User{Role: account.Contractor, ExpiresAt: t0.Add(-time.Second), DisabledAt: t0}, account.ErrDisabled},
	} {
		if got := tc.user.Usable(t0); got != tc.want {
			t.Errorf("%s: Usable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMayHandleForm(t *testing.T) {
	assigned := []string{"contact", "recruit"}
	for _, tc := range []struct {
		role account.Role
		form string
		want bool
	}{
		{account.Owner, "contact", true},
		{account.Owner, "anything", true},
		{account.Analyst, "contact", false},
		{account.Auditor, "contact", false},
		{account.Handler, "contact", true},
		{account.Handler, "recruit", true},
		{account.Handler, "other", false},
		{account.Handler, "", false},
		{account.Contractor, "recruit", true},
		{account.Contractor, "other", false},
		{"admin", "contact", false},
	} {
		u := account.User{Role: tc.role, Forms: assigned}
		if got := u.MayHandleForm(tc.form); got != tc.want {
			t.Errorf("%s.MayHandleForm(%q) = %v, want %v", tc.role, tc.form, got, tc.want)
		}
	}
	if (account.User{Role: account.Handler}).MayHandleForm("contact") {
		t.Error("a handler with no forms may handle one")
	}
}

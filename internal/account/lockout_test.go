package account_test

import (
	"errors"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

const (
	threshold = 10
	lockFor   = 15 * time.Minute
)

// lockOut records threshold failures at t0 and returns the end of the lock.
func lockOut(t *testing.T, s *account.Store, id int64) time.Time {
	t.Helper()
	var until time.Time
	for i := range threshold {
		var err error
		until, err = s.RecordFailure(t.Context(), id, threshold, lockFor, t0.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatalf("RecordFailure %d: %v", i+1, err)
		}
	}
	return until
}

func TestRecordFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)

		for i := 1; i < threshold; i++ {
			until, err := s.RecordFailure(ctx, u.ID, threshold, lockFor, t0)
			if err != nil {
				t.Fatal(err)
			}
			if !until.IsZero() {
				t.Fatalf("failure %d locked the account until %v", i, until)
			}
			got := mustByID(t, s, u.ID)
			if got.FailedLogins != i || got.Locked(t0) {
				t.Fatalf("after failure %d: FailedLogins %d, Locked %v", i, got.FailedLogins, got.Locked(t0))
			}
		}

		now := t0.Add(time.Minute)
		until, err := s.RecordFailure(ctx, u.ID, threshold, lockFor, now)
		if err != nil {
			t.Fatal(err)
		}
		if !until.Equal(now.Add(lockFor)) {
			t.Fatalf("failure %d: locked until %v, want %v", threshold, until, now.Add(lockFor))
		}
		got := mustByID(t, s, u.ID)
		if got.FailedLogins != 0 {
			t.Errorf("FailedLogins after the lock = %d, want 0 so the full number of tries returns", got.FailedLogins)
		}
		if !got.LockedUntil.Equal(until) {
			t.Errorf("LockedUntil = %v, want %v", got.LockedUntil, until)
		}
		for _, tc := range []struct {
			at   time.Time
			want bool
		}{
			{now, true},
			{until.Add(-time.Microsecond), true},
			{until, false},
			{until.Add(time.Second), false},
		} {
			if l := got.Locked(tc.at); l != tc.want {
				t.Errorf("Locked(%v) = %v, want %v", tc.at, l, tc.want)
			}
		}

		// After the lock ends, a failure counts from one again and an old
		// lock end is not reported as a lock.
		until, err = s.RecordFailure(ctx, u.ID, threshold, lockFor, until.Add(time.Second))
		if err != nil || !until.IsZero() {
			t.Errorf("first failure after the lock = %v, %v; want zero, nil", until, err)
		}
		if got := mustByID(t, s, u.ID); got.FailedLogins != 1 {
			t.Errorf("FailedLogins = %d, want 1", got.FailedLogins)
		}

		if _, err := s.RecordFailure(ctx, u.ID+100, threshold, lockFor, t0); err == nil {
			t.Error("RecordFailure(unknown) succeeded")
		}
	})
}

func TestLockoutCleared(t *testing.T) {
	for _, tc := range []struct {
		name  string
		clear func(t *testing.T, s *account.Store, u account.User, now time.Time) error
	}{
		{"RecordLogin", func(t *testing.T, s *account.Store, u account.User, now time.Time) error {
			return s.RecordLogin(t.Context(), u.ID, now)
		}},
		{"Unlock", func(t *testing.T, s *account.Store, u account.User, _ time.Time) error {
			return s.Unlock(t.Context(), u.ID)
		}},
		{"SetPassword", func(t *testing.T, s *account.Store, u account.User, now time.Time) error {
			return s.SetPassword(t.Context(), u, "a brand new passphrase", now)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				s := newStore(t, db)
				u := mustCreate(t, s, "hanako@example.jp", account.Owner)
				until := lockOut(t, s, u.ID)
				if !mustByID(t, s, u.ID).Locked(t0) {
					t.Fatalf("not locked after %d failures (until %v)", threshold, until)
				}
				// Failures after the lock, so that there is a count to clear.
				if _, err := s.RecordFailure(t.Context(), u.ID, threshold, lockFor, t0); err != nil {
					t.Fatal(err)
				}
				now := t0.Add(time.Minute)
				if err := tc.clear(t, s, u, now); err != nil {
					t.Fatal(err)
				}
				got := mustByID(t, s, u.ID)
				if got.Locked(now) || !got.LockedUntil.IsZero() || got.FailedLogins != 0 {
					t.Errorf("after %s: LockedUntil %v, FailedLogins %d", tc.name, got.LockedUntil, got.FailedLogins)
				}
				if err := tc.clear(t, s, account.User{ID: u.ID + 100, Email: "x@example.jp"}, now); !errors.Is(err, account.ErrNotFound) {
					t.Errorf("%s(unknown) = %v, want ErrNotFound", tc.name, err)
				}
			})
		})
	}
}

func TestRecordLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		at := t0.Add(90 * time.Minute).Add(123456 * time.Microsecond)
		if err := s.RecordLogin(t.Context(), u.ID, at); err != nil {
			t.Fatal(err)
		}
		if got := mustByID(t, s, u.ID).LastLoginAt; !got.Equal(at) {
			t.Errorf("LastLoginAt = %v, want %v", got, at)
		}
	})
}

func TestSetPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		now := t0.Add(time.Hour)
		for _, weak := range []string{"short", "hanako's new passphrase"} {
			if err := s.SetPassword(ctx, u, weak, now); err == nil {
				t.Errorf("SetPassword(%q) succeeded", weak)
			}
		}
		if err := s.SetPassword(ctx, u, "a brand new passphrase", now); err != nil {
			t.Fatal(err)
		}
		got := mustByID(t, s, u.ID)
		if !got.PasswordChangedAt.Equal(now) {
			t.Errorf("PasswordChangedAt = %v, want %v", got.PasswordChangedAt, now)
		}
		if err := s.CheckPassword(ctx, got, password); !errors.Is(err, account.ErrWrongPassword) {
			t.Errorf("old password after SetPassword: %v, want ErrWrongPassword", err)
		}
		if err := s.CheckPassword(ctx, got, "a brand new passphrase"); err != nil {
			t.Errorf("new password after SetPassword: %v", err)
		}
	})
}

func TestTOTPStep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		if err := s.SetTOTP(ctx, u.ID, "JBSWY3DPEHPK3PXP"); err != nil {
			t.Fatal(err)
		}
		if got := mustByID(t, s, u.ID); !got.HasTOTP() || got.TOTPSecret != "JBSWY3DPEHPK3PXP" {
			t.Fatalf("after SetTOTP: HasTOTP %v, secret %q", got.HasTOTP(), got.TOTPSecret)
		}

		const step = 59_000_000 // a time step of the late 2020s
		for _, tc := range []struct {
			step int64
			want bool
		}{
			{step, true},
			{step, false},     // the same code again: a replay
			{step - 1, false}, // an older code
			{step + 1, true},
			{step + 3, true},
			{step + 2, false},
		} {
			ok, err := s.UseTOTPStep(ctx, u.ID, tc.step)
			if err != nil || ok != tc.want {
				t.Errorf("UseTOTPStep(%d) = %v, %v; want %v", tc.step, ok, err, tc.want)
			}
		}
		if got := mustByID(t, s, u.ID).TOTPLastStep; got != step+3 {
			t.Errorf("TOTPLastStep = %d, want %d", got, step+3)
		}

		// A new enrolment starts the replay window afresh.
		if err := s.SetTOTP(ctx, u.ID, "KRSXG5CTMVRXEZLU"); err != nil {
			t.Fatal(err)
		}
		if got := mustByID(t, s, u.ID).TOTPLastStep; got != 0 {
			t.Errorf("TOTPLastStep after SetTOTP = %d, want 0", got)
		}
		if ok, err := s.UseTOTPStep(ctx, u.ID, step); err != nil || !ok {
			t.Errorf("UseTOTPStep(%d) after a new enrolment = %v, %v; want true", step, ok, err)
		}

		if err := s.SetTOTP(ctx, u.ID, ""); err != nil {
			t.Fatal(err)
		}
		if mustByID(t, s, u.ID).HasTOTP() {
			t.Error("HasTOTP after removing the secret")
		}
		if err := s.SetTOTP(ctx, u.ID+100, "JBSWY3DPEHPK3PXP"); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("SetTOTP(unknown) = %v, want ErrNotFound", err)
		}
		if ok, err := s.UseTOTPStep(ctx, u.ID+100, step); ok || err != nil {
			t.Errorf("UseTOTPStep(unknown) = %v, %v; want false, nil", ok, err)
		}
	})
}

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
	// here and there are the masked networks of two clients.
	here  = "192.0.2.0/24"
	there = "2001:db8:1::/48"
)

// lockOut records threshold failures from network at t0 and returns the
// end of the lock.
func lockOut(t *testing.T, s *account.Store, id int64, network string) time.Time {
	t.Helper()
	var until time.Time
	for i := range threshold {
		var err error
		until, err = s.RecordFailure(t.Context(), id, network, threshold, lockFor, t0.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatalf("RecordFailure %d: %v", i+1, err)
		}
	}
	return until
}

func mustLockedFrom(t *testing.T, s *account.Store, id int64, network string, now time.Time) time.Time {
	t.Helper()
	until, err := s.LockedFrom(t.Context(), id, network, now)
	if err != nil {
		t.Fatalf("LockedFrom(%s): %v", network, err)
	}
	return until
}

// TestRecordFailure checks that failures lock the network they come from
// out of the account, and no other network.
func TestRecordFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)

		for i := 1; i < threshold; i++ {
			until, err := s.RecordFailure(ctx, u.ID, here, threshold, lockFor, t0)
			if err != nil {
				t.Fatal(err)
			}
			if !until.IsZero() {
				t.Fatalf("failure %d locked the account until %v", i, until)
			}
			got := mustByID(t, s, u.ID)
			if got.FailedLogins != i || got.Locked(t0) || !mustLockedFrom(t, s, u.ID, here, t0).IsZero() {
				t.Fatalf("after failure %d: FailedLogins %d, Locked %v", i, got.FailedLogins, got.Locked(t0))
			}
		}

		now := t0.Add(time.Minute)
		until, err := s.RecordFailure(ctx, u.ID, here, threshold, lockFor, now)
		if err != nil {
			t.Fatal(err)
		}
		if !until.Equal(now.Add(lockFor)) {
			t.Fatalf("failure %d: locked until %v, want %v", threshold, until, now.Add(lockFor))
		}
		for _, tc := range []struct {
			network string
			at      time.Time
			want    bool
		}{
			{here, now, true},
			{here, until.Add(-time.Microsecond), true},
			{here, until, false},
			{here, until.Add(time.Second), false},
			{there, now, false},
		} {
			if got := mustLockedFrom(t, s, u.ID, tc.network, tc.at); got.IsZero() == tc.want || (tc.want && !got.Equal(until)) {
				t.Errorf("LockedFrom(%s, %v) = %v, want locked %v", tc.network, tc.at, got, tc.want)
			}
		}
		// Owners see that some network is locked out, and until when.
		if got := mustByID(t, s, u.ID); !got.LockedUntil.Equal(until) || !got.Locked(now) {
			t.Errorf("LockedUntil = %v, want %v", got.LockedUntil, until)
		}

		// After the lock ends, a failure counts from one again.
		for i := 1; i < threshold; i++ {
			if until, err := s.RecordFailure(ctx, u.ID, here, threshold, lockFor, until.Add(time.Second)); err != nil || !until.IsZero() {
				t.Fatalf("failure %d after the lock = %v, %v; want no lock", i, until, err)
			}
		}

		// Failures further apart than the lockout duration never add up.
		for i := range 2 * threshold {
			at := t0.Add(time.Duration(i) * (lockFor + time.Second))
			if until, err := s.RecordFailure(ctx, u.ID, there, threshold, lockFor, at); err != nil || !until.IsZero() {
				t.Fatalf("spaced failure %d = %v, %v; want no lock", i+1, until, err)
			}
		}

		if _, err := s.RecordFailure(ctx, u.ID+100, here, threshold, lockFor, t0); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("RecordFailure(unknown) = %v, want ErrNotFound", err)
		}
	})
}

func TestLockoutCleared(t *testing.T) {
	for _, tc := range []struct {
		name  string
		clear func(t *testing.T, s *account.Store, u account.User, now time.Time) error
		// kept is set when the lock of the other network stays.
		kept bool
	}{
		{"RecordLogin", func(t *testing.T, s *account.Store, u account.User, now time.Time) error {
			return s.RecordLogin(t.Context(), u.ID, here, now)
		}, true},
		{"Unlock", func(t *testing.T, s *account.Store, u account.User, _ time.Time) error {
			return s.Unlock(t.Context(), u.ID)
		}, false},
		{"SetPassword", func(t *testing.T, s *account.Store, u account.User, now time.Time) error {
			return s.SetPassword(t.Context(), u, "a brand new passphrase", now)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				s := newStore(t, db)
				u := mustCreate(t, s, "hanako@example.jp", account.Owner)
				until := lockOut(t, s, u.ID, here)
				other := lockOut(t, s, u.ID, there)
				if !mustByID(t, s, u.ID).Locked(t0) {
					t.Fatalf("not locked after %d failures (until %v)", threshold, until)
				}
				// Failures after the lock, so that there is a count to clear.
				if _, err := s.RecordFailure(t.Context(), u.ID, here, threshold, lockFor, t0); err != nil {
					t.Fatal(err)
				}
				now := t0.Add(time.Minute)
				if err := tc.clear(t, s, u, now); err != nil {
					t.Fatal(err)
				}
				if got := mustLockedFrom(t, s, u.ID, here, now); !got.IsZero() {
					t.Errorf("after %s: locked from %s until %v", tc.name, here, got)
				}
				if got := mustLockedFrom(t, s, u.ID, there, now); got.IsZero() == tc.kept {
					t.Errorf("after %s: lock from %s %v, want kept %v", tc.name, there, got, tc.kept)
				}
				got := mustByID(t, s, u.ID)
				want := time.Time{}
				if tc.kept {
					want = other
				}
				if !got.LockedUntil.Equal(want) || got.FailedLogins != 0 {
					t.Errorf("after %s: LockedUntil %v (want %v), FailedLogins %d", tc.name, got.LockedUntil, want, got.FailedLogins)
				}
				if err := tc.clear(t, s, account.User{ID: u.ID + 100, Email: "x@example.jp"}, now); !errors.Is(err, account.ErrNotFound) {
					t.Errorf("%s(unknown) = %v, want ErrNotFound", tc.name, err)
				}
			})
		})
	}
}

// TestStaleFailures checks that failures are forgotten once they and their
// lock are over, and kept before: a count older than the lockout duration
// would start again anyway, but a lock stays until it ends.
func TestStaleFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		until := lockOut(t, s, u.ID, here)
		if _, err := s.RecordFailure(ctx, u.ID, there, threshold, lockFor, t0); err != nil {
			t.Fatal(err)
		}
		if n, err := s.DeleteStaleFailures(ctx, lockFor, t0.Add(time.Minute)); err != nil || n != 0 {
			t.Errorf("a minute on: deleted %d, %v; want 0", n, err)
		}
		if n, err := s.DeleteStaleFailures(ctx, lockFor, until.Add(-time.Second)); err != nil || n != 1 {
			t.Errorf("late in the lock: deleted %d, %v; want the stale count of %s", n, err, there)
		}
		if got := mustLockedFrom(t, s, u.ID, here, t0.Add(time.Minute)); !got.Equal(until) {
			t.Errorf("the lock after pruning: %v, want %v", got, until)
		}
		if n, err := s.DeleteStaleFailures(ctx, lockFor, until.Add(lockFor+time.Second)); err != nil || n != 1 {
			t.Errorf("after the lock: deleted %d, %v; want the lock of %s", n, err, here)
		}
	})
}

func TestRecordLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		u := mustCreate(t, s, "hanako@example.jp", account.Owner)
		at := t0.Add(90 * time.Minute).Add(123456 * time.Microsecond)
		if err := s.RecordLogin(t.Context(), u.ID, here, at); err != nil {
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

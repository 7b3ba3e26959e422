package account_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store/storetest"
)

// medians times each of fs n times, taking them in turn so that a change
// in the machine's load weighs on all alike, and returns the median time
// of each.
func medians(n int, fs map[string]func()) map[string]time.Duration {
	times := map[string][]time.Duration{}
	for range n {
		for name, f := range fs {
			start := time.Now()
			f()
			times[name] = append(times[name], time.Since(start))
		}
	}
	out := map[string]time.Duration{}
	for name, ts := range times {
		slices.Sort(ts)
		out[name] = ts[n/2]
	}
	return out
}

// TestRefusalsCostAlike checks that every way a password is refused costs
// an argon2 hash: an over-long password for a real account takes as long
// as a wrong one, and as the decoy hash an unknown address pays. The
// hash is made costly enough to dominate, and medians of several tries
// are compared with a generous margin, so a busy machine does not fail
// the test while an answer that skips the hash does.
func TestRefusalsCostAlike(t *testing.T) {
	if testing.Short() {
		t.Skip("measures argon2 timings")
	}
	s, err := account.NewStore(storetest.SQLite(t), account.Options{Hash: account.HashParams{Memory: 16 * 1024, Time: 2, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := s.Create(ctx, profile("hanako@example.jp", account.Owner), password, t0)
	if err != nil {
		t.Fatal(err)
	}
	const tries = 9
	long := strings.Repeat("x", 64<<10)
	refusals := map[string]func(){
		"wrong password":         func() { _ = s.CheckPassword(ctx, u, "not the password at all") },
		"over-long password":     func() { _ = s.CheckPassword(ctx, u, long) },
		"over-long right prefix": func() { _ = s.CheckPassword(ctx, u, password+strings.Repeat(" ", 1100)) },
		"decoy":                  func() { s.HashDecoy(ctx, "not the password at all") },
		"over-long decoy":        func() { s.HashDecoy(ctx, long) },
	}
	got := medians(tries, refusals)
	base := got["wrong password"]
	for name, m := range got {
		if ratio := float64(m) / float64(base); ratio < 1.0/3 || ratio > 3 {
			t.Errorf("%s: median %v against %v for a wrong password (ratio %.2f)", name, m, base, ratio)
		}
	}
	for _, p := range []string{long, password + strings.Repeat(" ", 1100)} {
		if err := s.CheckPassword(ctx, u, p); err == nil {
			t.Errorf("a password of %d bytes was accepted", len(p))
		}
	}
}

package verdict

import (
	"testing"
	"time"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/scan/visit"
)

func TestNorenCookie(t *testing.T) {
	m := testManifest(t, "")
	tests := []struct {
		state visit.State
		want  bool // whether the gated tools may run
	}{
		{visit.AcceptAll, true},
		{visit.RejectAll, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.state), func(t *testing.T) {
			v := NorenCookie(m, tt.state, t0)
			st := consent.Evaluate(m, v, t0.Add(time.Hour))
			if !st.Present || st.Expired || st.Stale {
				t.Fatalf("Evaluate(%q) = %+v, want a present, unexpired, current choice", v, st)
			}
			if st.Choice.Version != consent.Version(m) || st.Choice.Policy != m.ShortHash() || !st.Choice.Given.Equal(t0) {
				t.Errorf("choice = %+v", st.Choice)
			}
			for _, id := range []string{"google-analytics", "chat", "widget"} {
				if got := consent.Allowed(m, st, id, false); got != tt.want {
					t.Errorf("Allowed(%s) = %v, want %v", id, got, tt.want)
				}
			}
			if !consent.Allowed(m, st, "noren", false) {
				t.Error("the required tool is refused")
			}
			if again := NorenCookie(m, tt.state, t0); again == v {
				t.Error("two choices share a receipt")
			}
		})
	}
	for _, s := range []visit.State{visit.NoChoice, visit.GPC, "other"} {
		if v := NorenCookie(m, s, t0); v != "" {
			t.Errorf("NorenCookie(%s) = %q, want none", s, v)
		}
	}
	if v := NorenCookie(nil, visit.AcceptAll, t0); v != "" {
		t.Errorf("NorenCookie without a manifest = %q", v)
	}
}

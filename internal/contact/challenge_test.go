package contact

import (
	"strings"
	"testing"
	"time"
)

func TestChallengeTokens(t *testing.T) {
	s := signer{key: testSecret}
	now := time.Now()
	c := newChallenge("contact", now, 10)
	token := s.challengeToken(c)
	for _, tc := range []struct {
		name, token, form string
		at                time.Time
		want              error
	}{
		{"valid", token, "contact", now.Add(time.Minute), nil},
		{"another form", token, "other", now, errWrongForm},
		{"expired", token, "contact", now.Add(challengeTTL + time.Second), errExpiredToken},
		{"altered", strings.Replace(token, ".10.", ".1.", 1), "contact", now, errBadToken},
		{"another key", signer{key: []byte(strings.Repeat("x", 32))}.challengeToken(c), "contact", now, errBadToken},
		{"a wait token", s.waitToken(c, now), "contact", now, errBadToken},
		{"empty", "", "contact", now, errBadToken},
	} {
		_, err := s.parseChallenge(tc.token, tc.form, tc.at, challengeTTL)
		if err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if !solves(token, solve(token, 10), 10) || solves(token, "", 10) || solves(token, "-1", 0) {
		t.Error("solves accepts or refuses the wrong counters")
	}
}

// FuzzParseTokens feeds the token parsers what a client may post: they
// must never panic, and never accept a token this server did not sign.
func FuzzParseTokens(f *testing.F) {
	s := signer{key: testSecret}
	now := time.Unix(1_800_000_000, 0)
	c := challenge{Form: "contact", Issued: now, ID: strings.Repeat("A", 22), Difficulty: 8}
	f.Add(s.challengeToken(c), s.waitToken(c, now), "12")
	f.Add("contact.1.2.3.", "x.1.", "")
	f.Add("....", ".", "99999999999999")
	f.Fuzz(func(t *testing.T, token, wait, counter string) {
		got, err := s.parseChallenge(token, "contact", now, challengeTTL)
		if err == nil && s.challengeToken(got) != token {
			t.Fatalf("accepted %q, which is not what the server signs for %+v", token, got)
		}
		if err == nil {
			if _, err := s.parseWait(wait, got); err == nil && !strings.HasPrefix(wait, got.ID+".") {
				t.Fatalf("accepted wait token %q for challenge %s", wait, got.ID)
			}
		}
		solves(token, counter, 4)
	})
}

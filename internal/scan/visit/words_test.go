package visit

import "testing"

func TestButtonSide(t *testing.T) {
	tests := []struct {
		text string
		want State
	}{
		{"Accept all", AcceptAll},
		{"  ACCEPT   ALL cookies ", AcceptAll},
		{"Allow all", AcceptAll},
		{"I agree", AcceptAll},
		{"すべて同意する", AcceptAll},
		{"全て同意", AcceptAll},
		{"同意する", AcceptAll},
		{"許可", AcceptAll},
		{"Reject all", RejectAll},
		{"Decline", RejectAll},
		{"Deny", RejectAll},
		{"Do not agree", RejectAll},
		{"Don't allow", RejectAll},
		{"すべて拒否", RejectAll},
		{"拒否する", RejectAll},
		{"同意しない", RejectAll},
		{"許可しない", RejectAll},
		{"必須のみ", RejectAll},
		{"Settings", ""},
		{"設定", ""},
		{"", ""},
		{"By clicking accept all you agree to the use of cookies on this site", ""}, // a sentence, not a label
	}
	for _, tt := range tests {
		if got, _ := buttonSide(tt.text); got != tt.want {
			t.Errorf("buttonSide(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestPickButton(t *testing.T) {
	tests := []struct {
		name  string
		state State
		texts []string
		want  int
	}{
		{"exact label before one with more words", AcceptAll, []string{"Privacy", "Accept only selected", "Accept"}, 2},
		{"the shorter of two labels", AcceptAll, []string{"Accept all cookies and continue", "Accept all cookies"}, 1},
		{"reject among both", RejectAll, []string{"すべて同意", "すべて拒否", "設定"}, 1},
		{"accept among both", AcceptAll, []string{"すべて拒否", "すべて同意"}, 1},
		{"none", RejectAll, []string{"Accept all", "Settings"}, -1},
		{"no buttons", AcceptAll, nil, -1},
		{"no choice to make", NoChoice, []string{"Accept all"}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pickButton(tt.state, tt.texts); got != tt.want {
				t.Errorf("pickButton(%s, %q) = %d, want %d", tt.state, tt.texts, got, tt.want)
			}
		})
	}
}

func TestChooseButton(t *testing.T) {
	found := []button{{Text: "Accept all"}, {Text: "OK", Selector: "#onetrust-accept-btn-handler"}}
	if got := chooseButton(AcceptAll, found); got != 1 {
		t.Errorf("chooseButton = %d, want the known banner's button 1", got)
	}
	if got := chooseButton(AcceptAll, found[:1]); got != 0 {
		t.Errorf("chooseButton without a known banner = %d, want 0", got)
	}
}

func TestSelectorsFor(t *testing.T) {
	if got := selectorsFor(AcceptAll); len(got) != len(bannerSelectors) || got[0] != ".noren-banner .noren-btns button:nth-child(1)" {
		t.Errorf("selectorsFor(AcceptAll) = %q", got)
	}
	if got := selectorsFor(RejectAll); got[0] != ".noren-banner .noren-btns button:nth-child(2)" {
		t.Errorf("selectorsFor(RejectAll) = %q", got)
	}
	if got := selectorsFor(GPC); len(got) != 0 {
		t.Errorf("selectorsFor(GPC) = %q, want none", got)
	}
}

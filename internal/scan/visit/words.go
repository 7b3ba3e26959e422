package visit

import (
	"strings"
	"unicode/utf8"
)

// bannerSelectors are the buttons of known consent banners, tried before
// any button's text: Noren's own first, then common consent tools. Each
// names the accept-all and the reject-all button.
var bannerSelectors = []struct {
	tool, accept, reject string
}{
	{"noren", ".noren-banner .noren-btns button:nth-child(1)", ".noren-banner .noren-btns button:nth-child(2)"},
	{"onetrust", "#onetrust-accept-btn-handler", "#onetrust-reject-all-handler"},
	{"cookiebot", "#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll", "#CybotCookiebotDialogBodyButtonDecline"},
	{"klaro", ".klaro .cm-btn-accept-all", ".klaro .cm-btn-decline"},
	{"complianz", ".cmplz-btn.cmplz-accept", ".cmplz-btn.cmplz-deny"},
	{"cookieyes", ".cky-btn-accept", ".cky-btn-reject"},
	{"didomi", "#didomi-notice-agree-button", "#didomi-notice-disagree-button"},
}

// selectorsFor lists the known banners' buttons for state s, in order.
func selectorsFor(s State) []string {
	var out []string
	for _, b := range bannerSelectors {
		switch s {
		case AcceptAll:
			out = append(out, b.accept)
		case RejectAll:
			out = append(out, b.reject)
		}
	}
	return out
}

// Words of buttons that accept or refuse everything, in ja and en, most
// specific first. A text may hold words of both lists ("許可しない" holds
// "許可"): the longer word decides.
var (
	acceptWords = []string{
		"すべてに同意", "全てに同意", "すべて同意", "全て同意", "すべて許可", "全て許可", "同意する", "同意します", "許可する", "許可",
		"accept all cookies", "accept all", "allow all cookies", "allow all", "i agree", "i accept", "agree", "accept", "allow",
	}
	rejectWords = []string{
		"すべて拒否", "全て拒否", "すべてを拒否", "拒否する", "拒否します", "拒否", "同意しない", "同意しません", "許可しない", "必須のみ", "必要なもののみ",
		"reject all cookies", "reject all", "decline all", "deny all", "refuse all", "only necessary", "necessary only",
		"do not allow", "don't allow", "do not agree", "reject", "decline", "deny", "refuse",
	}
)

// maxButtonText is the longest text read as a button's label: a longer
// one is a paragraph that merely mentions the words.
const maxButtonText = 40

// normalText folds a button's text for matching: lower case, runs of
// space as one, no space at either end.
func normalText(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// longestWord returns the length in bytes of the longest of words that t
// holds, and whether t is exactly one of them.
func longestWord(t string, words []string) (n int, exact bool) {
	for _, w := range words {
		if t == w {
			return len(w), true
		}
		if strings.Contains(t, w) && len(w) > n {
			n = len(w)
		}
	}
	return n, false
}

// buttonSide tells whether a button's text accepts (AcceptAll) or refuses
// (RejectAll) everything, or neither (""), and how good a match it is:
// lower is better.
func buttonSide(text string) (State, int) {
	t := normalText(text)
	if t == "" || utf8.RuneCountInString(t) > maxButtonText {
		return "", 0
	}
	a, aExact := longestWord(t, acceptWords)
	r, rExact := longestWord(t, rejectWords)
	switch {
	case a == 0 && r == 0, a == r:
		return "", 0
	case a > r:
		return AcceptAll, rank(t, a, aExact)
	default:
		return RejectAll, rank(t, r, rExact)
	}
}

// rank orders matches: an exact label first, then the text with the least
// besides the word.
func rank(t string, word int, exact bool) int {
	if exact {
		return 0
	}
	return 1 + len(t) - word
}

// pickButton returns the index of the button among texts that best makes
// the choice of state s, or -1.
func pickButton(s State, texts []string) int {
	best, bestRank := -1, 0
	for i, t := range texts {
		side, r := buttonSide(t)
		if side != s {
			continue
		}
		if best < 0 || r < bestRank {
			best, bestRank = i, r
		}
	}
	return best
}

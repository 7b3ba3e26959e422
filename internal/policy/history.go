package policy

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/policy/diff"
)

// diffContext is how many unchanged lines the history shows around each
// change.
const diffContext = 3

// historyView is what history.html reads.
type historyView struct {
	Layout
	// Privacy and Cookies are the addresses of the documents in force.
	Privacy, Cookies string
	Versions         []versionRow
	// Changes compare each version with the one before it, newest first.
	Changes []changeView
}

type versionRow struct {
	Anchor         string
	Label          string
	Effective      string
	FirstServed    string // "" for the version in force when it is not recorded yet
	FirstServedISO string
	Current        bool
}

type changeView struct {
	Anchor   string
	From, To string
	Summary  string
	Added    int
	Removed  int
	// Missing is set when either version has no text in the page's
	// language, so there is nothing to compare.
	Missing bool
	// Open shows the newest change unfolded.
	Open  bool
	Hunks []hunkView
}

type hunkView struct {
	Old, New lineRange
	Lines    []lineView
}

// lineRange is where a hunk sits in one version: Count lines from Start,
// or, when Count is 0, after line Start (0 for the beginning).
type lineRange struct {
	Start, End, Count int
}

type lineView struct {
	Kind string // "ins", "del" or "ctx"
	Text string
}

// historyPage renders the history of m's policy in lang from the recorded
// versions, newest first. The manifest in force heads the list even when
// it has not been recorded, so the page never hides the current version.
func (r *renderer) historyPage(m *manifest.Manifest, lang string, versions []Version) ([]byte, error) {
	current := false
	for _, v := range versions {
		if v.Hash == m.Hash() {
			current = true
			break
		}
	}
	if !current {
		text, err := r.recordText(m, lang)
		if err != nil {
			return nil, err
		}
		v := Version{Hash: m.Hash(), Version: m.Policy.Version, Effective: m.Policy.Effective.String()}
		if lang == "ja" {
			v.PolicyJA = text
		} else {
			v.PolicyEN = text
		}
		canon, err := m.Canonical()
		if err != nil {
			return nil, fmt.Errorf("policy: history: %w", err)
		}
		v.Manifest = string(canon)
		versions = append([]Version{v}, versions...)
	}

	h := historyView{
		Layout:  newLayoutView(m, lang, historyPage),
		Privacy: privacyPage.path(lang),
		Cookies: cookiesPage.path(lang),
	}
	for _, v := range versions {
		row := versionRow{
			Anchor:    "version-" + shortHash(v.Hash),
			Label:     v.Label(),
			Effective: v.Effective,
			Current:   v.Hash == m.Hash(),
		}
		if d, err := time.Parse(time.DateOnly, v.Effective); err == nil {
			row.Effective = formatDate(lang, d)
		}
		if !v.FirstServed.IsZero() {
			row.FirstServed = formatInstant(lang, v.FirstServed)
			row.FirstServedISO = v.FirstServed.UTC().Format(time.RFC3339)
		}
		h.Versions = append(h.Versions, row)
	}
	for i := 0; i+1 < len(versions); i++ {
		h.Changes = append(h.Changes, compareVersions(versions[i+1], versions[i], lang, i == 0))
	}

	var out bytes.Buffer
	if err := r.history.ExecuteTemplate(&out, "layout", h); err != nil {
		return nil, fmt.Errorf("policy: render history page in %s: %w", lang, err)
	}
	return out.Bytes(), nil
}

// compareVersions describes what changed in lang from old to new.
func compareVersions(old, new Version, lang string, open bool) changeView {
	c := changeView{
		Anchor:  "changes-" + shortHash(new.Hash),
		From:    old.Label(),
		To:      new.Label(),
		Summary: new.changes(lang),
		Open:    open,
	}
	a, b := old.Policy(lang), new.Policy(lang)
	if a == "" || b == "" {
		c.Missing = true
		return c
	}
	edits := diff.Lines(splitLines(a), splitLines(b))
	for _, e := range edits {
		switch e.Op {
		case diff.Insert:
			c.Added++
		case diff.Delete:
			c.Removed++
		}
	}
	for _, hk := range diff.Hunks(edits, diffContext) {
		hv := hunkView{
			Old: lineRange{Start: hk.OldStart, End: hk.OldStart + hk.OldLines - 1, Count: hk.OldLines},
			New: lineRange{Start: hk.NewStart, End: hk.NewStart + hk.NewLines - 1, Count: hk.NewLines},
		}
		for _, e := range hk.Edits {
			kind := "ctx"
			switch e.Op {
			case diff.Insert:
				kind = "ins"
			case diff.Delete:
				kind = "del"
			}
			hv.Lines = append(hv.Lines, lineView{Kind: kind, Text: e.Text})
		}
		c.Hunks = append(c.Hunks, hv)
	}
	return c
}

func splitLines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

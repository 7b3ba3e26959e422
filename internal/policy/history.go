package policy

import (
	"bytes"
	"fmt"
	"html/template"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/policy/diff"
	"github.com/noren-web/noren/internal/timefmt"
)

// diffContext is how many unchanged passages the history shows around
// each change.
const diffContext = 1

// historyView is what history.html reads.
type historyView struct {
	page.Layout
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
	// Section is the heading the hunk's first change sits under, "" for
	// a change before the first heading.
	Section string
	Lines   []lineView
}

type lineView struct {
	Kind string // "ins", "del" or "ctx"
	HTML template.HTML
}

// historyPage renders the history of m's policy in lang from the recorded
// versions, newest first, with their times in loc. The manifest in force
// heads the list even when it has not been recorded, so the page never
// hides the current version.
func (r *renderer) historyPage(m *manifest.Manifest, lang string, versions []Version, loc *time.Location) ([]byte, error) {
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
		Layout:  page.History.Layout(m, lang),
		Privacy: page.Privacy.Path(lang),
		Cookies: page.Cookies.Path(lang),
	}
	for _, v := range versions {
		row := versionRow{
			Anchor:    "version-" + shortHash(v.Hash),
			Label:     v.Label(),
			Effective: v.Effective,
			Current:   v.Hash == m.Hash(),
		}
		if d, err := time.Parse(time.DateOnly, v.Effective); err == nil {
			row.Effective = formatDate(lang, d, m.Policy.EraDates)
		}
		if !v.FirstServed.IsZero() {
			row.FirstServed = timefmt.Instant(lang, v.FirstServed, loc)
			row.FirstServedISO = v.FirstServed.UTC().Format(time.RFC3339)
		}
		h.Versions = append(h.Versions, row)
	}
	for i := 0; i+1 < len(versions); i++ {
		h.Changes = append(h.Changes, compareVersions(versions[i+1], versions[i], lang, i == 0))
	}

	var out bytes.Buffer
	if err := r.history.Execute(&out, h); err != nil {
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
	pa, pb := passages(a), passages(b)
	edits := diff.Lines(passageKeys(pa), passageKeys(pb))
	for _, e := range edits {
		switch e.Op {
		case diff.Insert:
			c.Added++
		case diff.Delete:
			c.Removed++
		}
	}
	for _, hk := range diff.Hunks(edits, diffContext) {
		var hv hunkView
		for _, e := range hk.Edits {
			// Old and New number the passages from 1.
			var p passage
			kind := "ctx"
			switch e.Op {
			case diff.Insert:
				p, kind = pb[e.New-1], "ins"
			case diff.Delete:
				p, kind = pa[e.Old-1], "del"
			default:
				p = pb[e.New-1]
			}
			if kind != "ctx" && hv.Section == "" {
				hv.Section = p.section
			}
			hv.Lines = append(hv.Lines, lineView{Kind: kind, HTML: p.html})
		}
		c.Hunks = append(c.Hunks, hv)
	}
	return c
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

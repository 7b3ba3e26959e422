package report

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/scan/visit"
	"github.com/noren-web/noren/internal/timefmt"
)

// reportLangs are the languages of the HTML report, in the order it shows
// them.
var reportLangs = []i18n.Lang{i18n.Japanese, i18n.English}

// document is what report.html reads: the whole report once per language.
type document struct {
	Title    string
	Sections []section
}

// section is the whole report in one language. Its IDs start with the
// language, so that the two sections' anchors never collide.
type section struct {
	Lang      i18n.Lang
	URL       string
	When      string
	Duration  string
	Pages     int
	Truncated bool
	Browser   string
	Version   string
	Manifest  string
	CookieDB  string
	Schema    string
	Verdict   string
	// VerdictClass is the verdict's look: clean, warnings or violations.
	VerdictClass string
	Unreached    bool
	States       []stateRow
	Groups       []group
	Inventories  []inventory
	// Observed is false for a report stored without its observations.
	Observed bool
}

// stateRow is one state in the table of states.
type stateRow struct {
	Title, Help string
	Reached     bool
	Note        string
	Choice      string
	Pages       int
	Errors      int
	Cookies     int
	Storage     int
	Recipients  int
}

// group is the findings of one severity.
type group struct {
	ID       string
	Severity verdict.Severity
	Heading  string
	Findings []finding
}

// finding is one finding as the report shows it.
type finding struct {
	ID            string
	Title, Help   string
	Severity      verdict.Severity
	SeverityTitle string
	Subject       string
	SubjectKind   string
	Domain        string
	Tool          string
	Category      string
	DB            *dbEntry
	// DeclaredLabel and SeenLabel name what Declared and Seen are: two
	// lifetimes, or two categories.
	DeclaredLabel, Declared string
	SeenLabel, Seen         string
	States                  string
	Evidence                []evidenceRow
	ShowRequest             bool
	ShowExpires             bool
	More                    string
}

// dbEntry is what the cookie database says of a finding's subject.
type dbEntry struct {
	Platform, Category, Controller string
}

// evidenceRow is one place a finding's subject was seen.
type evidenceRow struct {
	Page, State, Request, Initiator, Expires string
}

// build turns r into the document report.html renders, with times in loc.
func build(r *verdict.Report, loc *time.Location) document {
	doc := document{Title: i18n.T(i18n.Japanese, "scan.report.title") + " / " + i18n.T(i18n.English, "scan.report.title")}
	for _, lang := range reportLangs {
		doc.Sections = append(doc.Sections, buildSection(lang, r, loc))
	}
	return doc
}

func buildSection(lang i18n.Lang, r *verdict.Report, loc *time.Location) section {
	s := section{
		Lang:      lang,
		URL:       r.URL,
		When:      timefmt.Instant(string(lang), r.Started, loc),
		Pages:     len(r.Pages),
		Truncated: r.Truncated,
		Version:   r.Version,
		Manifest:  r.Manifest,
		CookieDB:  r.CookieDB,
		Schema:    r.Schema,
		Observed:  r.Observations != nil,
	}
	if !r.Started.IsZero() && r.Finished.After(r.Started) {
		s.Duration = i18n.T(lang, "scan.report.seconds", int(r.Finished.Sub(r.Started).Round(time.Second)/time.Second))
	}
	if r.Observations != nil {
		s.Browser = r.Observations.Browser
	}
	for _, st := range r.States {
		s.Unreached = s.Unreached || !st.Reached
	}
	// A scan that could not reach a state proves nothing of it, so it
	// does not look clean even without a finding.
	switch {
	case r.Violations > 0:
		s.VerdictClass = "violations"
	case r.Warnings > 0 || s.Unreached:
		s.VerdictClass = "warnings"
	default:
		s.VerdictClass = "clean"
	}
	if r.Violations == 0 && r.Warnings == 0 {
		s.Verdict = i18n.T(lang, "scan.report.clean")
	} else {
		s.Verdict = i18n.T(lang, "scan.report.counts",
			count(lang, "scan.report.violations_count", r.Violations),
			count(lang, "scan.report.warnings_count", r.Warnings))
	}
	for _, st := range r.States {
		s.States = append(s.States, stateRow{
			Title:      stateTitle(lang, st.State),
			Help:       known(lang, "scan.state."+string(st.State)+".help", ""),
			Reached:    st.Reached,
			Note:       st.Note,
			Choice:     choice(lang, st.Choice, st.Button),
			Pages:      st.Pages,
			Errors:     st.Errors,
			Cookies:    st.Cookies,
			Storage:    st.Storage,
			Recipients: st.Recipients,
		})
	}
	s.Groups = groups(lang, r, loc)
	if r.Observations != nil {
		s.Inventories = inventories(lang, r.Observations, loc)
	}
	return s
}

// groups sorts the findings by severity, violations first, keeping the
// report's order within each.
func groups(lang i18n.Lang, r *verdict.Report, loc *time.Location) []group {
	var out []group
	n := 0
	for _, sev := range []verdict.Severity{verdict.Violation, verdict.Warning} {
		g := group{ID: fmt.Sprintf("%s-%s", lang, sev), Severity: sev}
		for _, f := range r.Findings {
			if f.Severity != sev {
				continue
			}
			n++
			g.Findings = append(g.Findings, buildFinding(lang, f, fmt.Sprintf("%s-finding-%d", lang, n), r.URL, loc))
		}
		if len(g.Findings) > 0 {
			g.Heading = i18n.T(lang, "scan.report.severity_heading", i18n.T(lang, "scan.severity."+string(sev)), len(g.Findings))
			out = append(out, g)
		}
	}
	return out
}

func buildFinding(lang i18n.Lang, f verdict.Finding, id, start string, loc *time.Location) finding {
	v := finding{
		ID:            id,
		Title:         i18n.T(lang, "scan.kind."+string(f.Kind)),
		Help:          i18n.T(lang, "scan.kind."+string(f.Kind)+".help"),
		Severity:      f.Severity,
		SeverityTitle: i18n.T(lang, "scan.severity."+string(f.Severity)),
		Subject:       f.Subject,
		SubjectKind:   subjectKind(lang, f.SubjectKind),
		Domain:        f.Domain,
		Tool:          f.Tool,
		Category:      f.Category,
		ShowExpires:   f.SubjectKind == verdict.SubjectCookie,
	}
	if e := f.Database; e != nil {
		v.DB = &dbEntry{Platform: e.Platform, Category: dbCategory(lang, e.Category), Controller: e.Controller}
	}
	switch f.Kind {
	case verdict.CategoryConflict:
		// The manifest's category is already shown as the finding's.
		if f.Declared != f.Category {
			v.DeclaredLabel, v.Declared = i18n.T(lang, "scan.report.declared_category"), f.Declared
		}
		v.SeenLabel, v.Seen = i18n.T(lang, "scan.report.seen_category"), dbCategory(lang, f.Seen)
	default:
		v.DeclaredLabel, v.Declared = i18n.T(lang, "scan.report.declared_lifetime"), span(lang, f.Declared)
		v.SeenLabel, v.Seen = i18n.T(lang, "scan.report.seen_lifetime"), span(lang, f.Seen)
	}
	states := make([]string, len(f.States))
	for i, st := range f.States {
		states[i] = stateTitle(lang, st)
	}
	v.States = strings.Join(states, i18n.T(lang, "scan.report.separator"))
	base, _ := url.Parse(start)
	for _, e := range f.Evidence {
		row := evidenceRow{
			Page:      shortURL(base, e.Page),
			State:     stateTitle(lang, e.State),
			Request:   e.Request,
			Initiator: e.Initiator,
		}
		if v.ShowExpires {
			row.Expires = expires(lang, e.Expires, loc)
		}
		v.ShowRequest = v.ShowRequest || e.Request != ""
		v.Evidence = append(v.Evidence, row)
	}
	if more := f.EvidenceTotal - len(f.Evidence); more > 0 {
		v.More = i18n.T(lang, "scan.report.more", more)
	}
	return v
}

// stateTitle names a state, or gives its identifier back for a state this
// version does not know.
func stateTitle(lang i18n.Lang, s visit.State) string {
	return known(lang, "scan.state."+string(s), string(s))
}

func subjectKind(lang i18n.Lang, kind string) string {
	return known(lang, "scan.subject."+kind, kind)
}

// dbCategory translates the cookie database's category where the
// catalogue knows it; the database is free to grow new ones.
func dbCategory(lang i18n.Lang, c string) string {
	return known(lang, "scan.dbcategory."+strings.ToLower(c), c)
}

// known is the text of key, or fallback when the catalogue lacks the key.
func known(lang i18n.Lang, key, fallback string) string {
	if i18n.Default().Has(key) {
		return i18n.T(lang, key)
	}
	return fallback
}

// choice says how a state's choice was made.
func choice(lang i18n.Lang, how, button string) string {
	switch how {
	case visit.ChoiceBanner:
		if button == "" {
			return i18n.T(lang, "scan.choice.banner_unnamed")
		}
		return i18n.T(lang, "scan.choice.banner", button)
	case visit.ChoiceNorenCookie:
		return i18n.T(lang, "scan.choice.noren-cookie")
	case visit.ChoiceNone:
		return i18n.T(lang, "scan.choice.none")
	}
	return how
}

// expires writes a cookie's expiry, or says it is a session cookie.
func expires(lang i18n.Lang, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return i18n.T(lang, "scan.report.session")
	}
	return timefmt.Instant(string(lang), t, loc)
}

// shortURL writes a page of the scanned site as its path and query, which
// is all that tells its pages apart; a page elsewhere keeps its whole URL.
func shortURL(base *url.URL, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || base == nil || u.Scheme != base.Scheme || u.Host != base.Host {
		return raw
	}
	return u.RequestURI()
}

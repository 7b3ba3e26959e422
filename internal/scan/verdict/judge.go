package verdict

import (
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan/cookiedb"
	"github.com/noren-web/noren/internal/scan/visit"
)

// Input is what Judge judges.
type Input struct {
	// Manifest is the privacy manifest the site publishes; nil judges
	// without one, by the cookie database alone.
	Manifest *manifest.Manifest
	// DB is the cookie database, nil for none.
	DB *cookiedb.DB
	// Result is what the browser saw.
	Result *visit.Result
	// Pages are the URLs the crawl found, in order; nil takes them from
	// Result.
	Pages []string
	// Truncated says the crawl stopped at its page or depth limit.
	Truncated bool
	// Version is the version of Noren that scanned.
	Version string
}

// Judge judges what the browser saw against the manifest and the cookie
// database. With a manifest, every cookie, storage key and recipient must
// be declared by a tool, and may only be seen in a state where that tool
// may run; declared tools must show up; declared lifetimes must hold.
// Without one, what the database files as analytics, marketing or
// personalisation must wait for consent. States that were not reached
// contribute nothing. The outcome is the same for the same input.
func Judge(in Input) *Report {
	res := in.Result
	if res == nil {
		res = &visit.Result{}
	}
	r := &Report{
		Schema:       Schema,
		Version:      in.Version,
		URL:          res.Start,
		Started:      res.Started,
		Finished:     res.Finished,
		Pages:        in.Pages,
		Truncated:    in.Truncated,
		Findings:     []Finding{},
		Observations: in.Result,
	}
	if r.Pages == nil {
		r.Pages = pagesOf(res)
	}
	if r.URL == "" && len(r.Pages) > 0 {
		r.URL = r.Pages[0]
	}
	if in.Manifest != nil {
		r.Manifest = in.Manifest.Hash()
	}
	if in.DB != nil {
		// The file's name only: a report is kept and shown, and the
		// folder it was read from is nobody's business.
		r.CookieDB = filepath.Base(in.DB.Name())
	}
	own := urlHost(r.URL)
	r.States = summarise(res, own)
	j := &judge{db: in.DB, obs: observe(res, own), reached: reached(res)}
	if in.Manifest != nil {
		at := res.Started
		if at.IsZero() {
			at = time.Now()
		}
		j.m = in.Manifest
		j.rules = newRules(in.Manifest, at)
		j.withManifest()
	} else {
		j.withoutManifest()
	}
	r.Findings = append(r.Findings, j.findings...)
	sortFindings(r.Findings)
	for _, f := range r.Findings {
		switch f.Severity {
		case Violation:
			r.Violations++
		case Warning:
			r.Warnings++
		}
	}
	return r
}

// judge holds what the rules need while they run.
type judge struct {
	m        *manifest.Manifest
	db       *cookiedb.DB
	rules    *rules
	obs      *observations
	reached  []visit.State
	findings []Finding
}

// withManifest applies the rules of a scan against a manifest.
func (j *judge) withManifest() {
	for _, s := range j.obs.subjects {
		d := declared(j.m, s)
		if d == nil {
			j.undeclared(s)
			continue
		}
		j.unconsented(s, d)
		if s.kind == SubjectCookie {
			j.longerThanDeclared(s, d)
			j.categoryConflict(s, d)
		}
	}
	j.neverSeen()
}

// undeclared reports a subject no tool declares.
func (j *judge) undeclared(s *subject) {
	kind := UndeclaredStorage
	switch s.kind {
	case SubjectCookie:
		kind = UndeclaredCookie
	case SubjectRecipient:
		kind = UndeclaredRecipient
	}
	f := j.finding(kind, Violation, s, s.sightings)
	f.Database = j.lookup(s)
	j.findings = append(j.findings, f)
}

// unconsented reports a declared subject seen in states where what
// declares it may not run.
func (j *judge) unconsented(s *subject, d *declaration) {
	var bad []visit.State
	for _, st := range s.states() {
		if j.rules.known(st) && !j.rules.allowed(d, st) {
			bad = append(bad, st)
		}
	}
	if len(bad) == 0 {
		return
	}
	f := j.finding(Unconsented, Violation, s, s.in(bad))
	f.Tool, f.Category = d.tool.ID, categoryOf(d)
	f.Database = j.lookup(s)
	j.findings = append(j.findings, f)
}

// categoryConflict warns of a cookie the manifest files under a required
// category while the database files it under analytics or marketing.
func (j *judge) categoryConflict(s *subject, d *declaration) {
	cat := j.m.CookieCategory(d.cookie.Category)
	if cat == nil || !cat.Required {
		return
	}
	e := j.lookup(s)
	if e == nil || !(strings.EqualFold(e.Category, "Analytics") || strings.EqualFold(e.Category, "Marketing")) {
		return
	}
	f := j.finding(CategoryConflict, Warning, s, s.sightings)
	f.Tool, f.Category, f.Database = d.tool.ID, cat.ID, e
	f.Declared, f.Seen = cat.ID, e.Category
	j.findings = append(j.findings, f)
}

// neverSeen warns of every tool with hosts, cookies or storage keys of
// which none showed up where the tool may run. A tool that no reached
// state lets run, such as one needing consent when "Accept all" could not
// be pressed, had no chance to show up and is left alone; so are tools
// with nothing to observe, such as first-party code without cookies.
func (j *judge) neverSeen() {
	for i := range j.m.Tools {
		t := &j.m.Tools[i]
		if len(t.Hosts) == 0 && len(t.Cookies) == 0 {
			continue
		}
		chance := false
		for _, st := range j.reached {
			if j.rules.known(st) && j.rules.toolAllowed(t, st) {
				chance = true
				break
			}
		}
		if !chance || toolSeen(t, j.obs) {
			continue
		}
		j.findings = append(j.findings, Finding{
			Kind:        NeverSeen,
			Severity:    Warning,
			Subject:     t.ID,
			SubjectKind: SubjectTool,
			Tool:        t.ID,
			Category:    t.Category,
			Evidence:    []Evidence{},
		})
	}
}

// consentCategories are the database's categories that need consent.
var consentCategories = []string{"Analytics", "Marketing", "Personalization"}

// withoutManifest finds, by the cookie database alone, the cookies and
// storage keys that need consent seen before one was given, and the
// recipients whose scripts set them. Other recipients are only counted.
func (j *judge) withoutManifest() {
	for _, s := range j.obs.subjects {
		e := j.lookup(s)
		if e == nil || !containsFold(consentCategories, e.Category) {
			continue
		}
		var bad []visit.State
		for _, st := range s.states() {
			if st == visit.NoChoice || st == visit.RejectAll || st == visit.GPC {
				bad = append(bad, st)
			}
		}
		if len(bad) == 0 {
			continue
		}
		f := j.finding(Unconsented, Violation, s, s.in(bad))
		f.Database = e
		j.findings = append(j.findings, f)
	}
}

// finding starts a finding on s with the evidence of sightings.
func (j *judge) finding(kind Kind, sev Severity, s *subject, sightings []sighting) Finding {
	f := Finding{
		Kind:          kind,
		Severity:      sev,
		Subject:       s.name,
		SubjectKind:   s.kind,
		Domain:        s.domain,
		EvidenceTotal: len(sightings),
		Evidence:      make([]Evidence, 0, min(len(sightings), MaxEvidence)),
	}
	for _, sg := range sightings {
		if !slices.Contains(f.States, sg.ev.State) {
			f.States = append(f.States, sg.ev.State)
		}
		if len(f.Evidence) < MaxEvidence {
			f.Evidence = append(f.Evidence, sg.ev)
		}
	}
	return f
}

// lookup returns the database's entry for s, nil when it has none. A
// recipient has one when a cookie or storage key the database knows was
// set by a script from that host, or is a third-party cookie of its
// domain.
func (j *judge) lookup(s *subject) *cookiedb.Entry {
	if j.db == nil {
		return nil
	}
	switch s.kind {
	case SubjectRecipient:
		for _, o := range j.obs.subjects {
			if o.kind == SubjectRecipient || !attributed(o, s.name) {
				continue
			}
			if e := j.lookup(o); e != nil {
				return e
			}
		}
		return nil
	case SubjectCookie:
		if e, ok := j.db.Lookup(s.name, s.domain); ok {
			return &e
		}
	default:
		if e, ok := j.db.Lookup(s.name, urlHost(s.domain)); ok {
			return &e
		}
	}
	return nil
}

// attributed reports whether the cookie or storage key o comes from host:
// a script of host set it, or it is a third-party cookie of host's domain.
func attributed(o *subject, host string) bool {
	if o.kind == SubjectCookie && o.thirdParty && covers(o.domain, host) {
		return true
	}
	for _, sg := range o.sightings {
		if sg.ev.Initiator != "" && urlHost(sg.ev.Initiator) == host {
			return true
		}
	}
	return false
}

// categoryOf is the manifest's cookie category of what d declares.
func categoryOf(d *declaration) string {
	if d.cookie != nil && d.cookie.Category != "" {
		return d.cookie.Category
	}
	return d.tool.Category
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

package history

import "github.com/noren-web/noren/internal/scan/verdict"

// FindingKey is what makes two runs' findings the same finding: the same
// kind about the same subject. Severity, states and evidence may change
// while the finding stays.
type FindingKey struct {
	Kind        verdict.Kind
	SubjectKind string
	Subject     string
	Domain      string
}

// KeyOf is the key of f.
func KeyOf(f verdict.Finding) FindingKey {
	return FindingKey{Kind: f.Kind, SubjectKind: f.SubjectKind, Subject: f.Subject, Domain: f.Domain}
}

// Diff is how a run's findings differ from an earlier run's.
type Diff struct {
	// New are the findings of the later run the earlier lacked, and
	// Still those of both, as the later run has them, in its order.
	New, Still []verdict.Finding
	// Resolved are the findings of the earlier run the later lacks, in
	// the earlier run's order.
	Resolved []verdict.Finding
}

// Compare tells the findings of later apart from those of earlier. A nil
// report has no findings.
func Compare(earlier, later *verdict.Report) Diff {
	before := keys(earlier)
	after := keys(later)
	var d Diff
	for _, f := range findings(later) {
		if before[KeyOf(f)] {
			d.Still = append(d.Still, f)
		} else {
			d.New = append(d.New, f)
		}
	}
	for _, f := range findings(earlier) {
		if !after[KeyOf(f)] {
			d.Resolved = append(d.Resolved, f)
		}
	}
	return d
}

func findings(r *verdict.Report) []verdict.Finding {
	if r == nil {
		return nil
	}
	return r.Findings
}

func keys(r *verdict.Report) map[FindingKey]bool {
	out := map[FindingKey]bool{}
	for _, f := range findings(r) {
		out[KeyOf(f)] = true
	}
	return out
}

package history

import (
	"encoding/json"
	"fmt"

	"github.com/noren-web/noren/internal/scan/verdict"
)

// Bounds of a stored report. The observations, every cookie, key and
// request of every page in every state, can grow with the site; the
// findings with their evidence are what the console shows, and are kept.
const (
	// maxObservations is the largest report kept whole, observations
	// included.
	maxObservations = 2 << 20
	// maxReport is the largest report kept at all; past it the evidence
	// of each finding is cut to keptEvidence, then findings are dropped.
	maxReport    = 8 << 20
	keptEvidence = 3
)

// boundReport encodes r for storage within the bounds above, and says in
// the report's state notes what it left out.
func boundReport(r *verdict.Report) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode scan report of %s: %w", r.URL, err)
	}
	if len(b) <= maxObservations {
		return b, nil
	}
	cut := *r
	cut.States = append([]verdict.StateSummary(nil), r.States...)
	if cut.Observations != nil {
		cut.Observations = nil
		note(&cut, fmt.Sprintf("observations not kept: the report took %d bytes, over %d", len(b), maxObservations))
	}
	if b, err = json.Marshal(&cut); err != nil || len(b) <= maxReport {
		return b, wrapEncode(r, err)
	}
	cut.Findings = append([]verdict.Finding(nil), cut.Findings...)
	for i := range cut.Findings {
		if len(cut.Findings[i].Evidence) > keptEvidence {
			cut.Findings[i].Evidence = cut.Findings[i].Evidence[:keptEvidence]
		}
	}
	note(&cut, fmt.Sprintf("evidence cut to %d places a finding", keptEvidence))
	total := len(cut.Findings)
	for {
		if b, err = json.Marshal(&cut); err != nil {
			return nil, wrapEncode(r, err)
		}
		if len(b) <= maxReport || len(cut.Findings) == 0 {
			break
		}
		cut.Findings = cut.Findings[:len(cut.Findings)/2]
	}
	if len(cut.Findings) < total {
		note(&cut, fmt.Sprintf("findings cut to the first %d of %d", len(cut.Findings), total))
		b, err = json.Marshal(&cut)
	}
	return b, wrapEncode(r, err)
}

// note adds text to every state's note.
func note(r *verdict.Report, text string) {
	for i := range r.States {
		if r.States[i].Note != "" {
			r.States[i].Note += "; "
		}
		r.States[i].Note += text
	}
}

func wrapEncode(r *verdict.Report, err error) error {
	if err != nil {
		return fmt.Errorf("encode scan report of %s: %w", r.URL, err)
	}
	return nil
}

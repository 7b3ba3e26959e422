package history

import (
	"time"

	"github.com/noren-web/noren/internal/scan/verdict"
)

// What started a run.
const (
	BySchedule = "schedule"
	ByConsole  = "console"
)

// Statuses of a run.
const (
	// StatusOK is a run that produced a report, whatever it found.
	StatusOK = "ok"
	// StatusFailed is a run that produced none; Error says why.
	StatusFailed = "failed"
)

// Run is one scan of the site as the history keeps it.
type Run struct {
	// ID is assigned by Save.
	ID int64
	// Started and Finished bound the run, in UTC.
	Started, Finished time.Time
	// URL is where the scan started.
	URL string
	// StartedBy is BySchedule or ByConsole.
	StartedBy string
	// Status is StatusOK or StatusFailed, and Error the failure's text.
	Status string
	Error  string
	// Pages, Violations and Warnings are the report's counts.
	Pages, Violations, Warnings int
	// Clean is the report's Clean(): no violation, every state reached.
	Clean bool
	// ManifestHash is the hash of the manifest the run was judged
	// against.
	ManifestHash string
	// Report is the run's report, as bounded by Save; nil for a failed
	// run, and in what List and Latest return.
	Report *verdict.Report
}

// Failed is the run of a scan that produced no report.
func Failed(started, finished time.Time, url, by, manifestHash string, err error) Run {
	return Run{Started: started, Finished: finished, URL: url, StartedBy: by, Status: StatusFailed,
		Error: err.Error(), ManifestHash: manifestHash}
}

// Completed is the run of a scan that produced r.
func Completed(started, finished time.Time, by string, r *verdict.Report) Run {
	return Run{Started: started, Finished: finished, URL: r.URL, StartedBy: by, Status: StatusOK,
		Pages: len(r.Pages), Violations: r.Violations, Warnings: r.Warnings, Clean: r.Clean(),
		ManifestHash: r.Manifest, Report: r}
}

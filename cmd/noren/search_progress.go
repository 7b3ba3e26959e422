package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/search"
)

// progressBar reports an indexing run as it goes: on a terminal a bar
// redrawn in place, with pages done of the total, the rate and the time
// left; elsewhere (a log file, a pipe) a plain line every interval, which
// stays readable where carriage returns do not.
type progressBar struct {
	w        io.Writer
	terminal bool
	// total is the number of documents expected, for a run that does not
	// know it until it ends; 0 when unknown.
	total int
	// interval is how often a line is written in plain mode, or the bar
	// redrawn on a terminal.
	interval time.Duration
	now      func() time.Time
	last     time.Time
	// drawn is the width of the bar last drawn, to blank what a shorter
	// one leaves over.
	drawn int
}

// Intervals of the two modes: a terminal follows closely, a log gets a
// line now and then.
const (
	terminalInterval = 100 * time.Millisecond
	plainInterval    = 5 * time.Second
)

// barWidth is the number of cells of the bar itself.
const barWidth = 30

// newProgressBar reports to w, as a bar when w is a terminal.
func newProgressBar(w io.Writer) *progressBar {
	p := &progressBar{w: w, terminal: isTerminal(w), interval: plainInterval, now: time.Now}
	if p.terminal {
		p.interval = terminalInterval
	}
	return p
}

// isTerminal reports whether w is a character device: a terminal rather
// than a file or a pipe.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// update reports pr, unless the last report is more recent than the
// interval.
func (p *progressBar) update(pr search.Progress) {
	now := p.now()
	if !p.last.IsZero() && now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	if pr.Total == 0 {
		pr.Total = max(p.total, done(pr))
		if p.total == 0 {
			pr.Total = 0
		}
	}
	line := progressLine(pr, now)
	if !p.terminal {
		fmt.Fprintln(p.w, line)
		return
	}
	line = bar(pr) + " " + line
	pad := max(0, p.drawn-len(line))
	p.drawn = len(line)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
}

// finish ends the bar's line on a terminal, so that what follows starts
// on a line of its own.
func (p *progressBar) finish() {
	if p.terminal && p.drawn > 0 {
		fmt.Fprintln(p.w)
		p.drawn = 0
	}
}

// done counts the documents a run has dealt with, read or not.
func done(pr search.Progress) int { return pr.Indexed + pr.Skipped + pr.Failed }

// progressLine says how far pr is at now: pages done of the total, the
// rate and the time left, once they are known.
func progressLine(pr search.Progress, now time.Time) string {
	n := done(pr)
	var b strings.Builder
	if pr.Total > 0 {
		fmt.Fprintf(&b, "%d/%d pages", n, pr.Total)
	} else {
		fmt.Fprintf(&b, "%d pages", n)
	}
	elapsed := now.Sub(pr.Started)
	if pr.Started.IsZero() || elapsed <= 0 || n == 0 {
		return b.String()
	}
	rate := float64(n) / elapsed.Seconds()
	fmt.Fprintf(&b, ", %.0f pages/s", rate)
	if pr.Total > n && rate > 0 {
		left := time.Duration(float64(pr.Total-n) / rate * float64(time.Second))
		fmt.Fprintf(&b, ", ETA %s", left.Round(time.Second))
	}
	if pr.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", pr.Failed)
	}
	return b.String()
}

// bar draws the share of pr done, or an empty bar while the total is
// unknown.
func bar(pr search.Progress) string {
	filled := 0
	if pr.Total > 0 {
		filled = min(barWidth, done(pr)*barWidth/pr.Total)
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", barWidth-filled) + "]"
}

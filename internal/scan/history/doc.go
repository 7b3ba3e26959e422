// Package history keeps the scans a server makes of its own site, and
// shows them in the console: the runs, each run's findings with their
// evidence, the findings that appeared, went or stayed between two runs,
// and the owner's button that starts a scan now. Its Verified tells the
// cookie policy whether the latest scan, made against the manifest in
// force, found no violation.
package history

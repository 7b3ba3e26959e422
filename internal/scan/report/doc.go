// Package report writes a scan's report for people and programs: the JSON
// document that docs/scan-report.schema.json describes, and one
// self-contained bilingual HTML page that can be opened from disk or
// attached to mail.
package report

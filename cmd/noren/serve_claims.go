package main

import (
	"fmt"
	"log/slog"

	"github.com/noren-web/noren/internal/accesslog"
	"github.com/noren-web/noren/internal/claims"
	"github.com/noren-web/noren/internal/manifest"
)

// checkClaims checks the manifest's claims against the configuration
// before anything starts. A claim the configuration makes false refuses
// to start, naming its line; the warnings are logged, once.
func (a *app) checkClaims() error {
	findings := claims.Check(a.manifest, a.cfg)
	logManifestWarnings(a.logger, a.manifest)
	logClaimWarnings(a.logger, findings.Warnings())
	if errs := findings.Errors(); len(errs) > 0 {
		return fmt.Errorf("refusing to start: the manifest says what the configuration makes false:\n%w", errs)
	}
	return nil
}

// acceptManifest vets a changed manifest before it replaces the one in
// force: one that says what the configuration makes false is refused, and
// the previous one stays. The warnings of one accepted are logged, once.
func (a *app) acceptManifest(m *manifest.Manifest) error {
	findings := claims.CheckReload(a.current.Get(), m, a.cfg)
	if errs := findings.Errors(); len(errs) > 0 {
		return fmt.Errorf("the manifest says what the configuration makes false:\n%w", errs)
	}
	logManifestWarnings(a.logger, m)
	logClaimWarnings(a.logger, findings.Warnings())
	return nil
}

// logManifestWarnings logs what noren check warns of in the manifest
// itself (mixed spellings, a law cited where it is no basis), which
// fails nothing.
func logManifestWarnings(logger *slog.Logger, m *manifest.Manifest) {
	for _, w := range m.Warnings() {
		logger.Warn("manifest", "at", fmt.Sprintf("%s:%d", w.File, w.Line), "path", w.Path, "warning", w.Message)
	}
}

func logClaimWarnings(logger *slog.Logger, warnings claims.Findings) {
	for _, f := range warnings {
		logger.Warn("manifest claim", "at", f.Position, "path", f.Path, "warning", f.Message)
	}
}

// openAccessLog opens the access log's files when log.access_file is
// set, and returns the logger of its lines; nil leaves the access log
// with the other logs.
func (a *app) openAccessLog() (*slog.Logger, error) {
	if a.cfg.Log.AccessFile == "" {
		return nil, nil
	}
	zone, err := siteLocation(a.cfg)
	if err != nil {
		return nil, err
	}
	files, err := accesslog.Open(a.cfg.Log.AccessFile, accesslog.Options{Location: zone, Logger: a.logger})
	if err != nil {
		return nil, fmt.Errorf("log.access_file: %w", err)
	}
	a.accessLog = files
	a.logger.Info("access log kept in daily files", "files", files.Pattern())
	return a.cfg.AccessLogger(files), nil
}

// pruneAccessLog deletes the access log's files past the retention the
// manifest in force states for the access log.
func (a *app) pruneAccessLog(files *accesslog.Files) error {
	item := claims.AccessLogItem(a.current.Get())
	if item == nil {
		// The claims refuse log.access_file without a declared access
		// log, at start and on reload; nothing states a retention here.
		return nil
	}
	deleted, err := files.Prune(item.Retention)
	if len(deleted) > 0 {
		a.logger.Info("access log files past retention deleted", "files", len(deleted), "retention", item.Retention.String())
	}
	return err
}

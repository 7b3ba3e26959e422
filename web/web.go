// Package web holds the files embedded in the noren binary: HTML templates,
// Noren's own static assets, and the bundled demo site with its manifest.
package web

import "embed"

// Templates holds the server-rendered HTML templates, under templates/.
//
//go:embed templates
var Templates embed.FS

// Static holds Noren's own assets (CSS, scripts, icons), served under /noren/.
//
//go:embed static
var Static embed.FS

// DemoSite holds the bundled demo site, under demo/site/.
//
//go:embed all:demo/site
var DemoSite embed.FS

// DemoManifest is the privacy manifest that describes the demo site.
//
//go:embed demo/manifest.yaml
var DemoManifest []byte

// StarterConfig is the commented noren.yaml that `noren init` writes.
//
//go:embed init/noren.yaml
var StarterConfig []byte

// StarterManifest is the text/template of the neutral manifest that
// `noren init` writes, every fact only the operator knows left as a
// "REPLACE:" placeholder.
//
//go:embed init/manifest.yaml.tmpl
var StarterManifest string

// StarterPage is the page `noren init` puts in a new site's empty public
// folder, so that the site answers before its own files are in place.
//
//go:embed init/public/index.html
var StarterPage []byte

package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/scan"
	"github.com/noren-web/noren/web"
)

// starter is what noren init learns about the new site before it writes
// anything; flags that look at an existing site fill it in.
type starter struct {
	// Languages are the site's languages, the default first.
	Languages []string
	// Effective is the day the first policy version takes effect.
	Effective string
	// Services are the catalogue ids of the third-party services found in
	// the site's pages, each written as a tool with `use:`.
	Services []string
	// Unknown are third-party hosts the pages reach that the catalogue
	// does not know, each written as a tool of placeholders.
	Unknown []starterHost
}

// starterHost is a third-party host of the site the catalogue does not
// know, with the tool id made from it.
type starterHost struct {
	ID, Host string
}

// newStarter is a starter for a site nothing is known about yet.
func newStarter(now time.Time) starter {
	return starter{Languages: []string{"ja", "en"}, Effective: now.Format(time.DateOnly)}
}

// manifest renders the neutral manifest for s.
func (s starter) manifest() ([]byte, error) {
	tmpl, err := template.New("manifest.yaml").Funcs(template.FuncMap{"join": strings.Join}).Parse(web.StarterManifest)
	if err != nil {
		return nil, fmt.Errorf("starter manifest: %w", err)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, s); err != nil {
		return nil, fmt.Errorf("starter manifest: %w", err)
	}
	return b.Bytes(), nil
}

// starterFile is one file noren init writes.
type starterFile struct {
	name string // relative to the site's folder
	data []byte
}

func runInit(ctx context.Context, env *environment, args []string) error {
	flags := newFlags(env, "init", "[DIR]", `Writes a new site's starter files into DIR (default the current folder):
noren.yaml, which serves the folder public/ beside it; manifest.yaml, a neutral
privacy manifest whose "REPLACE:" placeholders the operator fills in; and
public/index.html, a page that stands in until the site's files are there
(only when public/ is empty or missing). Existing files are left alone.`)
	force := flags.Bool("force", false, "overwrite an existing noren.yaml and manifest.yaml (public/ is never touched)")
	siteDir := flags.String("site", "", "serve the existing site in the folder `DIR`, and declare the third-party services and languages its pages show")
	upstream := flags.String("upstream", "", "proxy the existing site at `URL`, and declare the third-party services and languages its pages show")
	maxPages := flags.Int("max-pages", 200, "read at most this many pages of an upstream")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if *siteDir != "" && *upstream != "" {
		flags.Usage()
		return errUsage
	}
	dir := "."
	if flags.NArg() > 1 {
		flags.Usage()
		return errUsage
	}
	if flags.NArg() == 1 {
		dir = flags.Arg(0)
	}
	s := newStarter(time.Now())
	config := web.StarterConfig
	var report *scan.Report
	var err error
	switch {
	case *siteDir != "":
		if report, err = scan.Folder(ctx, *siteDir, scan.FolderOptions{}); err != nil {
			return err
		}
		root, err := configPath(dir, *siteDir)
		if err != nil {
			return err
		}
		config = starterConfigFor("static", root, "")
	case *upstream != "":
		if report, err = scan.Crawl(ctx, *upstream, scan.CrawlOptions{MaxPages: *maxPages}); err != nil {
			return err
		}
		config = starterConfigFor("proxy", "", *upstream)
	}
	if report != nil {
		s.learn(report)
		fmt.Fprintf(env.stdout, "read %d page(s): languages %s; %d known service(s), %d other third-party host(s)\n",
			len(report.Pages), strings.Join(s.Languages, ", "), len(s.Services), len(s.Unknown))
	}
	manifest, err := s.manifest()
	if err != nil {
		return err
	}
	files := []starterFile{
		{"noren.yaml", config},
		{"manifest.yaml", manifest},
	}
	// Check every file first so that a refusal writes nothing at all.
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if _, err := os.Stat(path); err == nil && !*force {
			return fmt.Errorf("%s exists; keep it, or run with -force to overwrite it", path)
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("check %s: %w", path, err)
		}
	}
	public := filepath.Join(dir, "public")
	empty, err := emptyOrMissing(public)
	if err != nil {
		return err
	}
	existing := report != nil
	if existing {
		public = existingSite(*siteDir, *upstream)
	}
	if empty && !existing {
		files = append(files, starterFile{filepath.Join("public", "index.html"), web.StarterPage})
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := writeStarterFile(path, f.data); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "wrote %s\n", path)
	}
	if !empty && !existing {
		fmt.Fprintf(env.stdout, "kept %s as it is\n", public)
	}
	step2 := "Put the site's files in " + public + string(filepath.Separator) + "."
	if existing {
		step2 = "Check that the tools above describe " + public + "; this lists what its pages\n" +
			"    reach that the manifest does not declare:\n" +
			"      noren check --config " + filepath.Join(dir, "noren.yaml") + " " + checkFlag(*siteDir, *upstream)
	}
	fmt.Fprintf(env.stdout, `
Next:
 1. Write the real values in place of every "REPLACE:" in %[1]s; this
    lists those left, and the site will not start while any is:
      noren check %[1]s
 2. %[2]s
 3. Serve the site at http://127.0.0.1:8080/:
      noren serve --config %[3]s
`, filepath.Join(dir, "manifest.yaml"), step2, filepath.Join(dir, "noren.yaml"))
	return nil
}

// existingSite names the existing site noren init was pointed at.
func existingSite(dir, upstream string) string {
	if dir != "" {
		return dir
	}
	return upstream
}

// checkFlag is the noren check flag that reads the same existing site.
func checkFlag(dir, upstream string) string {
	if dir != "" {
		return "--site " + dir
	}
	return "--upstream " + upstream
}

// learn fills in what the pages of an existing site show: the languages of
// their <html lang> and language folders (the root page's first), the
// catalogue's services they reach or whose snippets they carry, and the
// other third-party hosts.
func (s *starter) learn(r *scan.Report) {
	count := map[string]int{}
	rootLang := ""
	for _, p := range r.Pages {
		lang := supportedLanguage(p.Lang)
		if folder, _, ok := strings.Cut(strings.TrimPrefix(p.Path, "/"), "/"); ok && supportedLanguage(folder) == folder {
			lang = folder
		}
		if lang == "" {
			continue
		}
		count[lang]++
		if p.Path == "index.html" || p.Path == "/" {
			rootLang = lang
		}
	}
	if len(count) > 0 {
		langs := slices.SortedFunc(maps.Keys(count), func(a, b string) int {
			switch {
			case a == rootLang:
				return -1
			case b == rootLang:
				return 1
			}
			return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(a, b))
		})
		s.Languages = langs
	}
	for _, p := range r.Pages {
		for _, sn := range p.Snippets {
			s.addService(sn.Service)
		}
	}
	for _, h := range r.Hosts() {
		known := false
		for _, use := range h.Uses {
			if svc, ok := manifest.CatalogByURL(use.Resource.URL); ok {
				s.addService(svc.Tool.ID)
				known = true
				break
			}
		}
		if !known {
			s.Unknown = append(s.Unknown, starterHost{ID: hostID(h.Host), Host: h.Host})
		}
	}
	slices.Sort(s.Services)
}

func (s *starter) addService(id string) {
	if !slices.Contains(s.Services, id) {
		s.Services = append(s.Services, id)
	}
}

// supportedLanguage maps a language tag ("ja-JP") to a language Noren
// renders its pages in, or "".
func supportedLanguage(tag string) string {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	if slices.Contains(manifest.SupportedLanguages, primary) {
		return primary
	}
	return ""
}

// configPath writes target, a path given on the command line, as the
// configuration file in dir must: relative to dir, which is where the
// file's relative paths start.
func configPath(dir, target string) (string, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", dir, err)
	}
	absTarget, err := filepath.Abs(target)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", target, err)
	}
	rel, err := filepath.Rel(absDir, absTarget)
	if err != nil {
		return absTarget, nil
	}
	return filepath.ToSlash(rel), nil
}

// starterConfigFor is the starter noren.yaml set to serve an existing
// site: the folder root (static mode) or the upstream URL (proxy mode).
func starterConfigFor(mode, root, upstream string) []byte {
	lines := strings.Split(string(web.StarterConfig), "\n")
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case "mode: static":
			lines[i] = "  mode: " + mode
		case "root: ./public":
			if root != "" {
				lines[i] = "  root: " + strconv.Quote(root)
			} else {
				lines[i] = "  #root: ./public"
			}
		case "#upstream: http://127.0.0.1:3000":
			if upstream != "" {
				lines[i] = "  upstream: " + strconv.Quote(upstream)
			}
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

// emptyOrMissing reports whether the folder dir holds nothing, which is
// when noren init may put its page there.
func emptyOrMissing(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("check %s: %w", dir, err)
	}
	return len(entries) == 0, nil
}

// writeStarterFile writes data to path, making its folder first.
func writeStarterFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

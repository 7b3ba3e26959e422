package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmeCommands returns the lines of the shell blocks in README.md's
// "Getting started" section, each without its trailing comment; a line
// that is only a comment is kept whole.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Getting started\n")
	if !ok {
		t.Fatal("README.md has no Getting started section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var lines []string
	for rest := section; ; {
		_, block, ok := strings.Cut(rest, "```sh\n")
		if !ok {
			break
		}
		block, rest, _ = strings.Cut(block, "```")
		for line := range strings.Lines(block) {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if !strings.HasPrefix(line, "#") {
				if i := strings.Index(line, "  #"); i >= 0 {
					line = strings.TrimSpace(line[:i])
				}
			}
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		t.Fatal("README.md's Getting started section has no commands")
	}
	return lines
}

var manifestInComment = regexp.MustCompile(`(\S+manifest\.yaml)`)

// TestReadmeGettingStarted runs README.md's Getting started commands as
// written, from a fresh folder, doing by hand what its comments ask of
// the operator: the site must answer 200 with its page. It fails when the
// README changes to something that does not work.
func TestReadmeGettingStarted(t *testing.T) {
	lines := readmeCommands(t)
	parent := t.TempDir()
	var printedNext []string
	configDir := ""
	for _, line := range lines {
		t.Logf("$ %s", line)
		switch {
		case line == "go install ./cmd/noren":
			// TestMain built the binary from this source the same way.
		case strings.HasPrefix(line, "#") && strings.Contains(line, "REPLACE:"):
			m := manifestInComment.FindString(line)
			if m == "" {
				t.Fatalf("the README asks for placeholders to be replaced without naming the manifest: %q", line)
			}
			fillPlaceholders(t, filepath.Join(parent, m))
		case strings.HasPrefix(line, "noren serve "):
			// Any free port: the README's is the default, which another
			// program may hold.
			p := startIn(t, parent, []string{"NOREN_LISTEN=127.0.0.1:0"}, strings.Fields(line)[1:]...)
			resp, body := get(t, nil, p.url+"/")
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "準備中です") {
				t.Errorf("GET / answered %d:\n%s", resp.StatusCode, body)
			}
			if i := slices.Index(strings.Fields(line), "--config"); i > 0 && i+1 < len(strings.Fields(line)) {
				configDir = filepath.Dir(strings.Fields(line)[i+1])
			}
		case strings.HasPrefix(line, "noren "):
			if strings.ContainsAny(line, `"'$|;&<>`) {
				t.Fatalf("the test runs commands split on spaces; quote nothing: %q", line)
			}
			cmd := exec.Command(binary, strings.Fields(line)[1:]...)
			cmd.Dir = parent
			cmd.Env = append(os.Environ(), "NOREN_CONFIG=")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
			if strings.HasPrefix(line, "noren init ") {
				for l := range strings.Lines(string(out)) {
					if l = strings.TrimSpace(l); strings.HasPrefix(l, "noren ") {
						printedNext = append(printedNext, l)
					}
				}
			}
		case strings.HasPrefix(line, "#"):
		default:
			t.Fatalf("the test does not know how to run this README line: %q", line)
		}
	}
	if configDir == "" {
		t.Fatal("the README's Getting started never serves the site with --config")
	}
	if len(printedNext) == 0 {
		t.Error("noren init printed no next steps")
	}
	for _, next := range printedNext {
		if !slices.Contains(lines, next) {
			t.Errorf("noren init prints %q, which the README does not run", next)
		}
	}
	if _, err := os.Stat(filepath.Join(parent, configDir, "noren-data")); err != nil {
		t.Errorf("the data folder is not beside noren.yaml: %v", err)
	}
	if _, err := os.Stat(filepath.Join(parent, "noren-data")); err == nil {
		t.Error("serve made its data folder in the working directory")
	}
}

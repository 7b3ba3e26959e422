package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/config"
)

// The deployment files live at the repository's root, two folders up.
const (
	unitFile        = "../../deploy/noren.service"
	nginxFile       = "../../deploy/nginx.conf"
	containerfile   = "../../Containerfile"
	deployDataDir   = "/var/lib/noren"
	vaultKeysEnvVar = "NOREN_VAULT_KEYS"
)

// deployEnv matches the NOREN_* variables the unit and the Containerfile
// set, in Environment= and ENV lines.
var deployEnv = regexp.MustCompile(`\b(NOREN_[A-Z0-9_]+)=(\S+)`)

// TestDeployFilesMatchConfig keeps the deployment files from drifting from
// the configuration: every NOREN_* variable they set names a key and takes
// effect, the data folder is the one they make persistent, the unit gives
// a stop the time the drain needs, and nginx.conf names the real key of
// the trusted proxies and the readiness path.
func TestDeployFilesMatchConfig(t *testing.T) {
	base, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{unitFile, containerfile} {
		text := readDeployFile(t, file)
		vars := map[string]string{}
		for _, m := range deployEnv.FindAllStringSubmatch(text, -1) {
			vars[m[1]] = m[2]
		}
		if vars["NOREN_DATA_DIR"] != deployDataDir {
			t.Errorf("%s: NOREN_DATA_DIR is %q, want %s", file, vars["NOREN_DATA_DIR"], deployDataDir)
		}
		for name, value := range vars {
			if name == vaultKeysEnvVar {
				continue
			}
			cfg, err := config.Load("", []string{name + "=" + value})
			if err != nil {
				t.Errorf("%s: %s=%s: %v", file, name, value, err)
				continue
			}
			if reflect.DeepEqual(cfg, base) {
				t.Errorf("%s: %s names no configuration key", file, name)
			}
		}
	}

	unit := readDeployFile(t, unitFile)
	for _, want := range []string{"StateDirectory=noren\n", "EnvironmentFile=", "ProtectSystem=strict\n", "NoNewPrivileges=yes\n"} {
		if !strings.Contains(unit, want) {
			t.Errorf("%s lacks %q", unitFile, strings.TrimSpace(want))
		}
	}
	stop := regexp.MustCompile(`(?m)^TimeoutStopSec=(\S+)$`).FindStringSubmatch(unit)
	if stop == nil {
		t.Fatalf("%s sets no TimeoutStopSec", unitFile)
	}
	timeout, err := time.ParseDuration(stop[1])
	if err != nil {
		t.Fatal(err)
	}
	if need := base.HTTP.DrainDelay + base.HTTP.ShutdownTimeout; timeout <= need {
		t.Errorf("TimeoutStopSec=%s does not exceed the drain delay and shutdown timeout, %s", timeout, need)
	}

	container := readDeployFile(t, containerfile)
	for _, want := range []string{`VOLUME ["` + deployDataDir + `"]`, "USER 65532", "EXPOSE 8080"} {
		if !strings.Contains(container, want) {
			t.Errorf("%s lacks %q", containerfile, want)
		}
	}

	// The noren.yaml lines nginx.conf's header gives, indented under "#   ".
	nginx := readDeployFile(t, nginxFile)
	var snippet strings.Builder
	for _, line := range strings.Split(nginx, "\n") {
		if rest, ok := strings.CutPrefix(line, "#   "); ok {
			snippet.WriteString(rest + "\n")
		}
	}
	yaml := filepath.Join(t.TempDir(), "noren.yaml")
	if err := os.WriteFile(yaml, []byte(snippet.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(yaml, nil)
	if err != nil {
		t.Fatalf("the noren.yaml lines of %s do not load: %v\n%s", nginxFile, err, snippet.String())
	}
	if len(cfg.TrustedProxies) == 0 || !cfg.TLS.Offloaded {
		t.Errorf("the noren.yaml lines of %s set no trusted_proxies or tls.offloaded:\n%s", nginxFile, snippet.String())
	}
	for _, want := range []string{"/readyz", "X-Forwarded-For $proxy_add_x_forwarded_for"} {
		if !strings.Contains(nginx, want) {
			t.Errorf("%s lacks %q", nginxFile, want)
		}
	}
}

func readDeployFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/store"
)

// runWithInput runs one command line in-process with stdin.
func runWithInput(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	env := &environment{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut}
	code = run(context.Background(), env, args)
	return code, out.String(), errOut.String()
}

var printedPassword = regexp.MustCompile(`password: (\S+)`)

// TestUserCommands adds, lists, changes and resets accounts from the
// command line, checking each change reaches the store and the audit
// trail.
func TestUserCommands(t *testing.T) {
	eachBackend(t, func(t *testing.T, d store.Dialect) {
		a := newAuditDB(t, d, 0)
		ctx := context.Background()
		cmd := func(stdin string, args ...string) (int, string, string) {
			return runWithInput(stdin, append(args, a.flags...)...)
		}
		accounts, err := account.NewStore(a.db, account.Options{})
		if err != nil {
			t.Fatal(err)
		}

		code, out, errOut := cmd("", "user", "add", "--email", "Owner@Example.jp", "--role", "owner")
		if code != 0 {
			t.Fatalf("user add: exit %d\n%s%s", code, out, errOut)
		}
		m := printedPassword.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("user add printed no password:\n%s", out)
		}
		owner, err := accounts.ByEmail(ctx, "owner@example.jp")
		if err != nil {
			t.Fatal(err)
		}
		if err := accounts.CheckPassword(ctx, owner, m[1]); err != nil {
			t.Errorf("the printed password does not sign in: %v", err)
		}

		if code, _, errOut := cmd("a passphrase read from stdin\n", "user", "add", "--email", "c@example.jp", "--role", "contractor",
			"--forms", "contact", "--expires", "2099-03-31", "--password-stdin"); code != 0 {
			t.Fatalf("user add from stdin: exit %d: %s", code, errOut)
		}
		contractor, _ := accounts.ByEmail(ctx, "c@example.jp")
		if err := accounts.CheckPassword(ctx, contractor, "a passphrase read from stdin"); err != nil {
			t.Errorf("the password from stdin was not set: %v", err)
		}
		if code, _, errOut := cmd("", "user", "add", "--email", "x@example.jp", "--role", "contractor", "--forms", "contact"); code == 0 || !strings.Contains(errOut, "expiry") {
			t.Errorf("contractor without expiry: exit %d, %q; want a refusal naming the expiry", code, errOut)
		}
		if code, _, errOut := cmd("", "user", "add", "--email", "y@example.jp", "--role", "boss"); code == 0 || !strings.Contains(errOut, "unknown role") {
			t.Errorf("unknown role: exit %d, %q", code, errOut)
		}

		if code, out, _ := cmd("", "user", "list"); code != 0 || !strings.Contains(out, "owner@example.jp") || !strings.Contains(out, "c@example.jp") {
			t.Errorf("user list: exit %d\n%s", code, out)
		}
		if code, _, errOut := cmd("", "user", "role", "--email", "c@example.jp", "--role", "analyst"); code != 0 {
			t.Errorf("user role: exit %d: %s", code, errOut)
		}
		if code, _, errOut := cmd("", "user", "disable", "--email", "owner@example.jp"); code == 0 || !strings.Contains(errOut, "last active owner") {
			t.Errorf("disabling the last owner: exit %d, %q", code, errOut)
		}
		if code, _, _ := cmd("", "user", "disable", "--email", "c@example.jp"); code != 0 {
			t.Error("user disable failed")
		}
		if u, _ := accounts.ByEmail(ctx, "c@example.jp"); u.DisabledAt.IsZero() || u.Role != account.Analyst {
			t.Errorf("after role and disable: %+v", u)
		}
		code, out, _ = cmd("", "user", "reset", "--email", "owner@example.jp", "--second-factor")
		if code != 0 || printedPassword.FindStringSubmatch(out) == nil {
			t.Errorf("user reset: exit %d\n%s", code, out)
		}
		if code, _, errOut := cmd("", "user", "sessions", "--revoke"); code == 0 || !strings.Contains(errOut, "-all") {
			t.Errorf("sessions -revoke without a target: exit %d, %q", code, errOut)
		}
		if code, out, _ := cmd("", "user", "sessions", "--revoke", "--all"); code != 0 || !strings.Contains(out, "ended") {
			t.Errorf("sessions -revoke -all: exit %d\n%s", code, out)
		}

		wantActions := []string{"user.create", "user.create", "user.role", "user.disable", "user.reset_password", "user.reset_second_factor", "session.revoke"}
		entries, err := a.trail.List(ctx, audit.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(entries) - 1; i >= 0; i-- {
			got = append(got, entries[i].Action)
			if entries[i].Actor != cliActor {
				t.Errorf("entry %d actor %q, want %q", entries[i].Seq, entries[i].Actor, cliActor)
			}
		}
		if strings.Join(got, " ") != strings.Join(wantActions, " ") {
			t.Errorf("audited actions:\n got %v\nwant %v", got, wantActions)
		}
	})
}

// TestDemoPrintsOwnerOnce checks that noren demo creates an owner, prints
// its password on the first run only, and that the console answers.
func TestDemoPrintsOwnerOnce(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir)
	waitOutput(t, p, "Sign in as")
	if !printedPassword.MatchString(p.Output()) || !strings.Contains(p.Output(), demoOwnerEmail) {
		t.Fatalf("the first run printed no owner password:\n%s", p.Output())
	}
	resp, body := get(t, nil, p.url+"/admin/login")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="password"`) {
		t.Errorf("console sign-in page: status %d", resp.StatusCode)
	}
	if resp, _ := get(t, nil, p.url+"/en/cookies"); resp.StatusCode != http.StatusOK {
		t.Errorf("cookie policy: status %d", resp.StatusCode)
	}
	_, cookies := get(t, nil, p.url+"/en/cookies")
	if !strings.Contains(cookies, "__Host-noren_session") {
		t.Error("the cookie policy does not list the console's session cookie")
	}

	// A second process on the same data folder finds the owner there.
	again := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir)
	waitOutput(t, again, "Sign in as")
	if printedPassword.MatchString(again.Output()) {
		t.Errorf("the second run printed a password again:\n%s", again.Output())
	}
}

// waitOutput waits until the process has printed want.
func waitOutput(t *testing.T, p *process, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.Output(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("noren did not print %q:\n%s", want, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDemoOnBusyPortKeepsTheOwnerForLater: a demo that cannot listen
// creates no owner, so the next run on a free port prints the password
// instead of keeping an account whose password nobody saw.
func TestDemoOnBusyPortKeepsTheOwnerForLater(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	code, _, stderr := runNoren("demo", "--addr", busy.Addr().String(), "--data", dir, "--sample-events", "0")
	if code == 0 {
		t.Fatal("the demo started on a busy port")
	}
	if !strings.Contains(stderr, "address already in use") {
		t.Errorf("the error does not say the port is taken:\n%s", stderr)
	}
	p := start(t, "demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0")
	waitOutput(t, p, "Sign in as")
	if !printedPassword.MatchString(p.Output()) {
		t.Errorf("the run after the busy port printed no password:\n%s", p.Output())
	}
}

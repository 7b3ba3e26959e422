package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/config"
)

// cliActor names the command line in the audit trail: whoever can run
// noren on the server acts outside the console's accounts.
const cliActor = "cli"

var userCommands = []struct{ name, summary string }{
	{"add", "add an account (password generated and printed once, or read with -password-stdin)"},
	{"list", "list the accounts"},
	{"role", "change an account's role, forms or expiry"},
	{"disable", "disable an account and end its sessions"},
	{"enable", "enable a disabled account"},
	{"unlock", "lift a lockout after failed sign-ins"},
	{"reset", "set a new password (and with -second-factor remove the second factors)"},
	{"sessions", "list sessions, or end them with -revoke"},
}

func runUser(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(env.stderr, "Usage: noren user SUBCOMMAND [flags]\n\nManages the accounts of the console at /admin/.\n\nSubcommands:")
		for _, c := range userCommands {
			fmt.Fprintf(env.stderr, "  %-9s %s\n", c.name, c.summary)
		}
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	var summary string
	for _, c := range userCommands {
		if c.name == sub {
			summary = c.summary
		}
	}
	if summary == "" {
		return fmt.Errorf("unknown subcommand %q; run noren user -h", sub)
	}
	fset := newFlags(env, "user "+sub, "[flags]", strings.ToUpper(summary[:1])+summary[1:]+".")
	flags := config.RegisterFlags(fset)
	email := fset.String("email", "", "the account's e-mail address")
	var (
		role, name, forms, expires               *string
		passwordStdin, secondFactor, revoke, all *bool
	)
	switch sub {
	case "add", "role":
		role = fset.String("role", "", "owner, analyst, handler, contractor or auditor")
		name = fset.String("name", "", "the person's name")
		forms = fset.String("forms", "", "comma-separated form ids (handlers and contractors)")
		expires = fset.String("expires", "", "last day of access, YYYY-MM-DD (required for contractors)")
	}
	switch sub {
	case "add", "reset":
		passwordStdin = fset.Bool("password-stdin", false, "read the password from the first line of standard input instead of generating one")
	}
	if sub == "reset" {
		secondFactor = fset.Bool("second-factor", false, "also remove the authenticator app and passkeys, so they are set up anew")
	}
	if sub == "sessions" {
		revoke = fset.Bool("revoke", false, "end the sessions instead of listing them")
		all = fset.Bool("all", false, "with -revoke and no -email: end every session of every account")
	}
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errUsage
	}
	needsEmail := sub != "list" && sub != "sessions"
	if needsEmail && *email == "" {
		return errors.New("-email is required")
	}
	cfg, db, err := openConfigured(ctx, env, flags)
	if err != nil {
		return err
	}
	defer db.Close()
	accounts, err := openConfiguredAccounts(cfg, env, db)
	if err != nil {
		return err
	}
	u := userCLI{env: env, accounts: accounts, trail: audit.New(db), now: time.Now()}

	switch sub {
	case "add":
		p, err := profileFlags(*email, *name, *role, *forms, *expires)
		if err != nil {
			return err
		}
		return u.add(ctx, p, *passwordStdin)
	case "list":
		return u.list(ctx)
	case "sessions":
		return u.sessions(ctx, *email, *revoke, *all, cfg.Admin.SessionIdle)
	}
	target, err := accounts.ByEmail(ctx, *email)
	if errors.Is(err, account.ErrNotFound) {
		return fmt.Errorf("no account %s", *email)
	}
	if err != nil {
		return err
	}
	switch sub {
	case "role":
		p, err := profileFlags(target.Email, *name, *role, *forms, *expires)
		if err != nil {
			return err
		}
		if *name == "" {
			p.Name = target.Name
		}
		return u.role(ctx, target, p)
	case "disable", "enable":
		return u.setDisabled(ctx, target, sub == "disable")
	case "unlock":
		if err := accounts.Unlock(ctx, target.ID); err != nil {
			return err
		}
		u.record(ctx, "user.unlock", target, nil)
		fmt.Fprintf(env.stdout, "unlocked %s\n", target.Email)
		return nil
	case "reset":
		return u.reset(ctx, target, *passwordStdin, *secondFactor)
	}
	return nil
}

func profileFlags(email, name, role, forms, expires string) (account.Profile, error) {
	r, err := account.ParseRole(role)
	if err != nil {
		return account.Profile{}, fmt.Errorf("-role: %w", err)
	}
	p := account.Profile{Email: email, Name: name, Role: r}
	for _, f := range strings.Split(forms, ",") {
		if f = strings.TrimSpace(f); f != "" {
			p.Forms = append(p.Forms, f)
		}
	}
	if expires != "" {
		d, err := time.ParseInLocation(time.DateOnly, expires, time.Local)
		if err != nil {
			return account.Profile{}, fmt.Errorf("-expires: want YYYY-MM-DD, got %q", expires)
		}
		p.ExpiresAt = d.AddDate(0, 0, 1) // access lasts through the day named
	}
	return p, nil
}

// userCLI carries what the user subcommands share.
type userCLI struct {
	env      *environment
	accounts *account.Store
	trail    *audit.Trail
	now      time.Time
}

func (u userCLI) record(ctx context.Context, action string, target account.User, detail map[string]string) {
	if detail == nil {
		detail = map[string]string{}
	}
	detail["account"] = target.Email
	_, err := u.trail.Append(ctx, audit.Entry{Actor: cliActor, Role: "system", Action: action,
		Object: fmt.Sprintf("user:%d", target.ID), Outcome: audit.OK, Detail: detail})
	if err != nil {
		fmt.Fprintf(u.env.stderr, "warning: could not write the audit trail: %v\n", err)
	}
}

// password reads a password from standard input or generates one; printed
// reports whether it must be shown.
func (u userCLI) password(fromStdin bool) (string, bool, error) {
	if !fromStdin {
		return account.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(u.env.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", false, fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

func (u userCLI) add(ctx context.Context, p account.Profile, fromStdin bool) error {
	password, generated, err := u.password(fromStdin)
	if err != nil {
		return err
	}
	created, err := u.accounts.Create(ctx, p, password, u.now)
	if err != nil {
		return err
	}
	u.record(ctx, "user.create", created, map[string]string{"role": string(created.Role), "forms": strings.Join(created.Forms, ",")})
	fmt.Fprintf(u.env.stdout, "added %s (%s)\n", created.Email, created.Role)
	if generated {
		fmt.Fprintf(u.env.stdout, "password: %s\n(shown once: give it to the person by a safe channel)\n", password)
	}
	if created.Role.ReadsPersonalData() {
		fmt.Fprintln(u.env.stdout, "This role reads personal data: a second factor is set up at the first sign-in.")
	}
	return nil
}

func (u userCLI) list(ctx context.Context) error {
	users, err := u.accounts.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(u.env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tFORMS\tSTATUS\t2FA\tLAST SIGN-IN")
	for _, a := range users {
		status := "active"
		switch {
		case !a.DisabledAt.IsZero():
			status = "disabled"
		case a.Usable(u.now) != nil:
			status = "expired"
		case a.Locked(u.now):
			status = "locked until " + a.LockedUntil.Local().Format("2006-01-02 15:04")
		case !a.ExpiresAt.IsZero():
			status = "until " + a.ExpiresAt.Add(-time.Second).Local().Format(time.DateOnly)
		}
		factor := "-"
		if a.HasTOTP() {
			factor = "totp"
		}
		last := "never"
		if !a.LastLoginAt.IsZero() {
			last = a.LastLoginAt.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Email, a.Role, strings.Join(a.Forms, ","), status, factor, last)
	}
	return tw.Flush()
}

func (u userCLI) role(ctx context.Context, target account.User, p account.Profile) error {
	after, err := u.accounts.Update(ctx, target.ID, p, u.now)
	if err != nil {
		return err
	}
	if after.Role != target.Role {
		u.record(ctx, "user.role", after, map[string]string{"from": string(target.Role), "to": string(after.Role)})
		if _, err := u.accounts.RevokeSessions(ctx, after.ID, "", u.now); err != nil {
			return err
		}
	} else {
		u.record(ctx, "user.update", after, map[string]string{"forms": strings.Join(after.Forms, ",")})
	}
	fmt.Fprintf(u.env.stdout, "%s is now %s\n", after.Email, after.Role)
	return nil
}

func (u userCLI) setDisabled(ctx context.Context, target account.User, disabled bool) error {
	if err := u.accounts.SetDisabled(ctx, target, disabled, u.now); err != nil {
		return err
	}
	action, word := "user.enable", "enabled"
	if disabled {
		action, word = "user.disable", "disabled"
		if _, err := u.accounts.RevokeSessions(ctx, target.ID, "", u.now); err != nil {
			return err
		}
	}
	u.record(ctx, action, target, nil)
	fmt.Fprintf(u.env.stdout, "%s %s\n", word, target.Email)
	return nil
}

func (u userCLI) reset(ctx context.Context, target account.User, fromStdin, secondFactor bool) error {
	password, generated, err := u.password(fromStdin)
	if err != nil {
		return err
	}
	if err := u.accounts.SetPassword(ctx, target, password, u.now); err != nil {
		return err
	}
	u.record(ctx, "user.reset_password", target, nil)
	if secondFactor {
		if err := u.accounts.ResetSecondFactors(ctx, target.ID); err != nil {
			return err
		}
		u.record(ctx, "user.reset_second_factor", target, nil)
	}
	if _, err := u.accounts.RevokeSessions(ctx, target.ID, "", u.now); err != nil {
		return err
	}
	fmt.Fprintf(u.env.stdout, "reset %s; its sessions are ended\n", target.Email)
	if generated {
		fmt.Fprintf(u.env.stdout, "password: %s\n(shown once: give it to the person by a safe channel)\n", password)
	}
	return nil
}

func (u userCLI) sessions(ctx context.Context, email string, revoke, all bool, idle time.Duration) error {
	var target account.User
	if email != "" {
		var err error
		if target, err = u.accounts.ByEmail(ctx, email); err != nil {
			return fmt.Errorf("no account %s", email)
		}
	}
	if revoke {
		var n int64
		var err error
		switch {
		case target.ID != 0:
			n, err = u.accounts.RevokeSessions(ctx, target.ID, "", u.now)
			u.record(ctx, "session.revoke", target, map[string]string{"sessions": fmt.Sprint(n)})
		case all:
			n, err = u.accounts.RevokeAllSessions(ctx, u.now)
			_, _ = u.trail.Append(ctx, audit.Entry{Actor: cliActor, Role: "system", Action: "session.revoke", Object: "all",
				Outcome: audit.OK, Detail: map[string]string{"sessions": fmt.Sprint(n)}})
		default:
			return errors.New("-revoke needs -email, or -all to end every session")
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(u.env.stdout, "ended %d session(s)\n", n)
		return nil
	}
	list, err := u.accounts.Sessions(ctx, target.ID, idle, u.now)
	if err != nil {
		return err
	}
	users, err := u.accounts.List(ctx)
	if err != nil {
		return err
	}
	emails := map[int64]string{}
	for _, a := range users {
		emails[a.ID] = a.Email
	}
	tw := tabwriter.NewWriter(u.env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tSTAGE\tBROWSER\tNETWORK\tSIGNED IN\tLAST ACTIVE")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", emails[s.UserID], s.Stage, s.Agent, s.Address,
			s.CreatedAt.Local().Format("2006-01-02 15:04"), s.LastSeenAt.Local().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

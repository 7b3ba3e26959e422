// Command noren serves a website together with its privacy layer: policies
// generated from a privacy manifest, and the first-party parts that replace
// third-party tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	// The zone database is built in, so that the default analytics zone,
	// Asia/Tokyo, loads on minimal images without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// command is one subcommand of noren.
type command struct {
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

// environment is what a command may touch of the process, passed in so that
// tests run commands in-process.
type environment struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         []string // KEY=value pairs, like os.Environ
	// ready, if set, receives the address a server listens on.
	ready func(addr string)
}

func commands() map[string]command {
	return map[string]command{
		"demo":      {"run the bundled demo site with zero configuration", runDemo},
		"serve":     {"serve a site as configured in noren.yaml", runServe},
		"check":     {"validate a privacy manifest", runCheck},
		"policy":    {"render the generated policy documents", runPolicy},
		"migrate":   {"apply storage migrations", runMigrate},
		"init":      {"write a starter noren.yaml and manifest.yaml", runInit},
		"user":      {"manage the accounts of the console", runUser},
		"version":   {"print the version", runVersion},
		"audit":     {"verify, export or anchor the audit trail", runAudit},
		"analytics": {"generate sample analytics events or query them", runAnalytics},
		"keys":      {"generate or rotate the keys of the personal-data vault", runKeys},
		"vault":     {"report the personal data held in the vault", runVault},
		"search":    {"index the site for its search now, or generate a test site", runSearch},
		"scan":      {"scan a site in a browser and check it against its manifest", runScan},
		"backup":    {"write the database, manifest and data folder to one archive", runBackup},
		"restore":   {"restore a backup into an empty database and data folder", runRestore},
	}
}

// subcommands runs the subcommand of command that args[0] names, or
// explains the command's usage.
func subcommands(ctx context.Context, env *environment, command, usage string, args []string, subs map[string]func(context.Context, *environment, []string) error) error {
	if len(args) == 0 {
		fmt.Fprint(env.stderr, usage)
		return errUsage
	}
	if run, ok := subs[args[0]]; ok {
		return run(ctx, env, args[1:])
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(env.stdout, usage)
		return flag.ErrHelp
	}
	fmt.Fprintf(env.stderr, "noren %s: unknown subcommand %q\n\n%s", command, args[0], usage)
	return errUsage
}

// errUsage marks errors already explained by a flag set's usage text.
var errUsage = errors.New("usage")

// exitError carries an exit status other than 1.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &environment{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Environ()}
	os.Exit(run(ctx, env, os.Args[1:]))
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, env *environment, args []string) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if _, ok := cmds[args[1]]; ok {
				return run(ctx, env, []string{args[1], "-h"})
			}
		}
		usage(env.stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "noren: unknown command %q\n\n", args[0])
		usage(env.stderr, cmds)
		return 2
	}
	err := c.run(ctx, env, args[1:])
	var ee exitError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &ee):
		return ee.code
	}
	fmt.Fprintf(env.stderr, "noren %s: %v\n", args[0], err)
	return 1
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Noren serves a website with an honest privacy layer.")
	fmt.Fprintln(w, "\nUsage: noren COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'noren help COMMAND' or 'noren COMMAND -h' for a command's flags.")
}

// newFlags returns a flag set whose usage text names the command.
func newFlags(env *environment, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: noren %s %s\n\n%s\n", name, synopsis, about)
		if hasFlags(fs) {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseFlags parses args, mapping a parse failure to errUsage since the flag
// package has already printed why.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

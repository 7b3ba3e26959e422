package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/config"
)

const auditUsage = `Usage: noren audit verify|export [flags]

Checks or exports the audit trail of the administration console.

  verify   check the hash chain and name the first altered, removed or
           moved entry; with -file, check an export instead
  export   write the trail as JSON Lines, oldest first; the export itself
           is recorded in the trail

Run 'noren audit verify -h' or 'noren audit export -h' for their flags.
`

func runAudit(ctx context.Context, env *environment, args []string) error {
	return subcommands(ctx, env, "audit", auditUsage, args, map[string]func(context.Context, *environment, []string) error{
		"verify": runAuditVerify,
		"export": runAuditExport,
	})
}

func runAuditVerify(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "audit verify", "[flags]",
		"Checks that every entry of the audit trail is intact and in place. Exits 0 and\n"+
			"prints the number of entries and the head (SEQ:HASH) when it is; keep the head\n"+
			"somewhere outside the database and pass it back with -expect-head later, which\n"+
			"also catches entries cut from the end or a trail rewritten with fresh hashes.\n"+
			"Exits 1 and names the first bad entry when it is not.")
	flags := config.RegisterFlags(fset)
	expectText := fset.String("expect-head", "", "fail unless the trail still holds `SEQ:HASH`, a head printed by an earlier verify")
	file := fset.String("file", "", "check the JSON Lines export `FILE` instead of the database")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errUsage
	}
	var expect *audit.Head
	if *expectText != "" {
		h, err := audit.ParseHead(*expectText)
		if err != nil {
			return fmt.Errorf("-expect-head: %w", err)
		}
		expect = &h
	}

	var (
		rep  audit.Report
		what = "audit trail"
	)
	if *file != "" {
		what = "audit export " + *file
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		if rep, err = audit.VerifyExportHead(f, expect); err != nil {
			return err
		}
	} else {
		_, db, err := openConfigured(ctx, env, flags)
		if err != nil {
			return err
		}
		defer db.Close()
		if rep, err = audit.New(db).Verify(ctx, expect); err != nil {
			return err
		}
	}

	if p := rep.Problem; p != nil {
		fmt.Fprintf(env.stderr, "%s broken at entry %d: %s (%s)\n", what, p.Seq, p.Kind, p.Message)
		return exitError{1}
	}
	span := ""
	if rep.First > 1 {
		span = fmt.Sprintf(" (entries %d to %d)", rep.First, rep.Head.Seq)
	}
	fmt.Fprintf(env.stdout, "%s intact: %d entries%s, head %s\n", what, rep.Entries, span, rep.Head)
	return nil
}

func runAuditExport(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "audit export", "[flags]",
		"Writes the audit trail as JSON Lines, oldest first, with every entry's hashes,\n"+
			"to standard output or -output. DATE is YYYY-MM-DD, a day in the local time\n"+
			"zone, or an RFC 3339 time. The export is recorded in the trail (actor cli)\n"+
			"before anything is written. An export of consecutive entries can be checked\n"+
			"with 'noren audit verify -file'; one filtered by actor or action leaves gaps.")
	flags := config.RegisterFlags(fset)
	output := fset.String("output", "", "write to this new `FILE` (created 0600) instead of standard output")
	sinceText := fset.String("since", "", "only entries at or after `DATE`")
	untilText := fset.String("until", "", "only entries up to `DATE` (a whole day when a date)")
	actor := fset.String("actor", "", "only entries of this `ACTOR`")
	action := fset.String("action", "", "only this `ACTION` and the actions under it (login takes in login.failed)")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errUsage
	}
	f := audit.Filter{Actor: *actor, Action: *action}
	var err error
	if f.Since, err = parseWhen(*sinceText, false); err != nil {
		return fmt.Errorf("-since: %w", err)
	}
	if f.Until, err = parseWhen(*untilText, true); err != nil {
		return fmt.Errorf("-until: %w", err)
	}
	_, db, err := openConfigured(ctx, env, flags)
	if err != nil {
		return err
	}
	defer db.Close()
	trail := audit.New(db)

	// The export is bounded to the trail as it stands now, so that the
	// count recorded beforehand is the count written.
	newest, err := trail.List(ctx, audit.Filter{Limit: 1})
	if err != nil {
		return err
	}
	through := int64(0)
	if len(newest) > 0 {
		through = newest[0].Seq
	}
	f.BeforeSeq = through + 1
	count, err := trail.Count(ctx, f)
	if err != nil {
		return err
	}

	var w io.Writer = env.stdout
	dest := "standard output"
	var file *os.File
	if *output != "" {
		dest = *output
		if file, err = os.OpenFile(*output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
			return err
		}
		w = file
	}

	detail := map[string]string{"count": strconv.FormatInt(count, 10), "through": strconv.FormatInt(through, 10), "output": dest}
	for k, v := range map[string]string{"since": *sinceText, "until": *untilText, "actor": *actor, "action": *action} {
		if v != "" {
			detail[k] = v
		}
	}
	// Recorded before anything is written: if the record cannot be made,
	// nothing leaves.
	entry := audit.Entry{Actor: "cli", Role: "system", Action: "audit.export", Object: "audit", Outcome: audit.OK, Detail: detail}
	if _, err := trail.Append(ctx, entry); err != nil {
		return errors.Join(err, discard(file))
	}

	n, err := trail.Export(ctx, w, f)
	if err == nil && file != nil {
		err = file.Close()
	}
	if err != nil {
		entry.Outcome = audit.Failed
		entry.Detail["written"] = strconv.FormatInt(n, 10)
		entry.Detail["error"] = err.Error()
		if _, aerr := trail.Append(ctx, entry); aerr != nil {
			err = errors.Join(err, aerr)
		}
		return errors.Join(err, discard(file))
	}
	fmt.Fprintf(env.stderr, "exported %d audit entries to %s\n", n, dest)
	return nil
}

// discard closes and removes a partly written export, so that no file
// looks complete that is not; nil when there is none.
func discard(f *os.File) error {
	if f == nil {
		return nil
	}
	f.Close()
	return os.Remove(f.Name())
}

// parseWhen reads a -since or -until value: "" for none, a date in the
// local time zone (through its end when endOfDay), or an RFC 3339 time.
func parseWhen(s string, endOfDay bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		if endOfDay {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want YYYY-MM-DD or an RFC 3339 time", s)
	}
	return t, nil
}

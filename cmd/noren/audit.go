package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/backup"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/mail"
)

const auditUsage = `Usage: noren audit verify|export|anchor|anchor-key [flags]

Checks, exports or anchors the audit trail of the administration console.

  verify      check the hash chain and name the first altered, removed or
              moved entry; with -file, check an export instead; with
              -anchors, also check the trail against its signed anchors
  export      write the trail as JSON Lines, oldest first; the export itself
              is recorded in the trail
  anchor      sign the trail's head now with audit.anchor_key_file and
              append it to audit.anchor_file (and mail it to the auditors
              with audit.anchor_mail), as noren serve does periodically
  anchor-key  generate FILE: write a new anchor signing key and print its
              public key; public FILE: print the public key of a key file

Run 'noren audit verify -h' and so on for their flags.
`

func runAudit(ctx context.Context, env *environment, args []string) error {
	return subcommands(ctx, env, "audit", auditUsage, args, map[string]func(context.Context, *environment, []string) error{
		"verify":     runAuditVerify,
		"export":     runAuditExport,
		"anchor":     runAuditAnchor,
		"anchor-key": runAuditAnchorKey,
	})
}

func runAuditVerify(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "audit verify", "[flags]",
		"Checks that every entry of the audit trail is intact and in place. Exits 0 and\n"+
			"prints the number of entries and the head (SEQ:HASH) when it is; keep the head\n"+
			"somewhere outside the database and pass it back with -expect-head later, which\n"+
			"also catches entries cut from the end or a trail rewritten with fresh hashes.\n"+
			"-expect-head-from reads that head from a backup's metadata instead; entries\n"+
			"appended after it are fine, another hash at its sequence is not.\n"+
			"Exits 1 and names the first bad entry when it is not.")
	flags := config.RegisterFlags(fset)
	expectText := fset.String("expect-head", "", "fail unless the trail still holds `SEQ:HASH`, a head printed by an earlier verify")
	expectFrom := fset.String("expect-head-from", "", "fail unless the trail still holds the audit head recorded in the backup `FILE` (noren backup)")
	file := fset.String("file", "", "check the JSON Lines export `FILE` instead of the database")
	anchorsFile := fset.String("anchors", "", "also check the trail against the signed anchors in `FILE` (audit.anchor_file): every\nanchor's signature, and that the trail still holds every anchored head")
	publicKey := fset.String("anchor-public-key", "", "the anchors' public `KEY` (ed25519:…, as noren audit anchor-key prints it), or a\nfile holding it; required with -anchors")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errUsage
	}
	var expect *audit.Head
	switch {
	case *expectText != "" && *expectFrom != "":
		return errors.New("-expect-head and -expect-head-from each name the head; give one")
	case *expectText != "":
		h, err := audit.ParseHead(*expectText)
		if err != nil {
			return fmt.Errorf("-expect-head: %w", err)
		}
		expect = &h
	case *expectFrom != "":
		h, err := backupHead(*expectFrom)
		if err != nil {
			return fmt.Errorf("-expect-head-from: %w", err)
		}
		expect = &h
	}
	var (
		checkpoints []audit.Checkpoint
		anchors     int
	)
	switch {
	case *anchorsFile != "" && *file != "":
		return errors.New("-anchors checks the database; it does not go with -file")
	case *anchorsFile != "" && *publicKey == "":
		return errors.New("-anchors needs -anchor-public-key: the key the auditors were given, not one read from the anchor file")
	case *anchorsFile != "":
		cps, err := readAnchorFile(*anchorsFile, *publicKey)
		if err != nil {
			var bad badAnchors
			if errors.As(err, &bad) {
				fmt.Fprintf(env.stderr, "anchors %s refused: %v\n", *anchorsFile, bad.err)
				return exitError{1}
			}
			return err
		}
		checkpoints, anchors = cps, len(cps)
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
		if expect != nil {
			checkpoints = append(checkpoints, audit.Checkpoint{Head: *expect})
		}
		if rep, err = audit.New(db).VerifyCheckpoints(ctx, checkpoints); err != nil {
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
	if *anchorsFile != "" {
		fmt.Fprintf(env.stdout, "%d signed anchors checked\n", anchors)
	}
	return nil
}

// backupHead reads the audit head recorded in the metadata of a backup.
func backupHead(path string) (audit.Head, error) {
	f, err := os.Open(path)
	if err != nil {
		return audit.Head{}, err
	}
	defer f.Close()
	meta, err := backup.ReadMetadata(f)
	if err != nil {
		return audit.Head{}, fmt.Errorf("%s: %w", path, err)
	}
	return audit.ParseHead(meta.AuditHead)
}

// badAnchors is an anchor file that does not check out: a line altered,
// forged or signed with another key. It is a failed verification, not a
// failure to run one.
type badAnchors struct{ err error }

func (b badAnchors) Error() string { return b.err.Error() }

// readAnchorFile reads and checks the anchors in path with the public key
// given as text (ed25519:…) or as the name of a file holding it.
func readAnchorFile(path, publicKey string) ([]audit.Checkpoint, error) {
	text := publicKey
	if !strings.HasPrefix(publicKey, "ed25519:") {
		b, err := os.ReadFile(publicKey)
		if err != nil {
			return nil, fmt.Errorf("-anchor-public-key: %w", err)
		}
		text = string(b)
	}
	pub, err := audit.ParseAnchorPublicKey(text)
	if err != nil {
		return nil, fmt.Errorf("-anchor-public-key: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-anchors: %w", err)
	}
	defer f.Close()
	cps, err := audit.ReadAnchors(f, pub)
	if err != nil {
		return nil, badAnchors{err}
	}
	return cps, nil
}

func runAuditAnchor(ctx context.Context, env *environment, args []string) error {
	fset := newFlags(env, "audit anchor", "[flags]",
		"Signs the audit trail's head now with audit.anchor_key_file and appends the\n"+
			"anchor to audit.anchor_file, and with audit.anchor_mail mails it to every\n"+
			"active auditor account: what noren serve does every audit.anchor_interval.\n"+
			"For a schedule of your own (cron) or a last anchor before maintenance.")
	flags := config.RegisterFlags(fset)
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		fset.Usage()
		return errUsage
	}
	cfg, db, err := openConfigured(ctx, env, flags)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.Audit.AnchorKeyFile == "" {
		return errors.New("audit.anchor_key_file is not set (noren audit anchor-key generate writes a key)")
	}
	accounts, err := openConfiguredAccounts(cfg, env, db)
	if err != nil {
		return err
	}
	var m mailer
	if cfg.Audit.AnchorMail {
		if m, err = mail.NewSender(mail.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password, From: cfg.SMTP.From, TLS: cfg.SMTP.TLS}); err != nil {
			return fmt.Errorf("smtp: %w", err)
		}
	}
	a, err := newAnchorer(cfg.Audit, audit.New(db), accounts, m, cfg.Logger(env.stderr))
	if err != nil {
		return err
	}
	anchor, err := a.anchor(ctx, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "anchored head %s at %s\n", anchor.Head, anchor.At.Format(time.RFC3339))
	return nil
}

const anchorKeyUsage = `Usage: noren audit anchor-key generate|public FILE

  generate  write a new anchor signing key to FILE (mode 0600; it refuses to
            replace a file) and print its public key
  public    print the public key of the key in FILE

Give the public key to the auditors by a channel of its own: it is what
noren audit verify -anchor-public-key checks the anchors with.
`

func runAuditAnchorKey(ctx context.Context, env *environment, args []string) error {
	one := func(name string, do func(path string) (*audit.AnchorKey, error)) func(context.Context, *environment, []string) error {
		return func(_ context.Context, env *environment, args []string) error {
			fset := newFlags(env, "audit anchor-key "+name, "FILE", strings.TrimPrefix(anchorKeyUsage, "Usage: noren audit anchor-key generate|public FILE\n\n"))
			if err := parseFlags(fset, args); err != nil {
				return err
			}
			if fset.NArg() != 1 {
				fset.Usage()
				return errUsage
			}
			k, err := do(fset.Arg(0))
			if err != nil {
				return err
			}
			fmt.Fprintln(env.stdout, k.Public())
			return nil
		}
	}
	return subcommands(ctx, env, "audit anchor-key", anchorKeyUsage, args, map[string]func(context.Context, *environment, []string) error{
		"generate": one("generate", func(path string) (*audit.AnchorKey, error) {
			k, err := audit.GenerateAnchorKey()
			if err != nil {
				return nil, err
			}
			return k, audit.WriteAnchorKey(path, k)
		}),
		"public": one("public", audit.LoadAnchorKey),
	})
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

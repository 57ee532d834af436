package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/entitle-portal/entitle/internal/store"
)

// Audit retention (issue 15): `entitle audit prune` removes the oldest
// audit events behind a signed checkpoint of the cut (see
// internal/store/auditprune.go).

// defaultMinAgeDays is how old, at least, the events a prune removes must
// be unless --min-age says otherwise: a slip of the date (this year for last
// year) must not wipe out recent evidence.
const defaultMinAgeDays = 90

func auditPruneCommand() command {
	return command{
		name:    "audit prune",
		args:    "--before DATE --key FILE [--min-age DAYS] [--dry-run]",
		summary: "remove old audit events behind a signed checkpoint",
		help: `Removes the audit events recorded before DATE (YYYY-MM-DD, midnight UTC, or
RFC 3339 such as 2026-01-01T00:00:00Z): every event up to the cut, the last
event such that it and all events before it are older than DATE.

In one transaction, serialized with every append to the trail, it verifies
the trail up to the cut (a trail that does not verify is never pruned:
that would destroy the evidence), signs a checkpoint of the cut with the
ed25519 private key in FILE (from 'entitle audit keygen': the cut's id and
hash, and the number of events up to it), records that checkpoint in the
database, audits itself (an audit.prune event after the cut) and deletes
the events up to the cut. 'entitle audit verify' then starts from the
checkpoint: the chain goes on from the cut's hash, the count includes the
pruned events.

The checkpoint is printed on standard output, one line of JSON as 'entitle
audit checkpoint' prints: keep it where whoever can write to the database
cannot, e.g. 'entitle audit prune … >> /elsewhere/checkpoints.jsonl'.
Export the events first ('entitle audit export --out FILE') if they must be
kept elsewhere.

DATE must be at least --min-age days ago (default 90; 0 allows up to now).
--dry-run says what would be removed and changes nothing. Nothing before
DATE is not an error.`,
		run: runAuditPrune,
	}
}

// parseDate reads a calendar date (midnight UTC) or an RFC 3339 time.
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date: give YYYY-MM-DD (midnight UTC) or RFC 3339 such as 2026-01-01T00:00:00Z", s)
	}
	return t.UTC(), nil
}

func runAuditPrune(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	beforeFlag := f.String("before", "", "remove the events recorded before this date (YYYY-MM-DD, midnight UTC, or RFC 3339)")
	keyFile := f.String("key", "", "the ed25519 private key to sign the cut's checkpoint with (PKCS#8 PEM)")
	minAge := f.Int("min-age", defaultMinAgeDays, "refuse a date less than this many days ago")
	dryRun := f.Bool("dry-run", false, "say what would be removed, change nothing")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage{"audit prune takes no arguments"}
	case *beforeFlag == "":
		return errUsage{"give --before DATE: the events recorded before it are removed"}
	case *keyFile == "":
		return errUsage{"give --key FILE: the private key that signs the checkpoint of the cut (make one with 'entitle audit keygen')"}
	case *minAge < 0:
		return errUsage{fmt.Sprintf("--min-age must be 0 or more days, not %d", *minAge)}
	}
	before, err := parseDate(*beforeFlag)
	if err != nil {
		return errUsage{"--before " + err.Error()}
	}
	now := e.now().UTC()
	switch {
	case before.After(now):
		return errUsage{fmt.Sprintf("--before %s is in the future: nothing recorded after now can be pruned", *beforeFlag)}
	case before.After(now.AddDate(0, 0, -*minAge)):
		return errUsage{fmt.Sprintf("--before %s is less than %d days ago (--min-age): give an earlier date, or a smaller --min-age if you mean it", *beforeFlag, *minAge)}
	}
	key, err := readPrivateKey(*keyFile)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(*keyFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(e.stderr, "entitle audit prune: warning: %s can be read by others (mode %v)\n", *keyFile, fi.Mode().Perm())
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.PruneAudit(ctx, before, now, key, *dryRun)
	if p := (*store.AuditProblem)(nil); errors.As(err, &p) {
		return fmt.Errorf("nothing was pruned: the audit trail does not verify up to the cut: %s", p.Text)
	} else if err != nil {
		return err
	}
	when := before.Format(time.RFC3339)
	if r.Removed == 0 {
		fmt.Fprintf(e.stderr, "nothing to prune: no audit event still in the trail was recorded before %s\n", when)
		return nil
	}
	what := fmt.Sprintf("%d audit event%s recorded before %s (%s to %s), up to event %d",
		r.Removed, plural(int(r.Removed)), when, r.FirstAt.Format(time.RFC3339), r.LastAt.Format(time.RFC3339), r.Checkpoint.LastID)
	if *dryRun {
		fmt.Fprintf(e.stderr, "would remove %s (dry run: nothing changed)\n", what)
		return nil
	}
	line, err := json.Marshal(r.Checkpoint)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(e.stdout, "%s\n", line); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "removed %s; the trail now begins after it, from the checkpoint above (%d events up to the cut): keep it off this machine\n",
		what, r.Checkpoint.Events)
	return nil
}

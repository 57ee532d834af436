package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/entitle-portal/entitle/internal/notices"
)

func notifyCommand() command {
	return command{
		name:    "notify",
		args:    "--now [--stages 180,90,60,30,7] [--base-url URL] [mail flags]",
		summary: "send the expiry notices that are due",
		help: `Sends the expiry notices that are due today, once, and prints what it did:
for cron users, and for a deployment that runs serve with
--notify-interval 0. (serve sends them itself, every --notify-interval.)

Before an entitlement's end date, at each stage (by default 180, 90, 60, 30
and 7 days before), its owner's administrators and its partner of
record's administrators get a reminder: one mail per company per stage
listing all its entitlements at that stage. Each notice goes out once,
however many serve processes or notify runs there are on the database. A
company with no active administrator is skipped (and told once it has one,
while the stage lasts). A digest the mail server does not take is tried
again by the next run; the command then exits with status 1.

Give the same --stages as serve's --notify-stages. Mail goes over SMTP when
--smtp-addr is set, else into .eml files in the outbox directory. Links
point at --base-url (or $ENTITLE_BASE_URL).`,
		run: runNotify,
	}
}

func runNotify(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	now := f.Bool("now", false, "send the notices that are due now (required: without it nothing is sent)")
	stages := slices.Clone(notices.DefaultStages)
	f.Var(&stages, "stages", "days before an end date at which notices go out, comma-separated")
	baseURL := f.String("base-url", envOr(e, "ENTITLE_BASE_URL", "http://127.0.0.1:8080"), "the portal's address as users reach it, for the link (env ENTITLE_BASE_URL)")
	mf := addMailFlags(f)
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage{"unexpected arguments: " + strings.Join(pos, " ")}
	case !*now:
		return errUsage{"give --now to send the expiry notices that are due now"}
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	sender, where := mf.sender(e)
	svc := wire(db, settings{now: e.now, mailer: sender, noticeStages: stages, baseURL: *baseURL,
		logger: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}).notices
	rep, err := svc.Run(ctx)
	printNoticeReport(e, rep)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Expiry notices (%s before an end date): %s sent (%s), %d skipped, %d failed; %s.\n",
		stages.Words(), nouns(rep.Digests, "digest"), nouns(rep.Entitlements, "entitlement"), rep.Skipped, rep.Failed, where)
	if rep.Withheld > 0 {
		fmt.Fprintf(e.stdout, "%s withheld: the policy does not let the recipient see the entitlement (see the warnings above).\n",
			nouns(rep.Withheld, "notice"))
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%s not delivered; the next run tries again", nouns(rep.Failed, "digest"))
	}
	return nil
}

// printNoticeReport prints one line per digest sent, skipped or failed.
func printNoticeReport(e *env, rep notices.Report) {
	if len(rep.Details) == 0 {
		return
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for _, d := range rep.Details {
		what := "to " + strings.Join(d.Recipients, ", ")
		switch d.Outcome {
		case notices.Skipped:
			what = "no active administrator"
		case notices.Failed:
			what += ": " + d.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%d days\t%s\t%s\n", d.Outcome, d.Company, d.Stage, nouns(d.Entitlements, "entitlement"), what)
	}
	tw.Flush()
}

func nouns(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

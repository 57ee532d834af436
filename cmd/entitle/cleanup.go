package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/entitle-portal/entitle/internal/store"
)

// Cleanup (issue 15): what has expired or been used goes, from serve on a
// schedule (--cleanup-interval) or once from cron (`entitle cleanup`).

func cleanupCommand() command {
	return command{
		name:    "cleanup",
		args:    "",
		summary: "remove expired sessions, used links and old deliveries, once",
		help: `Removes, once, what has expired or been used, and prints how many of each:

  sessions that expired; invitations accepted, revoked or expired more than
  30 days ago (open ones, and recently closed ones, stay on the co-workers
  page); password reset links used or expired; two-factor challenges and
  single sign-on login states that expired; rate limit windows more than
  two days old; webhook deliveries that ended (delivered, failed or
  cancelled) more than 30 days ago.

Audit events are never removed here: see 'entitle audit prune'. serve does
the same at start and every --cleanup-interval (default 1h); run this from
cron when serve runs with --cleanup-interval 0. Several runs at once, or
alongside serve processes, are safe: each delete removes what is still
there, in short transactions.`,
		run: runCleanup,
	}
}

func runCleanup(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage{"cleanup takes no arguments"}
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Cleanup(ctx, e.now())
	printCleanup(e.stdout, n) // what was removed before a failure, too
	return err
}

// cleanupKinds names CleanupCounts' fields, in order, for people.
func cleanupKinds(n store.CleanupCounts) []struct {
	what string
	n    int64
} {
	return []struct {
		what string
		n    int64
	}{
		{"expired sessions", n.Sessions},
		{"closed invitations", n.Invitations},
		{"used or expired password reset links", n.PasswordResets},
		{"expired two-factor challenges", n.LoginChallenges},
		{"expired single sign-on login states", n.SSOLogins},
		{"old rate limit windows", n.RateLimits},
		{"finished webhook deliveries", n.WebhookDeliveries},
		{"reports of finished ingest API uploads", n.Imports},
	}
}

// printCleanup writes one line a kind, and a total.
func printCleanup(w io.Writer, n store.CleanupCounts) {
	if n.Total() == 0 {
		fmt.Fprintln(w, "nothing to clean up")
		return
	}
	var b strings.Builder
	for _, k := range cleanupKinds(n) {
		fmt.Fprintf(&b, "%6d %s\n", k.n, k.what)
	}
	fmt.Fprintf(&b, "%6d rows removed in all\n", n.Total())
	io.WriteString(w, b.String())
}

// startCleanup runs the cleanup at once and then every interval, until ctx
// ends; the returned function waits for it to stop (call it before the
// store closes). It logs what it removed, when it removed something, and
// its failures (the next run tries again).
func startCleanup(ctx context.Context, db *store.DB, interval time.Duration, now func() time.Time, logger *slog.Logger) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			n, err := db.Cleanup(ctx, now())
			if ctx.Err() != nil {
				return
			}
			if n.Total() > 0 {
				attrs := []any{"removed", n.Total()}
				for _, k := range cleanupKinds(n) {
					if k.n > 0 {
						attrs = append(attrs, strings.ReplaceAll(k.what, " ", "_"), k.n)
					}
				}
				logger.Info("cleanup", attrs...)
			}
			if err != nil {
				logger.Error("cleanup failed", "error", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { <-done }
}

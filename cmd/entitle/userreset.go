package main

import (
	"context"
	"fmt"
	"strings"
)

func userResetPasswordCommand() command {
	return command{
		name:    "user reset-password",
		args:    "EMAIL [--base-url URL]",
		summary: "print a link that sets a user's password (works once, for an hour)",
		help: `Makes a password reset link for the user with EMAIL and prints it, for the
operator to hand to the user (by phone, a ticket, …): the same link the
portal mails from "Forgot your password?". It works once and for an hour;
setting the password with it signs the user out everywhere. The link points
at --base-url (or $ENTITLE_BASE_URL). Audited as the operator's.`,
		run: runUserResetPassword,
	}
}

func runUserResetPassword(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	email := f.String("email", "", "the user's email (or give it as the argument)")
	baseURL := f.String("base-url", envOr(e, "ENTITLE_BASE_URL", "http://127.0.0.1:8080"), "the portal's address as users reach it, for the link (env ENTITLE_BASE_URL)")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 1 && *email == "":
		*email = pos[0]
	case len(pos) > 0:
		return errUsage{"unexpected arguments: " + strings.Join(pos, " ")}
	case *email == "":
		return errUsage{"give the user's email: entitle user reset-password EMAIL"}
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	link, expires, err := wire(db, settings{now: e.now, baseURL: *baseURL}).accounts.ResetLink(ctx, *email)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "A link that sets the password of %s, once, until %s:\n", strings.ToLower(strings.TrimSpace(*email)), expires.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintln(e.stdout, link)
	return nil
}

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
)

func tokenCreateCommand() command {
	return command{
		name:    "token create",
		args:    "--email E [--name LABEL] [--expires-in DAYS]",
		summary: "create an API token for a user (printed once)",
		help: `Creates a random API token for the user and prints it on standard output,
alone on its line. It is shown only this once: the database keeps only its
SHA-256 hash. Use it as 'Authorization: Bearer TOKEN'. It works until it is
revoked, or for DAYS days with --expires-in. (Users make their own tokens,
which always expire, on the portal's Account page.)`,
		run: runTokenCreate,
	}
}

func runTokenCreate(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	label := f.String("name", "cli", "a label to recognise the token by")
	days := f.Int("expires-in", 0, "days until the token expires (0: never)")
	db, u, err := openUser(ctx, e, f, args)
	if err != nil {
		return err
	}
	defer db.Close()
	if u.Status != entitle.UserActive {
		return entitle.Errorf(entitle.CodeForbidden, "user %s is disabled", u.Email)
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	var expires time.Time
	if *days > 0 {
		expires = e.now().Add(time.Duration(*days) * 24 * time.Hour)
	}
	if _, err := db.AddToken(ctx, u.ID, *label, hash, e.now(), expires,
		entitle.AuditEvent{At: e.now(), Actor: "cli", Company: u.Company, Action: "token.create", Object: u.Email, Outcome: "ok", Detail: *label}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "API token %q for %s (%s); it is shown only once:\n", *label, u.Email, u.Company)
	fmt.Fprintln(e.stdout, token)
	return nil
}

func tokenRevokeCommand() command {
	return command{
		name:    "token revoke",
		args:    "--email E [--name LABEL]",
		summary: "revoke a user's API tokens (those with LABEL, or all)",
		help: `Revokes the user's API tokens labelled LABEL, or all of them without --name.
A revoked token is refused on its very next request.`,
		run: runTokenRevoke,
	}
}

func runTokenRevoke(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	label := f.String("name", "", "revoke only the tokens with this label")
	db, u, err := openUser(ctx, e, f, args)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.RevokeTokens(ctx, u.ID, *label, e.now(), entitle.AuditEvent{At: e.now(), Actor: "cli", Company: u.Company,
		Action: "token.revoke", Object: u.Email, Outcome: "ok", Detail: *label})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "revoked %d token%s of %s\n", n, plural(n), u.Email)
	return nil
}

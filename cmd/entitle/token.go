package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/policy"
)

func tokenCreateCommand() command {
	return command{
		name:    "token create",
		args:    "--email E [--name LABEL] [--expires-in DAYS] [--scope LIST]",
		summary: "create an API token for a user (printed once)",
		help: `Creates a random API token for the user and prints it on standard output,
alone on its line. It is shown only this once: the database keeps only its
SHA-256 hash. Use it as 'Authorization: Bearer TOKEN'. It works until it is
revoked, or for DAYS days with --expires-in. (Users make their own tokens,
which always expire, on the portal's Account page.)

--scope limits what the token may be used for: a comma-separated list of
read, write, import and admin (README, "Scoped API tokens"). Without it the
token gets every scope its user may hold, and says so. A scope the user may
not hold is refused: admin is for company administrators, import for the
vendor's administrators. Scopes never give more than the user's role.`,
		run: runTokenCreate,
	}
}

func runTokenCreate(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	label := f.String("name", "cli", "a label to recognise the token by")
	days := f.Int("expires-in", 0, "days until the token expires (0: never)")
	scopeList := f.String("scope", "", "comma-separated scopes: read, write, import, admin (default: every scope the user may hold)")
	db, u, err := openUser(ctx, e, f, args)
	if err != nil {
		return err
	}
	defer db.Close()
	scopes, err := entitle.ParseScopes(*scopeList)
	if err != nil {
		return errUsage{"--scope: " + err.Error()}
	}
	if *scopeList != "" && len(scopes) == 0 {
		return errUsage{"--scope: name at least one of read, write, import, admin"}
	}
	if u.Status != entitle.UserActive {
		return entitle.Errorf(entitle.CodeForbidden, "user %s is disabled", u.Email)
	}
	vendor, err := db.VendorKey(ctx)
	if err != nil {
		return err
	}
	holdable := policy.HoldableScopes(entitle.Actor{Company: u.Company, Vendor: u.Company == vendor, Admin: u.Admin, UserID: u.ID})
	if len(scopes) == 0 {
		scopes = holdable
		fmt.Fprintf(e.stderr, "no --scope: the token gets every scope %s may hold: %s\n", u.Email, strings.Join(scopes.Strings(), ","))
	}
	for _, sc := range scopes {
		if !holdable.Has(sc) {
			return entitle.Errorf(entitle.CodeInvalid, "%s may not hold the scope %s: %s", u.Email, sc, policy.WhoMayHold(sc))
		}
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	var expires time.Time
	if *days > 0 {
		expires = e.now().Add(time.Duration(*days) * 24 * time.Hour)
	}
	if _, err := db.AddToken(ctx, u.ID, *label, hash, scopes, e.now(), expires,
		entitle.AuditEvent{At: e.now(), Actor: "cli", Company: u.Company, Action: "token.create", Object: u.Email, Outcome: "ok",
			Detail: *label + "; scopes " + scopes.String()}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "API token %q for %s (%s), scopes %s; it is shown only once:\n", *label, u.Email, u.Company, strings.Join(scopes.Strings(), ","))
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

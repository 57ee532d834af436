package main

import (
	"fmt"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/store"
)

func tokenCreateCommand() command {
	return command{
		name:    "token create",
		args:    "--email E [--name LABEL]",
		summary: "create an API token for a user (printed once)",
		help: `Creates a random API token for the user and prints it on standard output,
alone on its line. It is shown only this once: the database keeps only its
SHA-256 hash. Use it as 'Authorization: Bearer TOKEN'.`,
		run: runTokenCreate,
	}
}

func runTokenCreate(e *env, c command, args []string) error {
	f := newFlags(e, c)
	email := f.String("email", "", "the user's email (required)")
	label := f.String("name", "cli", "a label to recognise the token by")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage{"unexpected arguments: " + strings.Join(pos, " ")}
	}
	if *email == "" {
		return errUsage{"missing --email"}
	}
	db, err := f.open()
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := userByEmail(e, db, *email)
	if err != nil {
		return err
	}
	if u.Status != entitle.UserActive {
		return entitle.Errorf(entitle.CodeForbidden, "user %s is disabled", u.Email)
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	if _, err := db.AddToken(e.ctx, u.ID, *label, hash, e.now()); err != nil {
		return err
	}
	if err := db.Audit(e.ctx, store.AuditEvent{At: e.now(), Actor: "cli", Company: u.Company, Action: "token.create", Object: u.Email, Outcome: "ok", Detail: *label}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "API token %q for %s (%s); it is shown only once:\n", *label, u.Email, u.Company)
	fmt.Fprintln(e.stdout, token)
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

func checkCommand() command {
	return command{
		name:    "check",
		args:    "--email E --subscription ID",
		summary: "explain what a user may see of an entitlement, and why",
		help: `Asks every way the user could — get the entitlement, look up its PO
number, open the order, delegate it, ask who has access — and prints each
answer with the rule behind it. An entitlement the user may not see is
reported exactly as one that does not exist (R7). The check is audited.`,
		run: runCheck,
	}
}

func runCheck(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	email := f.String("email", "", "the user's email (required)")
	sub := f.String("subscription", "", "the subscription ID (required)")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *email == "" || *sub == "" {
		return errUsage{"give --email and --subscription"}
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := userByEmail(ctx, e, db, *email)
	if err != nil {
		return err
	}
	gate := wire(db, settings{now: e.now}).gate
	caller, err := gate.Actor(ctx, u.User)
	if err != nil {
		return err
	}
	x, err := gate.Check(ctx, caller, *sub)
	if err != nil {
		return err
	}
	co, err := db.Company(ctx, u.Company)
	if err != nil {
		return err
	}
	role := "member"
	if u.Admin {
		role = "administrator"
	}
	if u.Status != entitle.UserActive {
		role += ", disabled: signs in to nothing"
	}
	fmt.Fprintf(e.stdout, "%s — %s of %s (%s)\n\n", u.Email, role, co.Name, co.Key)
	printDecision(e.stdout, "get "+*sub, x.Get, "not found")
	if !x.Exists {
		return nil
	}
	printDecision(e.stdout, "look up its PO number", x.ByPO, "not found")
	printDecision(e.stdout, "open the order's details", x.Order, "not found")
	printDecision(e.stdout, "grant or revoke delegations", x.Delegable, "no")
	if !x.Explain.Allowed {
		printDecision(e.stdout, "who has access", x.Explain, "not for this user")
		return nil
	}
	fmt.Fprintf(e.stdout, "%-28s\n", "who has access")
	for _, a := range x.Access {
		basis := make([]string, len(a.Basis))
		for i, b := range a.Basis {
			basis[i] = string(b)
		}
		extra := ""
		if len(a.Delegations) > 0 {
			extra = " (delegation " + strings.Join(a.Delegations, ", ") + ")"
		}
		fmt.Fprintf(e.stdout, "  %-16s %-30s %s%s\n", a.Company.Key, a.Company.Name, strings.Join(basis, ", "), extra)
	}
	return nil
}

// printDecision prints one answer with its reasons; denied says how a
// refusal reads ("not found" where R7 applies).
func printDecision(w io.Writer, what string, d policy.Decision, denied string) {
	outcome := denied
	if d.Allowed {
		outcome = "yes"
		if d.Views != 0 {
			outcome += ": " + viewWords(d.Views)
		}
		if len(d.Basis) > 0 {
			basis := make([]string, len(d.Basis))
			for i, b := range d.Basis {
				basis[i] = string(b)
			}
			outcome += " — basis " + strings.Join(basis, ", ")
		}
	}
	fmt.Fprintf(w, "%-28s %s\n", what, outcome)
	for _, r := range d.Reasons {
		fmt.Fprintf(w, "%-28s   %s\n", "", r)
	}
}

func viewWords(v policy.View) string {
	var words []string
	if v.Has(policy.ViewEntitlement) {
		words = append(words, "entitlement information")
	}
	if v.Has(policy.ViewOrder) {
		words = append(words, "order details")
	}
	if v.Has(policy.ViewOwner) {
		words = append(words, "owner & location")
	}
	if v.Has(policy.ViewPartner) {
		words = append(words, "who sold it")
	}
	return strings.Join(words, ", ")
}

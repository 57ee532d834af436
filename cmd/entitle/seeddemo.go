package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/demo"
	"github.com/entitle-portal/entitle/internal/store"
)

func seedDemoCommand() command {
	return command{
		name:    "seed-demo",
		args:    "[--db DSN]",
		summary: "load a small, realistic demo channel with users",
		help: `Loads the demo channel — a vendor, distributors, resellers, an MSP and
customers, with orders, entitlements, delegations and users — dated around
today, and prints one login per role. Running it again changes nothing.`,
		run: runSeedDemo,
	}
}

func runSeedDemo(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage{"seed-demo takes no arguments"}
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ch, err := seedDemo(ctx, e, db)
	if err != nil {
		return err
	}
	printLogins(e.stdout, ch)
	return nil
}

// seedDemo loads the demo channel into db; what is already there is kept.
func seedDemo(ctx context.Context, e *env, db *store.DB) (demo.Channel, error) {
	now := e.now()
	ch := demo.New(entitle.DateOf(now))
	// Dates follow today: orders seeded on an earlier day are kept as they
	// are (orders never change by import), the rest is added.
	batch := ch.Batch
	batch.Orders = nil
	for _, o := range ch.Batch.Orders {
		_, _, err := db.OrderByPO(ctx, o.Record.PurchasingEntity, o.Record.PONumber)
		switch {
		case errors.Is(err, entitle.ErrNotFound):
			batch.Orders = append(batch.Orders, o)
		case err != nil:
			return ch, err
		}
	}
	_, problems, err := db.Import(ctx, batch, entitle.ImportOptions{Actor: "cli"}, now)
	if err != nil {
		return ch, err
	}
	if len(problems) > 0 {
		return ch, fmt.Errorf("the demo channel does not fit this database:\n%w", problems)
	}
	// One hash for the shared demo password: argon2id is slow by design.
	hashes := map[string]string{}
	var users []entitle.UserRecord
	for _, u := range ch.Users {
		if _, err := db.UserByEmail(ctx, u.Email); err == nil {
			continue
		}
		h, ok := hashes[u.Password]
		if !ok {
			if h, err = auth.HashPassword(u.Password); err != nil {
				return ch, err
			}
			hashes[u.Password] = h
		}
		users = append(users, entitle.UserRecord{User: u.User, PasswordHash: h})
	}
	if err := db.AddUsers(ctx, users, now); err != nil {
		return ch, err
	}
	granted := map[string]bool{}
	for _, d := range ch.Delegations {
		g, _, err := db.Delegations(ctx, d.Owner)
		if err != nil {
			return ch, err
		}
		for _, x := range g {
			granted[x.ID] = true
		}
	}
	var fresh []entitle.Delegation
	for _, d := range ch.Delegations {
		if !granted[d.ID] {
			fresh = append(fresh, d)
		}
	}
	if err := db.AddDelegations(ctx, fresh); err != nil {
		return ch, err
	}
	// Access requests: added while the requester has sent none.
	for _, r := range ch.AccessRequests {
		sent, err := db.AccessRequests(ctx, r.Requester, false, 1)
		if err != nil {
			return ch, err
		}
		if len(sent) > 0 {
			continue
		}
		secret, err := auth.NewSecret()
		if err != nil {
			return ch, err
		}
		r.SecretHash = auth.HashToken(secret)
		if _, err := db.CreateAccessRequest(ctx, r, entitle.AuditEvent{At: r.CreatedAt, Actor: r.RequestedBy, Company: r.Requester,
			Action: "access_request.create", Outcome: "ok", Detail: "demo"}); err != nil {
			return ch, err
		}
	}
	// Profiles: set once (a profile its company has changed since is kept).
	for _, p := range ch.Profiles {
		cur, err := db.Profile(ctx, p.Company)
		if err != nil {
			return ch, err
		}
		if cur.ContactEmail != "" || cur.ContactPhone != "" || cur.Website != "" || cur.Listed {
			continue
		}
		cur.ContactEmail, cur.ContactPhone, cur.Website, cur.Listed = p.ContactEmail, p.ContactPhone, p.Website, p.Listed
		if err := db.SetProfile(ctx, cur, entitle.AuditEvent{At: now, Actor: "cli", Company: p.Company, Action: "company.profile",
			Object: p.Company, Outcome: "ok", Detail: "demo"}); err != nil {
			return ch, err
		}
	}
	return ch, nil
}

func printLogins(w io.Writer, ch demo.Channel) {
	companies := map[string]entitle.Company{}
	for _, c := range ch.Batch.Companies {
		companies[c.Record.Key] = c.Record
	}
	fmt.Fprintln(w, "Demo logins (one per role):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	logins := demo.Logins(ch)
	for _, u := range logins {
		co := companies[u.Company]
		fmt.Fprintf(tw, "  %s / %s\t%s\t%s (%s)\n", u.Email, u.Password, u.Role, co.Name, co.Key)
	}
	tw.Flush()
}

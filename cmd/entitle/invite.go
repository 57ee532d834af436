package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/coworkers"
)

func inviteCommand() command {
	return command{
		name:    "invite",
		args:    "--email ADDR (--company KEY | --by USER) [--admin] [--base-url URL] [mail flags]",
		summary: "invite someone to join a company on the portal (mails a sign-up link)",
		help: `Invites ADDR to join a company, exactly as the portal's co-worker invitation
(SPEC §4): the same checks and messages, one invitation per address, a
single-use link valid --invitation-ttl. With --company the vendor's operator
invites (e.g. the first administrator of a new partner: add --admin); with
--by the invitation is sent as that user, into that user's company, under the
same rules as in the portal.

Mail goes over SMTP when --smtp-addr is set, else into an .eml file in the
outbox directory. Links point at --base-url (or $ENTITLE_BASE_URL), the
portal's address as users reach it.`,
		run: runInvite,
	}
}

func runInvite(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	email := f.String("email", "", "the address to invite (required)")
	company := f.String("company", "", "invite into this company, as the vendor's operator")
	by := f.String("by", "", "invite as this user (email), into the user's company")
	admin := f.Bool("admin", false, "the new user joins as an administrator of the company")
	baseURL := f.String("base-url", envOr(e, "ENTITLE_BASE_URL", "http://127.0.0.1:8080"), "the portal's address as users reach it, for the link (env ENTITLE_BASE_URL)")
	ttl := f.Duration("invitation-ttl", 7*24*time.Hour, "how long the invitation link works")
	mf := addMailFlags(f)
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage{"unexpected arguments: " + strings.Join(pos, " ")}
	case (*company == "") == (*by == ""):
		return errUsage{"give either --company KEY (invite as the vendor's operator) or --by USER (invite as that user)"}
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	from := coworkers.Operator(*company)
	if *by != "" {
		u, err := userByEmail(ctx, e, db, *by)
		if err != nil {
			return err
		}
		if u.Status != entitle.UserActive {
			return entitle.Errorf(entitle.CodeForbidden, "%s is disabled: a disabled user invites nobody", u.Email)
		}
		vendor, err := db.VendorKey(ctx)
		if err != nil {
			return err
		}
		from = u.User.Actor(vendor)
	} else if _, err := db.Company(ctx, *company); err != nil {
		return entitle.Errorf(entitle.CodeNotFound, "no company with key %s", *company)
	}
	sender, where := mf.sender(e)
	// One attempt now, and a few more within the command's lifetime (a
	// command cannot retry in the background after it exits).
	svc := wire(db, settings{now: e.now, mailer: sender, baseURL: *baseURL, invitationTTL: *ttl,
		delivery: coworkers.Delivery{Attempts: 3, Backoff: 2 * time.Second}}).coworkers
	inv, err := svc.Invite(ctx, from, *email, *admin)
	if err != nil {
		return err
	}
	svc.Wait()
	if inv, err = db.Invitation(ctx, inv.ID); err != nil {
		return err
	}
	role := "a member"
	if inv.Admin {
		role = "an administrator"
	}
	fmt.Fprintf(e.stdout, "invited %s to join %s as %s; the link works until %s\n", inv.Email, inv.Company, role, inv.ExpiresAt.Format(time.RFC3339))
	if inv.Mail.Status != entitle.MailSent {
		return fmt.Errorf("the invitation is recorded, but its mail was not delivered: %s (%s); resend it from the portal's co-workers page", inv.Mail.Error, where)
	}
	fmt.Fprintf(e.stdout, "%s\n", strings.ToUpper(where[:1])+where[1:])
	return nil
}

func invitationsCommand() command {
	return command{
		name:    "invitations",
		args:    "--company KEY",
		summary: "list a company's open invitations and how their mail went",
		run:     runInvitations,
	}
}

func runInvitations(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	company := f.String("company", "", "company key (required)")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage{"unexpected arguments: " + strings.Join(pos, " ")}
	case *company == "":
		return errUsage{"missing --company"}
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Company(ctx, *company); err != nil {
		return entitle.Errorf(entitle.CodeNotFound, "no company with key %s", *company)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tSTATE\tEXPIRES\tINVITED BY\tMAIL")
	now := e.now()
	var after int64
	n := 0
	for {
		page, err := db.OpenInvitations(ctx, *company, 0, after, 500)
		if err != nil {
			return err
		}
		for _, inv := range page {
			by := inv.InviterEmail
			if by == "" {
				by = "(operator)"
			}
			m := inv.Mail.Status
			if inv.Mail.Error != "" {
				m += ": " + inv.Mail.Error
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", inv.ID, inv.Email, inv.State(now), inv.ExpiresAt.Format("2006-01-02 15:04"), by, m)
			after = inv.ID
			n++
		}
		if len(page) < 500 {
			break
		}
	}
	if n == 0 {
		fmt.Fprintf(e.stdout, "%s has no open invitations\n", *company)
		return nil
	}
	return tw.Flush()
}

func envOr(e *env, name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

package policy

import (
	"fmt"

	"github.com/entitle-portal/entitle"
)

// The co-worker rules (SPEC §4 and issue 5). They decide who may invite whom
// into a company and who may change a company's users; like the disclosure
// rules they deny by default, and a company's users and invitations do not
// exist for any other company (R7: the answer is not_found).

// Invite decides an invitation into c's own company: "Any active user may
// invite a co-worker by email; on joining, the co-worker belongs to the
// inviter's company" (SPEC §4). Only an administrator may invite someone to
// join as an administrator.
func Invite(c entitle.Actor, asAdmin bool) Decision {
	switch {
	case c.Company == "":
		return hide("§4: only a member of a company may invite co-workers")
	case asAdmin && !c.Admin:
		return refuse("only administrators of your company may invite an administrator")
	}
	return allow(0, nil, "§4: any active user may invite a co-worker into their own company")
}

// ListCoworkers decides whether c may list the users of company: any member
// may see who their co-workers are (and who administers the company).
func ListCoworkers(c entitle.Actor, company string) Decision {
	if c.Company == "" || c.Company != company {
		return hide("R7: another company's users do not exist for you")
	}
	return allow(0, nil, "members see who their co-workers are")
}

// ListInvitations decides which of company's open invitations c may see:
// administrators see all of them (ScopeCompany), other members the ones they
// sent themselves (ScopeOwn).
func ListInvitations(c entitle.Actor, company string) Decision {
	switch {
	case c.Company == "" || c.Company != company:
		return hide("R7: another company's invitations do not exist for you")
	case c.Admin:
		d := allow(0, nil, "administrators see every invitation of their company")
		d.Scope = ScopeCompany
		return d
	}
	d := allow(0, nil, "you see the invitations you sent")
	d.Scope = ScopeOwn
	return d
}

// ManageInvitation decides whether c may revoke or resend inv, an
// invitation into inv.Company. Administrators manage every invitation of
// their company, a member the ones they sent. Another member's invitation
// is refused (the member knows the company invites people); another
// company's does not exist for c.
func ManageInvitation(c entitle.Actor, inv entitle.Invitation) Decision {
	switch {
	case c.Company == "" || c.Company != inv.Company:
		return hide("R7: another company's invitation does not exist for you")
	case c.Admin:
		return allow(0, nil, "administrators manage every invitation of their company")
	case c.User() && inv.InviterID == c.UserID:
		return allow(0, nil, "you manage the invitations you sent")
	}
	return refuse("only an administrator of your company or the co-worker who sent it may change an invitation")
}

// ChangeCoworker decides whether c may apply ch to target, a user of some
// company that has otherActiveAdmins active administrators besides target.
// Only administrators of target's company may; another company's user does
// not exist for c. "The last active admin of a company cannot be demoted or
// disabled" (issue 5): a company always keeps someone who can administer it.
func ChangeCoworker(c entitle.Actor, target entitle.User, ch entitle.UserChange, otherActiveAdmins int) Decision {
	disable := ch.Status != nil && *ch.Status == entitle.UserDisabled
	demote := ch.Admin != nil && !*ch.Admin
	switch {
	case c.Company == "" || c.Company != target.Company:
		return hide("R7: another company's user does not exist for you")
	case !c.Admin:
		return refuse("only administrators of your company may disable, enable, promote or demote its users")
	case (disable || demote) && target.Admin && target.Status == entitle.UserActive && otherActiveAdmins == 0:
		return refuse(fmt.Sprintf("%s is the last active administrator of your company: make another user an administrator first", target.Email))
	}
	return allow(0, nil, "administrators manage the users of their company")
}

// SendPasswordReset decides whether c may send target, a user of some
// company, a link that sets a new password. Only administrators of target's
// company may (a co-worker locked out asks them); another company's user
// does not exist for c. A disabled user is enabled first: the link would
// not let them in.
func SendPasswordReset(c entitle.Actor, target entitle.User) Decision {
	switch {
	case c.Company == "" || target.Company != c.Company:
		return hide("R7: another company's user does not exist for you")
	case !c.Admin:
		return refuse("only administrators of your company may send a co-worker a password reset link")
	case target.Status != entitle.UserActive:
		return refuse(fmt.Sprintf("%s is disabled: enable the user first, then send the link", target.Email))
	}
	return allow(0, nil, "administrators send their company's users password reset links")
}

// ManageAccount decides whether c may see and change its own account: its
// password, its sessions and its personal API tokens. Every signed-in user
// may, for itself only (the store finds a credential only among c's own:
// another user's does not exist for c); the operator has no account.
func ManageAccount(c entitle.Actor) Decision {
	if !c.User() {
		return hide("only a signed-in user has an account")
	}
	return allow(0, nil, "you manage your own password, sessions and API tokens")
}

package policy

import "github.com/entitle-portal/entitle"

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
		return Decision{Reasons: []string{"§4: only a member of a company may invite co-workers"}}
	case asAdmin && !c.Admin:
		return Decision{Reasons: []string{"only administrators of your company may invite an administrator"}}
	}
	return Decision{Allowed: true, Reasons: []string{"§4: any active user may invite a co-worker into their own company"}}
}

// ListCoworkers decides whether c may list the users of company: any member
// may see who their co-workers are (and who administers the company).
func ListCoworkers(c entitle.Actor, company string) (d Decision, visible bool) {
	if c.Company == "" || c.Company != company {
		return Decision{Reasons: []string{"R7: another company's users do not exist for you"}}, false
	}
	return Decision{Allowed: true, Reasons: []string{"members see who their co-workers are"}}, true
}

// ListInvitations decides which of company's open invitations c may see:
// administrators see all of them (all true), other members the ones they
// sent themselves (all false).
func ListInvitations(c entitle.Actor, company string) (all bool, d Decision) {
	switch {
	case c.Company == "" || c.Company != company:
		return false, Decision{Reasons: []string{"R7: another company's invitations do not exist for you"}}
	case c.Admin:
		return true, Decision{Allowed: true, Reasons: []string{"administrators see every invitation of their company"}}
	}
	return false, Decision{Allowed: true, Reasons: []string{"you see the invitations you sent"}}
}

// ManageInvitation decides whether c may revoke or resend an invitation into
// company; mine says c sent it. Administrators manage every invitation of
// their company, a member the ones they sent. Another member's invitation is
// refused (the member knows the company invites people); another company's
// does not exist for c (visible false).
func ManageInvitation(c entitle.Actor, company string, mine bool) (d Decision, visible bool) {
	switch {
	case c.Company == "" || c.Company != company:
		return Decision{Reasons: []string{"R7: another company's invitation does not exist for you"}}, false
	case c.Admin:
		return Decision{Allowed: true, Reasons: []string{"administrators manage every invitation of their company"}}, true
	case mine:
		return Decision{Allowed: true, Reasons: []string{"you manage the invitations you sent"}}, true
	}
	return Decision{Reasons: []string{"only an administrator of your company or the co-worker who sent it may change an invitation"}}, true
}

// UserChange is a change of one user's standing: disable or enable, promote
// to or demote from administrator.
type UserChange struct {
	Disable, Enable, Promote, Demote bool
}

// ChangeCoworker decides whether c may apply ch to target, a user of some
// company that has otherActiveAdmins active administrators besides target.
// Only administrators of target's company may; another company's user does
// not exist for c (visible false). "The last active admin of a company
// cannot be demoted or disabled" (issue 5): a company always keeps someone
// who can administer it.
func ChangeCoworker(c entitle.Actor, target entitle.User, ch UserChange, otherActiveAdmins int) (d Decision, visible bool) {
	switch {
	case c.Company == "" || c.Company != target.Company:
		return Decision{Reasons: []string{"R7: another company's user does not exist for you"}}, false
	case !c.Admin:
		return Decision{Reasons: []string{"only administrators of your company may disable, enable, promote or demote its users"}}, true
	case (ch.Disable || ch.Demote) && target.Admin && target.Status == entitle.UserActive && otherActiveAdmins == 0:
		return Decision{Reasons: []string{target.Email + " is the last active administrator of your company: make another user an administrator first"}}, true
	}
	return Decision{Allowed: true, Reasons: []string{"administrators manage the users of their company"}}, true
}

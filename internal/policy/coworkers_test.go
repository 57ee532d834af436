package policy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The co-worker rules, cell by cell. Company "ACME" is the company asked
// about; "OTHER" is another company and "MAKER" the vendor, which has no
// special powers over another company's users or invitations: here it is just
// another company.
var (
	nobody       = entitle.Actor{}
	acmeMember   = entitle.Actor{Company: "ACME", UserID: 11}
	acmeAdmin    = entitle.Actor{Company: "ACME", Admin: true, UserID: 12}
	otherMember  = entitle.Actor{Company: "OTHER", UserID: 21}
	otherAdmin   = entitle.Actor{Company: "OTHER", Admin: true, UserID: 22}
	vendorMember = entitle.Actor{Company: "MAKER", Vendor: true, UserID: 31}
	vendorAdmin  = entitle.Actor{Company: "MAKER", Vendor: true, Admin: true, UserID: 32}
)

// callerKinds names every kind of caller, for messages and loops.
var callerKinds = []struct {
	name string
	c    entitle.Actor
}{
	{"no company", nobody},
	{"member", acmeMember},
	{"admin", acmeAdmin},
	{"other member", otherMember},
	{"other admin", otherAdmin},
	{"vendor member", vendorMember},
	{"vendor admin", vendorAdmin},
}

// checkReasons fails unless d carries at least one reason and none is empty.
func checkReasons(t *testing.T, cell string, d policy.Decision) {
	t.Helper()
	if len(d.Reasons) == 0 {
		t.Errorf("%s: decision without a reason: %+v", cell, d)
	}
	for _, r := range d.Reasons {
		if strings.TrimSpace(r) == "" {
			t.Errorf("%s: empty reason in %q", cell, d.Reasons)
		}
	}
}

// TestInvite: any member of a company invites co-workers into it (SPEC §4);
// only an administrator invites an administrator. Invite always concerns the
// caller's own company, so a member or admin of another company (the vendor
// included) is decided like one of ACME's.
func TestInvite(t *testing.T) {
	for _, tc := range []struct {
		name    string
		c       entitle.Actor
		asAdmin bool
		allowed bool
	}{
		{"no company", nobody, false, false},
		{"no company", nobody, true, false},
		{"member", acmeMember, false, true},
		{"member", acmeMember, true, false},
		{"admin", acmeAdmin, false, true},
		{"admin", acmeAdmin, true, true},
		{"other member", otherMember, false, true},
		{"other member", otherMember, true, false},
		{"other admin", otherAdmin, false, true},
		{"other admin", otherAdmin, true, true},
		{"vendor member", vendorMember, false, true},
		{"vendor member", vendorMember, true, false},
		{"vendor admin", vendorAdmin, false, true},
		{"vendor admin", vendorAdmin, true, true},
	} {
		cell := fmt.Sprintf("%s asAdmin=%v", tc.name, tc.asAdmin)
		d := policy.Invite(tc.c, tc.asAdmin)
		if d.Allowed != tc.allowed {
			t.Errorf("%s: allowed %v %q; want %v", cell, d.Allowed, d.Reasons, tc.allowed)
		}
		checkReasons(t, cell, d)
	}
}

// TestListCoworkers: every member of ACME lists its users; to anyone else
// they do not exist (R7), the vendor included.
func TestListCoworkers(t *testing.T) {
	for _, tc := range []struct {
		name             string
		c                entitle.Actor
		allowed, visible bool
	}{
		{"no company", nobody, false, false},
		{"member", acmeMember, true, true},
		{"admin", acmeAdmin, true, true},
		{"other member", otherMember, false, false},
		{"other admin", otherAdmin, false, false},
		{"vendor member", vendorMember, false, false},
		{"vendor admin", vendorAdmin, false, false},
	} {
		d := policy.ListCoworkers(tc.c, "ACME")
		visible := d.Visible
		if d.Allowed != tc.allowed || visible != tc.visible {
			t.Errorf("%s: allowed %v visible %v %q; want %v %v", tc.name, d.Allowed, visible, d.Reasons, tc.allowed, tc.visible)
		}
		checkReasons(t, tc.name, d)
	}
	// The vendor lists its own users like any company.
	if d := policy.ListCoworkers(vendorMember, "MAKER"); !d.Allowed || !d.Visible {
		t.Errorf("vendor member, own company: allowed %v visible %v", d.Allowed, d.Visible)
	}
	// An empty company key matches no caller, not even one without a company.
	if d := policy.ListCoworkers(nobody, ""); d.Allowed || d.Visible {
		t.Errorf("no company, company \"\": allowed %v visible %v", d.Allowed, d.Visible)
	}
}

// TestListInvitations: ACME's administrators see all its invitations, its
// members the ones they sent; to anyone else they do not exist.
func TestListInvitations(t *testing.T) {
	for _, tc := range []struct {
		name         string
		c            entitle.Actor
		allowed, all bool
	}{
		{"no company", nobody, false, false},
		{"member", acmeMember, true, false},
		{"admin", acmeAdmin, true, true},
		{"other member", otherMember, false, false},
		{"other admin", otherAdmin, false, false},
		{"vendor member", vendorMember, false, false},
		{"vendor admin", vendorAdmin, false, false},
	} {
		d := policy.ListInvitations(tc.c, "ACME")
		all := d.Scope == policy.ScopeCompany
		if d.Allowed != tc.allowed || all != tc.all {
			t.Errorf("%s: allowed %v all %v %q; want %v %v", tc.name, d.Allowed, all, d.Reasons, tc.allowed, tc.all)
		}
		checkReasons(t, tc.name, d)
	}
	// The vendor's administrators see their own company's invitations.
	if d := policy.ListInvitations(vendorAdmin, "MAKER"); !d.Allowed || d.Scope != policy.ScopeCompany {
		t.Errorf("vendor admin, own company: allowed %v scope %v", d.Allowed, d.Scope)
	}
	if d := policy.ListInvitations(nobody, ""); d.Allowed || d.Scope == policy.ScopeCompany {
		t.Errorf("no company, company \"\": allowed %v scope %v", d.Allowed, d.Scope)
	}
}

// TestManageInvitation: revoking or resending one of ACME's invitations.
// Administrators manage all of them, a member the ones he sent; another
// member's is refused but known; another company's does not exist.
func TestManageInvitation(t *testing.T) {
	for _, tc := range []struct {
		name             string
		c                entitle.Actor
		mine             bool
		allowed, visible bool
	}{
		{"no company", nobody, false, false, false},
		{"no company", nobody, true, false, false},
		{"member", acmeMember, false, false, true},
		{"member", acmeMember, true, true, true},
		{"admin", acmeAdmin, false, true, true},
		{"admin", acmeAdmin, true, true, true},
		// mine cannot really be true for another company's caller; the
		// policy must not trust it.
		{"other member", otherMember, false, false, false},
		{"other member", otherMember, true, false, false},
		{"other admin", otherAdmin, false, false, false},
		{"other admin", otherAdmin, true, false, false},
		{"vendor member", vendorMember, false, false, false},
		{"vendor member", vendorMember, true, false, false},
		{"vendor admin", vendorAdmin, false, false, false},
		{"vendor admin", vendorAdmin, true, false, false},
	} {
		cell := fmt.Sprintf("%s mine=%v", tc.name, tc.mine)
		d := policy.ManageInvitation(tc.c, invitation("ACME", tc.c, tc.mine))
		visible := d.Visible
		if d.Allowed != tc.allowed || visible != tc.visible {
			t.Errorf("%s: allowed %v visible %v %q; want %v %v", cell, d.Allowed, visible, d.Reasons, tc.allowed, tc.visible)
		}
		checkReasons(t, cell, d)
	}
}

// The targets of TestChangeCoworker: users of ACME.
var (
	activeAdmin    = entitle.User{Email: "ada@acme.example", Company: "ACME", Admin: true, Status: entitle.UserActive}
	disabledAdmin  = entitle.User{Email: "dan@acme.example", Company: "ACME", Admin: true, Status: entitle.UserDisabled}
	activeMember   = entitle.User{Email: "mia@acme.example", Company: "ACME", Status: entitle.UserActive}
	disabledMember = entitle.User{Email: "dom@acme.example", Company: "ACME", Status: entitle.UserDisabled}
)

var targets = []struct {
	name string
	u    entitle.User
}{
	{"active admin", activeAdmin},
	{"disabled admin", disabledAdmin},
	{"active member", activeMember},
	{"disabled member", disabledMember},
}

var (
	active, disabled = entitle.UserActive, entitle.UserDisabled
	yes, no          = true, false
	disable          = entitle.UserChange{Status: &disabled}
	enable           = entitle.UserChange{Status: &active}
	promote          = entitle.UserChange{Admin: &yes}
	demote           = entitle.UserChange{Admin: &no}
)

// invitation is an invitation into company, sent by c when mine (else by
// another user).
func invitation(company string, c entitle.Actor, mine bool) entitle.Invitation {
	inv := entitle.Invitation{Company: company, InviterID: 99}
	if mine {
		inv.InviterID = c.UserID
	}
	return inv
}

var changes = []struct {
	name string
	ch   entitle.UserChange
}{
	{"disable", disable},
	{"enable", enable},
	{"promote", promote},
	{"demote", demote},
}

// TestChangeCoworkerNotAdmin: nobody but an administrator of ACME changes
// ACME's users, whatever the target, the change and the other admins. A
// member of ACME is refused but knows the user; anyone else, the vendor's
// administrators included, does not (R7).
func TestChangeCoworkerNotAdmin(t *testing.T) {
	for _, ck := range callerKinds {
		if ck.c == acmeAdmin {
			continue // TestChangeCoworker
		}
		wantVisible := ck.c == acmeMember
		for _, tg := range targets {
			for _, chg := range changes {
				for _, others := range []int{0, 1} {
					cell := fmt.Sprintf("%s %s %s others=%d", ck.name, chg.name, tg.name, others)
					d := policy.ChangeCoworker(ck.c, tg.u, chg.ch, others)
					visible := d.Visible
					if d.Allowed || visible != wantVisible {
						t.Errorf("%s: allowed %v visible %v %q; want false %v", cell, d.Allowed, visible, d.Reasons, wantVisible)
					}
					checkReasons(t, cell, d)
				}
			}
		}
	}
}

// TestChangeCoworker: what an administrator of ACME may do to its users.
// "The last active admin of a company cannot be demoted or disabled"
// (issue 5); everything else is allowed.
func TestChangeCoworker(t *testing.T) {
	const lastAdmin = false // the refusal of the last-admin rule
	for _, tc := range []struct {
		target  entitle.User
		ch      entitle.UserChange
		others  int
		allowed bool
	}{
		// An active admin: the last one may be neither disabled nor demoted.
		{activeAdmin, disable, 0, lastAdmin},
		{activeAdmin, disable, 1, true},
		{activeAdmin, enable, 0, true}, // enabling the last admin changes nothing that matters
		{activeAdmin, enable, 1, true},
		{activeAdmin, promote, 0, true},
		{activeAdmin, promote, 1, true},
		{activeAdmin, demote, 0, lastAdmin},
		{activeAdmin, demote, 1, true},
		// A disabled admin is not active: he is nobody's last active admin.
		{disabledAdmin, disable, 0, true},
		{disabledAdmin, disable, 1, true},
		{disabledAdmin, enable, 0, true}, // enabling gives the company an active admin
		{disabledAdmin, enable, 1, true},
		{disabledAdmin, promote, 0, true},
		{disabledAdmin, promote, 1, true},
		{disabledAdmin, demote, 0, true},
		{disabledAdmin, demote, 1, true},
		// A member is no admin: the rule does not protect him, even in a
		// company with no other admins.
		{activeMember, disable, 0, true},
		{activeMember, disable, 1, true},
		{activeMember, enable, 0, true},
		{activeMember, enable, 1, true},
		{activeMember, promote, 0, true},
		{activeMember, promote, 1, true},
		{activeMember, demote, 0, true},
		{activeMember, demote, 1, true},
		{disabledMember, disable, 0, true},
		{disabledMember, disable, 1, true},
		{disabledMember, enable, 0, true},
		{disabledMember, enable, 1, true},
		{disabledMember, promote, 0, true},
		{disabledMember, promote, 1, true},
		{disabledMember, demote, 0, true},
		{disabledMember, demote, 1, true},
	} {
		cell := fmt.Sprintf("%+v %s admin=%v others=%d", tc.ch, tc.target.Status, tc.target.Admin, tc.others)
		d := policy.ChangeCoworker(acmeAdmin, tc.target, tc.ch, tc.others)
		visible := d.Visible
		if d.Allowed != tc.allowed || !visible {
			t.Errorf("%s: allowed %v visible %v %q; want %v true", cell, d.Allowed, visible, d.Reasons, tc.allowed)
		}
		checkReasons(t, cell, d)
		if !d.Allowed {
			checkLastAdminReason(t, cell, tc.target, d)
		}
	}
}

// checkLastAdminReason: the last-admin refusal names the target and says what
// to do about it.
func checkLastAdminReason(t *testing.T, cell string, target entitle.User, d policy.Decision) {
	t.Helper()
	r := strings.Join(d.Reasons, " ")
	if !strings.Contains(r, target.Email) {
		t.Errorf("%s: reason %q does not name %s", cell, r, target.Email)
	}
	if !strings.Contains(r, "last active administrator") {
		t.Errorf("%s: reason %q does not say %s is the last active administrator", cell, r, target.Email)
	}
	if !strings.Contains(r, "make another user an administrator") {
		t.Errorf("%s: reason %q does not say what to do", cell, r)
	}
}

// TestChangeCoworkerSelf: an administrator changing himself. The policy does
// not know who is who: the store counts the other active admins, so when he
// is the last one he may neither disable nor demote himself.
func TestChangeCoworkerSelf(t *testing.T) {
	me := entitle.User{Email: "root@acme.example", Company: "ACME", Admin: true, Status: entitle.UserActive}
	for _, tc := range []struct {
		ch      entitle.UserChange
		others  int
		allowed bool
	}{
		{disable, 0, false},
		{demote, 0, false},
		{disable, 1, true},
		{demote, 1, true},
		{enable, 0, true},
		{promote, 0, true},
	} {
		cell := fmt.Sprintf("self %+v others=%d", tc.ch, tc.others)
		d := policy.ChangeCoworker(acmeAdmin, me, tc.ch, tc.others)
		visible := d.Visible
		if d.Allowed != tc.allowed || !visible {
			t.Errorf("%s: allowed %v visible %v %q; want %v true", cell, d.Allowed, visible, d.Reasons, tc.allowed)
		}
		checkReasons(t, cell, d)
		if !d.Allowed {
			checkLastAdminReason(t, cell, me, d)
		}
	}
}

// TestChangeCoworkerVendorOwnCompany: the vendor's administrators manage
// their own company's users like any company's, under the same last-admin
// rule.
func TestChangeCoworkerVendorOwnCompany(t *testing.T) {
	u := entitle.User{Email: "vic@maker.example", Company: "MAKER", Admin: true, Status: entitle.UserActive}
	if d := policy.ChangeCoworker(vendorAdmin, u, demote, 1); !d.Allowed || !d.Visible {
		t.Errorf("vendor admin demoting a vendor admin: allowed %v visible %v %q", d.Allowed, d.Visible, d.Reasons)
	}
	d := policy.ChangeCoworker(vendorAdmin, u, demote, 0)
	visible := d.Visible
	if d.Allowed || !visible {
		t.Errorf("vendor admin demoting the vendor's last admin: allowed %v visible %v %q", d.Allowed, visible, d.Reasons)
	}
	checkLastAdminReason(t, "vendor last admin", u, d)
}

// TestCoworkersDenyByDefault: the zero entitle.Actor is allowed nothing, whatever
// is asked — even about a company or a user whose key is empty too.
func TestCoworkersDenyByDefault(t *testing.T) {
	var zero entitle.Actor
	for _, asAdmin := range []bool{false, true} {
		if d := policy.Invite(zero, asAdmin); d.Allowed {
			t.Errorf("Invite asAdmin=%v allowed", asAdmin)
		}
	}
	for _, company := range []string{"", "ACME"} {
		if d := policy.ListCoworkers(zero, company); d.Allowed || d.Visible {
			t.Errorf("ListCoworkers %q: allowed %v visible %v", company, d.Allowed, d.Visible)
		}
		if d := policy.ListInvitations(zero, company); d.Allowed || d.Scope == policy.ScopeCompany {
			t.Errorf("ListInvitations %q: allowed %v scope %v", company, d.Allowed, d.Scope)
		}
		for _, mine := range []bool{false, true} {
			if d := policy.ManageInvitation(zero, invitation(company, zero, mine)); d.Allowed || d.Visible {
				t.Errorf("ManageInvitation %q mine=%v: allowed %v visible %v", company, mine, d.Allowed, d.Visible)
			}
		}
	}
	users := []entitle.User{{}, {Admin: true, Status: entitle.UserActive}, activeAdmin, activeMember}
	for _, u := range users {
		for _, chg := range append(changes, struct {
			name string
			ch   entitle.UserChange
		}{"no change", entitle.UserChange{}}) {
			for _, others := range []int{0, 1} {
				if d := policy.ChangeCoworker(zero, u, chg.ch, others); d.Allowed || d.Visible {
					t.Errorf("ChangeCoworker %q %s others=%d: allowed %v visible %v", u.Company, chg.name, others, d.Allowed, d.Visible)
				}
			}
		}
	}
}

// TestSendPasswordReset: only an administrator of ACME sends ACME's active
// users a reset link; a member of ACME is refused but knows the user;
// anyone else, the vendor's administrators included, does not (R7).
func TestSendPasswordReset(t *testing.T) {
	for _, ck := range callerKinds {
		for _, tg := range targets {
			cell := ck.name + " " + tg.name
			d := policy.SendPasswordReset(ck.c, tg.u)
			wantVisible := ck.c == acmeMember || ck.c == acmeAdmin
			wantAllowed := ck.c == acmeAdmin && tg.u.Status == entitle.UserActive
			if d.Allowed != wantAllowed || d.Visible != wantVisible {
				t.Errorf("%s: allowed %v visible %v %q; want %v %v", cell, d.Allowed, d.Visible, d.Reasons, wantAllowed, wantVisible)
			}
			checkReasons(t, cell, d)
		}
	}
}

// TestManageAccount: every signed-in user manages its own account; the
// operator (no user) has none.
func TestManageAccount(t *testing.T) {
	for _, ck := range callerKinds {
		d := policy.ManageAccount(ck.c)
		if want := ck.c.User(); d.Allowed != want || d.Visible != want {
			t.Errorf("%s: allowed %v visible %v; want %v", ck.name, d.Allowed, d.Visible, want)
		}
		checkReasons(t, ck.name, d)
	}
	if d := policy.ManageAccount(entitle.Actor{Company: "ACME", Vendor: false}); d.Allowed {
		t.Errorf("the operator manages an account: %q", d.Reasons)
	}
}

package policy

import (
	"slices"
	"time"

	"github.com/entitle-portal/entitle"
)

// Rule is one disclosure rule of SPEC §3, quoted.
type Rule struct {
	ID   string
	Text string
}

// Rules are the disclosure rules R1–R8, quoted from SPEC §3. The code that
// applies each one quotes it again beside it (see doc.go).
var Rules = []Rule{
	{"R1", "Entitlement information is disclosed to members of every company that holds any role on the entitlement's order (purchasing entity, reseller, owner, installer), and to members of a company holding an active delegation from the owner that covers it."},
	{"R2", "Order details are disclosed only to members of the order's purchasing entity."},
	{"R3", "A lookup BY PO NUMBER (an order, or the entitlements of an order) succeeds only for members of the purchasing entity that placed that PO. Every other company's lookup finds nothing — even a company that can see that PO number as a field of an entitlement."},
	{"R4", "Owner & location are never disclosed to anyone but members of the owner company itself (and the vendor, whose record it is). They are absent from every response to any other company, order details to the purchasing entity included. A delegate sees the name of the company that delegated to it in its list of received delegations, never contacts or the site."},
	{"R5", "Only the owner company (its administrators) may grant or revoke delegations of its entitlements. A delegate cannot re-delegate. A delegation stops working the instant it is revoked or expires."},
	{"R6", "Members of the vendor company see everything (it is the vendor's own record), and each such disclosure is audited like any other."},
	{"R7", "A company that is not entitled to an object cannot learn that it exists: the answer is the same 404 not_found as for an object that does not exist. A user never sees another company's users, invitations or audit events."},
	{"R8", "Every response states the basis of the caller's access, and the owner and the vendor can ask who has access to an entitlement and why."},
}

// Cell is one cell of the rules table: what a company on one basis gets when
// asking one way.
type Cell struct {
	Basis    entitle.Basis // "" for a company with no role and no delegation
	Way      Way
	Decision Decision
}

// Table computes the rules table by asking Decide, for a company holding
// exactly one basis, every way of asking. It is derived from the code, never
// written by hand, so `entitle policy` shows what the code does.
func Table() []Cell {
	var cells []Cell
	for _, b := range append(slices.Clone(entitle.Bases), "") {
		cells = append(cells, cellsFor(entitle.Actor{Company: "ME", Vendor: b == entitle.BasisVendor}, b, Ways)...)
	}
	return cells
}

// cellsFor decides, for c holding exactly basis b ("" for none) on an
// entitlement of another company, each of ways.
func cellsFor(c entitle.Actor, b entitle.Basis, ways []Way) []Cell {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	me, other, sub := c.Company, "OTHER", "SUB-1"
	if me == other {
		other = "ANOTHER"
	}
	f := entitle.Facts{SubscriptionID: sub, Owner: other, PurchasingEntity: other,
		Roles: []entitle.RoleAssignment{{Role: entitle.RolePurchasingEntity, Company: other}, {Role: entitle.RoleOwner, Company: other}}}
	switch b {
	case entitle.BasisDelegate:
		f.Delegations = []entitle.Delegation{{ID: "D-1", Owner: other, Delegate: me, SubscriptionIDs: []string{sub}}}
	case entitle.BasisVendor, "":
	default:
		f.Roles = append(f.Roles, entitle.RoleAssignment{Role: entitle.Role(b), Company: me})
		if b == entitle.BasisOwner {
			f.Owner = me
		}
		if b == entitle.BasisPurchasingEntity {
			f.PurchasingEntity = me
		}
	}
	var cells []Cell
	for _, w := range ways {
		sf := f
		if w == OrderDetails {
			sf.SubscriptionID = ""
		}
		cells = append(cells, Cell{Basis: b, Way: w, Decision: Decide(c, w, sf, now)})
	}
	return cells
}

// MoreRules are the rules beyond SPEC §3 that the policy package also
// decides — co-workers (coworkers.go), the entitlement lifecycle
// (lifecycle.go) and the vendor's pages (vendor.go), access requests (accessrequests.go) — in words, for
// `entitle policy`. Each is tested with its function.
var MoreRules = []Rule{
	{"C1", "Any active user may invite a co-worker into their own company; only administrators may invite an administrator (Invite)."},
	{"C2", "Members see their company's users and the invitations they sent; administrators see and manage every invitation of their company (ListCoworkers, ListInvitations, ManageInvitation)."},
	{"C3", "Only administrators disable, enable, promote or demote a company's users, and the last active administrator can be neither disabled nor demoted (ChangeCoworker)."},
	{"L1", "The partner of record (sold via) is shown to the owner, its delegates and the vendor: the partner view (Decide)."},
	{"L2", "The owner, its delegates and the vendor see how to renew; the owner and its delegates ask for renewals, which the recipient answers and the requester withdraws (RenewalOptions, RequestRenewal, AnswerRenewalRequest)."},
	{"L3", "The owner's administrators offer an entitlement to another company, whose administrators accept or decline; the vendor's administrators move ownership directly (OfferTransfer, AnswerTransfer)."},
	{"H1", "R8 through time: who could see an entitlement at a past instant, and its access history (each company, basis and interval), are asked by the vendor (its whole record) and by the owner (about the time it has owned it; another instant is refused, forbidden); before the entitlement came into the portal nobody could see it (AskAccessAt, HistoryWindow, AccessHistory)."},
	{"L4", "Administrators keep their own company's profile and directory listing (EditProfile)."},
	{"F1", "Who granted or revoked a delegation is shown to the owner only; a renewal request's recipient never sees who asked, and a listed partner not the PO number; a request closed by a transfer shows the entitlement only to those who may still see it; who offered a transfer is shown to the offering company and the vendor (SeeDelegation, SeeRenewalRequest, SeeTransfer)."},
	{"A1", "Administrators require two-factor sign-in of their own company's users (RequireTwoFactor)."},
	{"A2", "A user turns their own second factor on or off, but not off while their company requires it (TurnOffTwoFactor)."},
	{"W1", "Administrators manage their own company's webhooks (add, test, read deliveries, remove); members are refused, and another company's webhooks do not exist for anyone, the vendor's members included — the operator's console configures any company's (ManageWebhooks)."},
	{"N1", "Each user chooses which notices they receive (expiry digests, renewal requests, access requests); administrators receive them unless they opt out, members only when they opt in (ChooseNotices, ReceivesNotice)."},
	{"V1", "The vendor's pages exist for members of the vendor only; its administrators import and post announcements (VendorPages, ChangeVendorRecord)."},
	{"V2", "Only the vendor filters its list of entitlements by a company holding a role on the order: to anyone else it would tell who else is on an order (FilterByCompany)."},
	{"S1", "Single sign-on: a company's provider signs in only addresses of the domains the vendor configured for that company (each domain belongs to one company), and not one it says is unverified (SSOSignIn)."},
	{"S2", "A first sign-in at a company's provider makes the person a member of that company, never an administrator; a user of another company or a disabled user is refused (SSOSignIn)."},
	{"S3", "A company may forbid password sign-in for its users; that refusal is answered like a wrong password (PasswordSignIn)."},
	{"Q1", "Any user of a company asks for access by a link that names no owner; the users of a company read the requests it sent and those it received (CreateAccessRequest, ListAccessRequests, SeeAccessRequest)."},
	{"Q2", "Only an administrator of the company that opens the link answers it, never the requesting company; approving needs entitlements to own and grants an ordinary delegation (R5), declining does not (OpenAccessLink, AnswerAccessRequest)."},
	{"Q3", "The requester learns nothing of the company that opened its link until it answers: after an approval its name (R4), after a decline its name and reason (SeeAccessDecider); the user who asked or an administrator of its company withdraws an open request (WithdrawAccessRequest)."},
	{"S4", "The vendor's members see each company's single sign-on; its administrators set and remove it (ConfigureSSO)."},
	{"K1", "A search (q) finds an entitlement only by a field the caller's decision on it discloses: subscription ID, SKU and PO number wherever the entitlement is seen; the owner's name and the site only where owner & location are (the owner, the vendor) (SearchFields, SearchBases)."},
	{"D1", "On its list an administrator of the owner company picks its own entitlements to delegate, or to revoke a delegate's access to, in one step; a pick it may not delegate refuses the whole step (DelegateRow)."},
}

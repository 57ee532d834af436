// Package policy holds the disclosure rules of SPEC §3 — the one place in
// entitle where a rule is written. Its functions are pure: facts in, decision
// out, with no I/O, no context and no clock (the caller passes now). They deny
// by default, and every decision carries its basis and reasons.
//
// The store gathers facts (an entitlement's or an order's role assignments,
// the delegations naming the caller's company); [Decide] says whether the
// caller may see it asked a given [Way], which [View]s it gets, and on what
// basis. Only the gate (internal/disclose) asks Decide and the other
// decisions on entitlement facts ([AskWhoHasAccess], [WhoHasAccess],
// [ListViews]); it projects fields only through a decision, and every
// service reads entitlements through it.
//
// Every function answers one [Decision]: allowed or not, and when not,
// whether the object exists for the caller at all ([Decision].Visible).
// [Decision.Err] is the one way to refuse: a hidden object is not_found,
// exactly like a missing one (R7); a visible one is forbidden, with the
// decision's reason.
//
// The rules, quoted from SPEC §3, and where each is applied:
//
// R1. "Entitlement information is disclosed to members of every company that
// holds any role on the entitlement's order (purchasing entity, reseller,
// owner, installer), and to members of a company holding an active delegation
// from the owner that covers it." — [Decide], ways List and Get.
//
// R2. "Order details are disclosed only to members of the order's purchasing
// entity." — [Decide]: the ViewOrder view, which only the OrderDetails way
// (the order looked up by its PO number) answers.
//
// R3. "A lookup BY PO NUMBER (an order, or the entitlements of an order)
// succeeds only for members of the purchasing entity that placed that PO.
// Every other company's lookup finds nothing — even a company that can see
// that PO number as a field of an entitlement." — [Decide], ways LookupByPO
// and OrderDetails.
//
// R4. "Owner & location are never disclosed to anyone but members of the
// owner company itself (and the vendor, whose record it is). They are absent
// from every response to any other company, order details to the purchasing
// entity included." — [Decide]: the ViewOwner view.
//
// R5. "Only the owner company (its administrators) may grant or revoke
// delegations of its entitlements. A delegate cannot re-delegate. A
// delegation stops working the instant it is revoked or expires." —
// [ManageDelegations]; expiry and revocation in [Decide] through
// entitle.Delegation.ActiveAt.
//
// R6. "Members of the vendor company see everything (it is the vendor's own
// record), and each such disclosure is audited like any other." — [Decide],
// first of all.
//
// R7. "A company that is not entitled to an object cannot learn that it
// exists: the answer is the same 404 not_found as for an object that does not
// exist." — a refused [Decision] that is not Visible; [Decision.Err] answers
// it exactly as a missing object.
//
// R8. "Every response states the basis of the caller's access, and the owner
// and the vendor can ask who has access to an entitlement and why." —
// [Decision].Basis, [AskWhoHasAccess] (a company that sees the entitlement
// but is neither is refused, knowing it exists) and [WhoHasAccess].
//
// [Table] derives the table printed by `entitle policy` from [Decide] itself.
// The scenarios under testdata/ (parsed by package policytest) test every
// basis × view × way of asking; the store and the API run the same scenarios.
package policy

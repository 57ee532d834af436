// Package policy holds the disclosure rules of SPEC §3 — the one place in
// entitle where a rule is written. Its functions are pure: facts in, decision
// out, with no I/O, no context and no clock (the caller passes now). They deny
// by default, and every decision carries its basis and reasons.
//
// The store gathers facts (an entitlement's or an order's role assignments,
// the delegations naming the caller's company); [Decide] says whether the
// caller may see it asked a given [Way], which [View]s it gets, and on what
// basis. Handlers and the CLI project fields only through a decision.
//
// The rules, quoted from SPEC §3, and where each is applied:
//
// R1. "Entitlement information is disclosed to members of every company that
// holds any role on the entitlement's order (purchasing entity, reseller,
// owner, installer), and to members of a company holding an active delegation
// from the owner that covers it." — [Decide], ways List and Get.
//
// R2. "Order details are disclosed only to members of the order's purchasing
// entity." — [Decide]: the ViewOrder view, and the OrderDetails way.
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
// exist." — a denied [Decision] carries nothing but reasons; callers answer it
// exactly as they answer a missing object.
//
// R8. "Every response states the basis of the caller's access, and the owner
// and the vendor can ask who has access to an entitlement and why." —
// [Decision].Basis, and [Explain].
//
// [Table] derives the table printed by `entitle policy` from [Decide] itself.
// The scenarios under testdata/ (parsed by package policytest) test every
// basis × view × way of asking; the store and the API run the same scenarios.
package policy

package policy

import (
	"slices"
	"strings"

	"github.com/entitle-portal/entitle"
)

// View is a set of kinds of information. The first three are SPEC §3's
// views; the others name what the product's own records (renewal requests,
// transfers, delegations) add to them.
type View uint16

const (
	// ViewEntitlement is entitlement information: subscription ID, SKU,
	// quantity, start and end date, and the purchasing entity's PO number.
	ViewEntitlement View = 1 << iota
	// ViewOrder is order details: order date, currency, MSA, lines with prices
	// and amounts, totals, bill-to, the purchasing entity, resellers, installers.
	ViewOrder
	// ViewOwner is owner & location: the owner's identity and contacts, and the
	// installation site.
	ViewOwner
	// ViewPartner is the entitlement's partner of record ("sold via"): its
	// name and how to reach it, never a price.
	ViewPartner
	// ViewSubscription is entitlement information without the PO number:
	// what a quote or a transfer offer names to a company that holds no
	// role on the order.
	ViewSubscription
	// ViewOwnSide is the caller's own company's side of a delegation, a
	// renewal request or a transfer: which of its users acted, and where a
	// request it sent went.
	ViewOwnSide
)

var viewNames = []struct {
	v    View
	name string
}{{ViewEntitlement, "entitlement"}, {ViewOrder, "order"}, {ViewOwner, "owner"}, {ViewPartner, "partner"},
	{ViewSubscription, "subscription"}, {ViewOwnSide, "own-side"}}

// Has reports whether v includes every view of w.
func (v View) Has(w View) bool { return v&w == w }

// String names the views of v, comma-separated ("none" for none).
func (v View) String() string {
	var names []string
	for _, x := range viewNames {
		if v.Has(x.v) {
			names = append(names, x.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// ParseView reads the names String writes.
func ParseView(s string) (View, bool) {
	var v View
	for _, name := range strings.Split(s, ",") {
		i := slices.IndexFunc(viewNames, func(x struct {
			v    View
			name string
		}) bool {
			return x.name == name
		})
		if i < 0 {
			return 0, false
		}
		v |= viewNames[i].v
	}
	return v, true
}

// Scope is how far an allowed list reaches.
type Scope uint8

const (
	ScopeNone    Scope = iota // nothing
	ScopeOwn                  // what the caller itself did (e.g. the invitations it sent)
	ScopeCompany              // its company's
	ScopeAll                  // every company's (the vendor, R6)
)

// Decision is the answer of every function of this package: whether the
// caller may do or see what it asked, and if so what and why.
//
// The zero Decision denies, and hides: a refused decision that is not
// Visible must be answered exactly like a missing object (R7, not_found);
// a Visible refusal is answered forbidden, with its reason — the caller
// knows the object exists and is told why it may not have it.
type Decision struct {
	Allowed bool
	// Visible says the object exists for the caller (always true when
	// Allowed).
	Visible bool
	// Views is what may be disclosed, when Allowed.
	Views View
	// Scope is how far an allowed list reaches (audit events, invitations).
	Scope Scope
	// Basis says why (R8), sorted.
	Basis []entitle.Basis
	// Delegations lists the IDs of the active delegations the access rests on.
	Delegations []string
	// Reasons explain the decision in words.
	Reasons []string
}

// On reports whether d allows on basis b (among others).
func (d Decision) On(b entitle.Basis) bool { return d.Allowed && slices.Contains(d.Basis, b) }

// Err is the error a refused decision is answered with, nil when d allows:
// not_found ("what id not found") when the object does not exist for the
// caller (R7), forbidden with the decision's first reason when it does.
func (d Decision) Err(what, id string) error {
	switch {
	case d.Allowed:
		return nil
	case !d.Visible:
		return entitle.Errorf(entitle.CodeNotFound, "%s %s not found", what, id)
	case len(d.Reasons) > 0:
		return entitle.Errorf(entitle.CodeForbidden, "%s", d.Reasons[0])
	}
	return entitle.Errorf(entitle.CodeForbidden, "you may not do this")
}

// allow is an allowing decision.
func allow(v View, basis []entitle.Basis, reason string) Decision {
	return Decision{Allowed: true, Visible: true, Views: v, Basis: basis, Reasons: []string{reason}}
}

// refuse is a refusal of a visible object: forbidden, for reason.
func refuse(reason string) Decision {
	return Decision{Visible: true, Reasons: []string{reason}}
}

// hide is a refusal of an object that does not exist for the caller (R7).
func hide(reason string) Decision {
	return Decision{Reasons: []string{reason}}
}

func hasAny(bs []entitle.Basis, want ...entitle.Basis) bool {
	for _, b := range want {
		if slices.Contains(bs, b) {
			return true
		}
	}
	return false
}

package policy

import (
	"slices"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
)

// Way is the way of asking: how the caller reached the object. The same
// entitlement may be visible in a list yet not findable by PO number (R3).
type Way int

const (
	List         Way = iota // the caller's list of entitlements
	Get                     // one entitlement by subscription ID
	LookupByPO              // an order's entitlements, found by PO number
	OrderDetails            // the order itself (lines, prices, parties), by PO number
)

// Ways lists every way of asking.
var Ways = []Way{List, Get, LookupByPO, OrderDetails}

func (w Way) String() string {
	switch w {
	case List:
		return "list"
	case Get:
		return "get"
	case LookupByPO:
		return "po"
	case OrderDetails:
		return "order"
	}
	return "unknown"
}

// View is a set of the three kinds of information of SPEC §3.
type View uint8

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
)

// Has reports whether v includes every view of w.
func (v View) Has(w View) bool { return v&w == w }

func (v View) String() string {
	var names []string
	for _, x := range []struct {
		v    View
		name string
	}{{ViewEntitlement, "entitlement"}, {ViewOrder, "order"}, {ViewOwner, "owner"}} {
		if v.Has(x.v) {
			names = append(names, x.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// Decision is the policy's answer. The zero Decision denies.
type Decision struct {
	Allowed bool
	Views   View            // what may be disclosed, when Allowed
	Basis   []entitle.Basis // sorted; why (R8)
	// Delegations lists the IDs of the active delegations the access rests on.
	Delegations []string
	// Reasons explain the decision in words, each starting with its rule.
	Reasons []string
}

// Decide applies R1–R4 and R6 to one entitlement (List, Get, LookupByPO) or
// one order (OrderDetails) for caller at instant now. Deny by default: only a
// rule below allows.
func Decide(c entitle.Actor, way Way, f entitle.Facts, now time.Time) Decision {
	var d Decision
	var pe, owner bool
	for _, r := range f.Roles {
		if r.Company != c.Company || c.Company == "" {
			continue
		}
		d.addBasis(entitle.Basis(r.Role))
		pe = pe || r.Role == entitle.RolePurchasingEntity
		owner = owner || r.Role == entitle.RoleOwner
	}
	hasRole := len(d.Basis) > 0

	// R6. Members of the vendor company see everything (it is the vendor's own
	// record), and each such disclosure is audited like any other.
	if c.Vendor {
		d.addBasis(entitle.BasisVendor)
		d.allow(ViewEntitlement|ViewOrder|ViewOwner, "R6: your company is the vendor, whose record this is")
		return d.done()
	}

	switch way {
	case List, Get:
		// R1. Entitlement information is disclosed to members of every
		// company that holds any role on the entitlement's order, and to
		// members of a company holding an active delegation from the owner
		// that covers it.
		if hasRole {
			d.allow(ViewEntitlement, "R1: your company is "+d.roleWords()+" on the order")
		}
		for _, dl := range f.Delegations {
			// R5. A delegation stops working the instant it is revoked or expires.
			if dl.Delegate == c.Company && dl.Owner == f.Owner && f.Owner != "" &&
				dl.ActiveAt(now) && dl.Covers(f.SubscriptionID) {
				d.Delegations = append(d.Delegations, dl.ID)
			}
		}
		if len(d.Delegations) > 0 {
			d.addBasis(entitle.BasisDelegate)
			d.allow(ViewEntitlement, "R1: the owner delegated access to your company ("+strings.Join(d.Delegations, ", ")+")")
		}
		// R2. Order details are disclosed only to members of the order's
		// purchasing entity.
		if pe {
			d.allow(ViewOrder, "R2: your company is the purchasing entity")
		}
	case LookupByPO:
		// R3. A lookup by PO number succeeds only for members of the
		// purchasing entity that placed that PO. Every other company's lookup
		// finds nothing — even a company that can see that PO number as a
		// field of an entitlement.
		if !pe {
			return Decision{Reasons: []string{"R3: only the purchasing entity that placed a PO can look it up by its number"}}
		}
		d.allow(ViewEntitlement|ViewOrder, "R3: your company placed this PO")
	case OrderDetails:
		// R2 and R3: order details, by PO number, only for the purchasing entity.
		if !pe {
			return Decision{Reasons: []string{"R2: order details are disclosed only to the purchasing entity"}}
		}
		d.allow(ViewEntitlement|ViewOrder, "R2: your company is the purchasing entity")
	default:
		return Decision{}
	}
	if !d.Allowed {
		return Decision{Reasons: []string{"R1/R7: your company holds no role on the order and no active delegation from the owner covers it"}}
	}
	// R4. Owner & location are never disclosed to anyone but members of the
	// owner company itself (and the vendor). They are absent from every
	// response to any other company, order details to the purchasing entity
	// included.
	if owner {
		d.allow(ViewOwner, "R4: your company is the owner")
	}
	if way == LookupByPO || way == OrderDetails {
		d.Basis = slices.DeleteFunc(d.Basis, func(b entitle.Basis) bool { return b == entitle.BasisDelegate })
	}
	return d.done()
}

func (d *Decision) allow(v View, reason string) {
	d.Allowed = true
	d.Views |= v
	d.Reasons = append(d.Reasons, reason)
}

func (d *Decision) addBasis(b entitle.Basis) {
	if !slices.Contains(d.Basis, b) {
		d.Basis = append(d.Basis, b)
	}
}

func (d Decision) done() Decision {
	slices.Sort(d.Basis)
	return d
}

var roleWords = map[entitle.Basis]string{
	entitle.BasisPurchasingEntity: "the purchasing entity",
	entitle.BasisOwner:            "the owner",
	entitle.BasisReseller:         "a reseller",
	entitle.BasisInstaller:        "an installer",
}

func (d Decision) roleWords() string {
	var ws []string
	for _, b := range d.Basis {
		if w, ok := roleWords[b]; ok {
			ws = append(ws, w)
		}
	}
	return strings.Join(ws, " and ")
}

// RevokeDelegation decides R5 and R7 for revoking one delegation, granted by
// owner to delegate. The owner's administrators may (ManageDelegations).
// The delegate knows of the delegation and is told it may not; to any other
// company it does not exist (visible false): the answer is not_found.
func RevokeDelegation(c entitle.Actor, owner, delegate string) (d Decision, visible bool) {
	switch {
	case c.Company != "" && c.Company == delegate:
		return Decision{Reasons: []string{"R5: only the owner company may revoke a delegation; ask " + owner}}, true
	case c.Company == "" || c.Company != owner:
		return Decision{Reasons: []string{"R7: another company's delegation does not exist for you"}}, false
	}
	// The delegation is the caller company's own grant: R5 leaves only the
	// administrator question.
	return ManageDelegations(c, owner, true), true
}

// ReadAudit decides R7 for the audit trail: whose events c may read. An
// administrator reads its own company's (scope = its key); an administrator
// of the vendor reads every company's (scope = "", all); nobody else reads
// any.
func ReadAudit(c entitle.Actor) (scope string, d Decision) {
	switch {
	case !c.Admin:
		return "", Decision{Reasons: []string{"only administrators of your company may read its audit events"}}
	case c.Vendor:
		return "", Decision{Allowed: true, Basis: []entitle.Basis{entitle.BasisVendor},
			Reasons: []string{"R6: the vendor's administrators read every company's events"}}
	}
	return c.Company, Decision{Allowed: true, Reasons: []string{"R7: administrators read their own company's events"}}
}

// ManageDelegations decides R5 for one owner's entitlements: whether caller
// may grant or revoke a delegation of entitlements owned by owner. ownsAny
// says whether owner owns at least one entitlement (a company that owns
// nothing is no owner company and grants nothing).
//
// R5. Only the owner company (its administrators) may grant or revoke
// delegations of its entitlements. A delegate cannot re-delegate.
func ManageDelegations(c entitle.Actor, owner string, ownsAny bool) Decision {
	switch {
	case c.Company == "" || c.Company != owner || !ownsAny:
		return Decision{Reasons: []string{"R5: only the owner company may grant or revoke delegations of its entitlements; a delegate cannot re-delegate"}}
	case !c.Admin:
		return Decision{Reasons: []string{"R5: only administrators of the owner company may grant or revoke delegations"}}
	}
	return Decision{Allowed: true, Basis: []entitle.Basis{entitle.BasisOwner},
		Reasons: []string{"R5: your company owns these entitlements and you are its administrator"}}
}

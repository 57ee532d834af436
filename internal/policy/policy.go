package policy

import (
	"fmt"
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

// Decide applies R1–R4 and R6 to one entitlement (List, Get, LookupByPO) or
// one order (OrderDetails) for actor c at instant now. Deny by default: only
// a rule below allows. A refusal is never Visible (R7).
//
// The views follow what each way answers: an entitlement (List, Get) is
// entitlement information, with owner & location for the owner (R4) and
// the partner of record for those who buy through it; an order's
// entitlements found by PO number (LookupByPO) are entitlement information
// for the purchasing entity (R3); the order itself (OrderDetails) adds the
// order details (R2).
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
	if c.Vendor && c.Company != "" {
		d.addBasis(entitle.BasisVendor)
		d.allow(viewsOf(way, true), "R6: your company is the vendor, whose record this is")
		if way != OrderDetails {
			d.Views |= ViewPartner
		}
		if way == List || way == Get {
			// R8: the basis states every reason, a delegation from the
			// owner to the vendor too.
			d.delegated(c, f, now)
		}
		return d.done(way)
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
		d.delegated(c, f, now)
		// The seed: the owner (and whoever acts for it) is "recommended to
		// engage that partner for future entitlement management and
		// renewals", so it is told who sold the entitlement.
		if owner || len(d.Delegations) > 0 {
			d.Views |= ViewPartner
		}
	case LookupByPO, OrderDetails:
		// R3. A lookup by PO number succeeds only for members of the
		// purchasing entity that placed that PO. Every other company's lookup
		// finds nothing — even a company that can see that PO number as a
		// field of an entitlement.
		// R2. Order details are disclosed only to members of the order's
		// purchasing entity.
		if !pe {
			return hide("R3: only the purchasing entity that placed a PO can look it up by its number; R2: only it sees the order's details")
		}
		if way == LookupByPO {
			d.allow(viewsOf(way, false), "R3: your company placed this PO")
			// Sold via, as in every entitlement answer to the owner.
			if owner {
				d.Views |= ViewPartner
			}
		} else {
			d.allow(viewsOf(way, false), "R2: your company is the purchasing entity")
		}
	default:
		return Decision{}
	}
	if !d.Allowed {
		return hide("R1/R7: your company holds no role on the order and no active delegation from the owner covers it")
	}
	// R4. Owner & location are never disclosed to anyone but members of the
	// owner company itself (and the vendor). They are absent from every
	// response to any other company, order details to the purchasing entity
	// included.
	if owner {
		d.allow(ViewOwner, "R4: your company is the owner")
	}
	return d.done(way)
}

// delegated allows on the active delegations from the owner to c's company
// that cover the entitlement of f (R1).
func (d *Decision) delegated(c entitle.Actor, f entitle.Facts, now time.Time) {
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
}

// viewsOf is what way answers (R1, R2), with owner & location when
// withOwner (R4).
func viewsOf(way Way, withOwner bool) View {
	v := ViewEntitlement
	if way == OrderDetails {
		v |= ViewOrder
	}
	if withOwner {
		v |= ViewOwner
	}
	return v
}

func (d *Decision) allow(v View, reason string) {
	d.Allowed, d.Visible = true, true
	d.Views |= v
	d.Reasons = append(d.Reasons, reason)
}

func (d *Decision) addBasis(b entitle.Basis) {
	if !slices.Contains(d.Basis, b) {
		d.Basis = append(d.Basis, b)
	}
}

func (d Decision) done(way Way) Decision {
	if way == LookupByPO || way == OrderDetails {
		// A lookup by PO number rests on the PO alone (R3): no delegation.
		d.Basis = slices.DeleteFunc(d.Basis, func(b entitle.Basis) bool { return b == entitle.BasisDelegate })
		d.Delegations = nil
	}
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

// ListViews is the union of the views c may get on any entitlement of its
// list, given the bases it holds on some entitlement (e.g. owner when its
// company owns any): what a list's columns may carry (a CSV's header is
// written before its rows). It asks Decide itself, so the columns can never
// promise what the rows do not carry, nor leave out what they do.
func ListViews(c entitle.Actor, bases []entitle.Basis) View {
	var v View
	for _, b := range bases {
		for _, cell := range cellsFor(c, b, []Way{List}) {
			v |= cell.Decision.Views
		}
	}
	return v
}

// ManageDelegations decides R5 for one owner's entitlements: whether c may
// grant or revoke a delegation of entitlements owned by owner. ownsAny
// says whether owner owns at least one entitlement (a company that owns
// nothing is no owner company and grants nothing).
//
// R5. Only the owner company (its administrators) may grant or revoke
// delegations of its entitlements. A delegate cannot re-delegate.
func ManageDelegations(c entitle.Actor, owner string, ownsAny bool) Decision {
	switch {
	case c.Company == "" || c.Company != owner || !ownsAny:
		return refuse("R5: only the owner company may grant or revoke delegations of its entitlements; a delegate cannot re-delegate")
	case !c.Admin:
		return refuse("R5: only administrators of the owner company may grant or revoke delegations")
	}
	return allow(0, []entitle.Basis{entitle.BasisOwner}, "R5: your company owns these entitlements and you are its administrator")
}

// SeeDelegation decides whether c sees a delegation granted by owner to
// delegate, and which of its fields: both companies see it; who granted and
// who revoked it (users of the owner company) only the owner (ViewOwnSide);
// the delegate sees the owner company's name and nothing of its users
// (R4, R7). To any other company it does not exist.
func SeeDelegation(c entitle.Actor, owner, delegate string) Decision {
	switch {
	case c.Company == "":
		return hide("R7: another company's delegation does not exist for you")
	case c.Company == owner:
		return allow(ViewOwnSide, []entitle.Basis{entitle.BasisOwner}, "R5: your company granted it")
	case c.Company == delegate:
		return allow(0, []entitle.Basis{entitle.BasisDelegate}, "R4: the owner shares its name with the company it delegated to")
	}
	return hide("R7: another company's delegation does not exist for you")
}

// RevokeDelegation decides R5 and R7 for revoking one delegation, granted by
// owner to delegate. The owner's administrators may (ManageDelegations).
// The delegate knows of the delegation and is told it may not; to any other
// company it does not exist.
func RevokeDelegation(c entitle.Actor, owner, delegate string) Decision {
	if see := SeeDelegation(c, owner, delegate); !see.Allowed {
		return see
	}
	if c.Company == delegate && c.Company != owner {
		return refuse(fmt.Sprintf("R5: only the owner company may revoke a delegation; ask %s", owner))
	}
	// The delegation is the caller company's own grant: R5 leaves only the
	// administrator question.
	return ManageDelegations(c, owner, true)
}

// ReadAudit decides R7 for the audit trail: whose events c may read. An
// administrator reads its own company's (ScopeCompany); an administrator of
// the vendor reads every company's (ScopeAll); nobody else reads any.
func ReadAudit(c entitle.Actor) Decision {
	switch {
	case c.Company == "":
		return hide("R7: the audit trail is read by the administrators of a company")
	case !c.Admin:
		return refuse("only administrators of your company may read its audit events")
	case c.Vendor:
		d := allow(0, []entitle.Basis{entitle.BasisVendor}, "R6: the vendor's administrators read every company's events")
		d.Scope = ScopeAll
		return d
	}
	d := allow(0, nil, "R7: administrators read their own company's events")
	d.Scope = ScopeCompany
	return d
}

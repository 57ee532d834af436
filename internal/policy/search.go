package policy

import (
	"github.com/entitle-portal/entitle"
)

// Field is a set of an entitlement's fields a search (q) may match.
type Field uint8

const (
	FieldSubscription Field = 1 << iota // the subscription ID
	FieldSKU                            // the SKU
	FieldPO                             // the purchasing entity's PO number
	FieldOwner                          // the owner's name
	FieldSite                           // the installation site's name and address
)

// Has reports whether f includes every field of g.
func (f Field) Has(g Field) bool { return f&g == g }

// SearchFields is the set of fields a search may match on one row of a
// list, given the caller's decision on that row: only fields the decision
// discloses. A search never finds a row by a field its caller may not see
// (SPEC §7): the owner's name and the site only with the owner view (R4),
// the PO number only with the entitlement information that carries it.
func SearchFields(d Decision) Field {
	if !d.Allowed {
		return 0
	}
	var f Field
	switch {
	case d.Views.Has(ViewEntitlement):
		f |= FieldSubscription | FieldSKU | FieldPO
	case d.Views.Has(ViewSubscription):
		f |= FieldSubscription | FieldSKU
	}
	if d.Views.Has(ViewOwner) {
		f |= FieldOwner | FieldSite
	}
	return f
}

// SearchBases are the bases on which c's list discloses the owner view —
// the rows whose owner name and site c's search may match — asked of
// Decide for a row held on each basis alone, so the store's narrowing
// follows the rules and never reads a name it should not. (The gate
// checks each row's own decision again with SearchFields.)
func SearchBases(c entitle.Actor) []entitle.Basis {
	var out []entitle.Basis
	for _, b := range entitle.Bases {
		for _, cell := range cellsFor(c, b, []Way{List}) {
			if SearchFields(cell.Decision).Has(FieldOwner) {
				out = append(out, b)
			}
		}
	}
	return out
}

// DelegateRow decides whether c may pick an entitlement of its list to
// delegate it or to revoke its delegation (bulk delegation, R5): c's
// decision on the row must show it as the owner's, and ManageDelegations
// must allow c to manage that owner's delegations. A row that is not c's
// own is refused, whatever else c sees of it.
func DelegateRow(c entitle.Actor, d Decision, owner string) Decision {
	return ManageDelegations(c, owner, d.On(entitle.BasisOwner))
}

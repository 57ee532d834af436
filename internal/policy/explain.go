package policy

import (
	"slices"
	"time"

	"github.com/entitle-portal/entitle"
)

// Access is one company's access to an entitlement and its basis (R8).
type Access struct {
	Company     string
	Basis       []entitle.Basis
	Delegations []string // IDs of the active delegations it rests on
}

// AskWhoHasAccess decides R8's second half for c, who sees an entitlement
// with decision d (Get): "the owner and the vendor can ask who has access to
// an entitlement and why". A company that sees the entitlement but is
// neither is refused, knowing it exists (forbidden); one that does not see
// it cannot learn that it exists (R7).
func AskWhoHasAccess(c entitle.Actor, d Decision) Decision {
	switch {
	case !d.Allowed:
		return hide("R7: the entitlement does not exist for you")
	case d.On(entitle.BasisVendor):
		return allow(d.Views, d.Basis, "R8: your company is the vendor")
	case d.On(entitle.BasisOwner):
		return allow(d.Views, d.Basis, "R8: your company is the owner")
	}
	return refuse("R8: only the owner and the vendor may ask who has access to an entitlement and why")
}

// WhoHasAccess answers R8's second half: every company with access to the
// entitlement of f at now, and why, sorted by key. For this question
// f.Roles must hold all of the order's role assignments and f.Delegations
// every delegation granted by the owner (any state); vendor is the vendor
// company's key ("" when none is recorded). Ask AskWhoHasAccess first.
//
// Each company's access is computed by Decide itself, so the explanation
// can never disagree with what the company is actually shown.
func WhoHasAccess(f entitle.Facts, vendor string, now time.Time) []Access {
	candidates := []string{}
	for _, r := range f.Roles {
		candidates = append(candidates, r.Company)
	}
	for _, d := range f.Delegations {
		candidates = append(candidates, d.Delegate)
	}
	if vendor != "" {
		candidates = append(candidates, vendor)
	}
	slices.Sort(candidates)
	candidates = slices.Compact(candidates)
	var out []Access
	for _, k := range candidates {
		d := Decide(entitle.Actor{Company: k, Vendor: k == vendor}, Get, f, now)
		if d.Allowed {
			out = append(out, Access{Company: k, Basis: d.Basis, Delegations: d.Delegations})
		}
	}
	return out
}

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

// AsksWhoHasAccess decides R8's second half for a caller who sees an
// entitlement with decision d: "the owner and the vendor can ask who has
// access to an entitlement and why".
func AsksWhoHasAccess(c entitle.Actor, d Decision) bool {
	return d.Allowed && (c.Vendor || slices.Contains(d.Basis, entitle.BasisOwner))
}

// Explain answers R8's second half: "the owner and the vendor can ask who has
// access to an entitlement and why". The decision says whether caller may ask;
// when it may, the list holds every company with access, sorted by key. For
// this question f.Roles must hold all of the order's role assignments and
// f.Delegations every delegation granted by the owner (any state); vendor is
// the vendor company's key ("" when none is recorded).
//
// Each company's access is computed by Decide itself, so the explanation can
// never disagree with what the company is actually shown.
func Explain(c entitle.Actor, f entitle.Facts, vendor string, now time.Time) (Decision, []Access) {
	asker := Decide(c, Get, f, now)
	if !AsksWhoHasAccess(c, asker) {
		return Decision{Reasons: []string{"R8: only the owner and the vendor can ask who has access to an entitlement"}}, nil
	}
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
	reason := "R8: your company is the owner"
	if c.Vendor {
		reason = "R8: your company is the vendor"
	}
	return Decision{Allowed: true, Views: asker.Views, Basis: asker.Basis, Reasons: []string{reason}}, out
}

package policy

import "github.com/entitle-portal/entitle"

// FilterByCompany decides whether c may narrow its list of entitlements to
// those on whose order a named company holds any role (issue 14): the
// vendor, who sees every order and every party on it (R6). To anyone else
// the filter would tell who else holds a role on an order it sees — the
// owner a reseller may not know (R4), the installer a delegate may not
// (R7) — so it is refused, knowing the list exists (the caller's own).
func FilterByCompany(c entitle.Actor) Decision {
	if c.Company == "" || !c.Vendor {
		return refuse("only the vendor filters by a company holding a role on the order: it would tell who else is on an order (R4, R7)")
	}
	return allow(0, []entitle.Basis{entitle.BasisVendor}, "R6: the vendor sees every party on every order")
}
